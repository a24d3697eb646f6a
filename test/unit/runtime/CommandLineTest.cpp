//===- CommandLineTest.cpp - qrt_main option parsing and bench output -----===//

#include "CommandLine.h"
#include "BenchStats.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace quant::rt;

namespace {

/// Parses `args` (without the program name).
bool parse(std::vector<std::string> args, Options &options,
           std::string &error) {
  args.insert(args.begin(), "/some/dir/prog");
  std::vector<char *> argv;
  for (std::string &arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  return parseCommandLine(int(args.size()), argv.data(), options, error);
}

/// Parses `args` expecting a usage error; returns the message.
std::string parseError(std::vector<std::string> args) {
  Options options;
  std::string error;
  EXPECT_FALSE(parse(args, options, error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find('\n'), std::string::npos);
  return error;
}

TEST(CommandLineTest, AllOptions) {
  Options options;
  std::string error;
  ASSERT_TRUE(parse({"--input", "a.npy", "--input=b.npy", "--output", "y.npy",
                     "--bench", "10", "--threads=3"},
                    options, error))
      << error;
  EXPECT_EQ(options.inputs, (std::vector<std::string>{"a.npy", "b.npy"}));
  EXPECT_EQ(options.outputs, std::vector<std::string>{"y.npy"});
  EXPECT_EQ(options.benchRuns, 10);
  EXPECT_EQ(options.threads, 3);
  EXPECT_FALSE(options.help);
  EXPECT_FALSE(options.signature);
}

TEST(CommandLineTest, Defaults) {
  Options options;
  std::string error;
  ASSERT_TRUE(parse({}, options, error));
  EXPECT_TRUE(options.inputs.empty());
  EXPECT_TRUE(options.outputs.empty());
  EXPECT_EQ(options.benchRuns, 0);
  EXPECT_EQ(options.threads, 0);
}

TEST(CommandLineTest, HelpAndSignature) {
  Options options;
  std::string error;
  ASSERT_TRUE(parse({"--help", "--signature"}, options, error));
  EXPECT_TRUE(options.help);
  EXPECT_TRUE(options.signature);
  Options shortHelp;
  ASSERT_TRUE(parse({"-h"}, shortHelp, error));
  EXPECT_TRUE(shortHelp.help);
  std::string usage = usageText("prog");
  EXPECT_EQ(usage.rfind("usage: prog ", 0), 0u);
  for (const char *flag :
       {"--input", "--output", "--bench", "--threads", "--signature", "--help"})
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
}

TEST(CommandLineTest, UsageErrors) {
  EXPECT_EQ(parseError({"--frobnicate"}),
            "unknown option '--frobnicate' (see --help)");
  EXPECT_EQ(parseError({"--frob=1"}), "unknown option '--frob' (see --help)");
  EXPECT_EQ(parseError({"-x"}), "unknown option '-x' (see --help)");
  EXPECT_EQ(parseError({"a.npy"}), "unexpected argument 'a.npy' (see --help)");
  EXPECT_EQ(parseError({"--input"}), "missing value for --input");
  EXPECT_EQ(parseError({"--input", "--output", "y.npy"}),
            "missing value for --input");
  EXPECT_EQ(parseError({"--output="}), "empty value for --output");
  EXPECT_NE(parseError({"--bench", "0"}).find("invalid value '0' for --bench"),
            std::string::npos);
  EXPECT_NE(parseError({"--bench", "ten"}).find("for --bench"),
            std::string::npos);
  EXPECT_NE(parseError({"--bench", "-3"}).find("for --bench"),
            std::string::npos);
  EXPECT_NE(parseError({"--bench", "99999999999999999999"}).find("for --bench"),
            std::string::npos);
  EXPECT_NE(parseError({"--threads", "0"}).find("for --threads"),
            std::string::npos);
  EXPECT_NE(parseError({"--threads", "2k"}).find("for --threads"),
            std::string::npos);
  EXPECT_EQ(parseError({"--threads"}), "missing value for --threads");
}

TEST(CommandLineTest, ValuesMayStartWithADash) {
  Options options;
  std::string error;
  ASSERT_TRUE(parse({"--input", "-a.npy"}, options, error)) << error;
  EXPECT_EQ(options.inputs, std::vector<std::string>{"-a.npy"});
}

TEST(CommandLineTest, ProgramName) {
  EXPECT_EQ(programName("/usr/bin/chat"), "chat");
  EXPECT_EQ(programName("chat"), "chat");
  EXPECT_EQ(programName("./bin/"), "./bin/");
  EXPECT_EQ(programName(nullptr), "program");
  EXPECT_EQ(programName(""), "program");
}

TEST(BenchStatsTest, MedianMinMax) {
  BenchStats odd = summarizeTimes({5, 1, 3});
  EXPECT_DOUBLE_EQ(odd.medianMs, 3);
  EXPECT_DOUBLE_EQ(odd.minMs, 1);
  EXPECT_DOUBLE_EQ(odd.maxMs, 5);
  BenchStats even = summarizeTimes({4, 1, 2, 10});
  EXPECT_DOUBLE_EQ(even.medianMs, 3);
  EXPECT_DOUBLE_EQ(even.minMs, 1);
  EXPECT_DOUBLE_EQ(even.maxMs, 10);
  BenchStats one = summarizeTimes({2.5});
  EXPECT_DOUBLE_EQ(one.medianMs, 2.5);
  BenchStats none = summarizeTimes({});
  EXPECT_DOUBLE_EQ(none.medianMs, 0);
}

TEST(BenchStatsTest, LineFormat) {
  BenchStats stats;
  stats.medianMs = 1.5;
  stats.minMs = 1.25;
  stats.maxMs = 12.0;
  EXPECT_EQ(formatBenchLine(stats, 20, 4),
            "median=1.500 ms min=1.250 ms max=12.000 ms (20 runs, 4 threads)");
  stats.minMs = 0.0123456;
  EXPECT_EQ(formatBenchLine(stats, 1, 1),
            "median=1.500 ms min=0.01235 ms max=12.000 ms (1 runs, 1 threads)");
}

} // namespace
