//===- Tool.h - Shared pieces of the quant-gguf tool ---------------*- C++
//-*-===//
//
// Private to tools/quant-gguf: the subcommands, argument parsing, error
// reporting and tensor decoding shared between them.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_GGUF_TOOL_H
#define QUANT_TOOLS_QUANT_GGUF_TOOL_H

#include "quant/gguf/Reader.h"

#include <map>
#include <string>
#include <vector>

namespace quant::tool {

/// Exit codes: runtime failures and usage errors.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// Prints "quant-gguf: error: <message>" on stderr; returns kExitFailure.
int reportError(const std::string &message);
/// Prints "quant-gguf: error: <message> (see 'quant-gguf <command> --help')"
/// on stderr; returns kExitUsage.
int reportUsageError(const std::string &command, const std::string &message);

/// The arguments of one subcommand.
struct Args {
  std::vector<std::string> positional;
  /// Option values by canonical (long) name, e.g. "--format".
  std::map<std::string, std::string> options;
  bool help = false;
};

/// An option a subcommand accepts: its long name, an optional short alias
/// ("-o"), and whether it takes a value.
struct OptionSpec {
  std::string name;
  std::string shortName;
  bool takesValue = true;
};

/// Parses `argv` for `command`: "--name VALUE", "--name=VALUE", "-o VALUE",
/// "-h"/"--help", positionals, and "--" ending options. On a usage error
/// prints it and returns false with `exitCode` set.
bool parseArgs(const std::string &command, const std::vector<std::string> &argv,
               const std::vector<OptionSpec> &specs, Args &out, int &exitCode);

/// Names of the named formats that have a GGUF type id, in library order.
std::vector<std::string> ggufWritableFormats();

/// Decodes rows [row, row + count) of `tensor` into `out`
/// (count * rowLength floats). Returns an empty string or a message.
std::string decodeRows(const gguf::File &file, const gguf::TensorInfo &tensor,
                       uint64_t row, uint64_t count, float *out);
/// Returns an empty string when decodeRows supports the tensor's type.
std::string checkDecodable(const gguf::TensorInfo &tensor);

/// "1.5 MiB" style sizes.
std::string humanBytes(uint64_t bytes);

int runInfo(const std::vector<std::string> &argv);
int runQuantize(const std::vector<std::string> &argv);
int runDump(const std::vector<std::string> &argv);
int runMakeExample(const std::vector<std::string> &argv);
int runMakeLlama(const std::vector<std::string> &argv);
int runCompare(const std::vector<std::string> &argv);

} // namespace quant::tool

#endif // QUANT_TOOLS_QUANT_GGUF_TOOL_H
