//===- DeviceChoiceTest.cpp - Choosing the Vulkan device, without Vulkan --===//

#include "DeviceChoice.h"
#include "VulkanArgs.h"

#include <gtest/gtest.h>

using namespace quant::rt::vk;

namespace {

DeviceCandidate device(DeviceKind kind, bool usable = true) {
  return {kind, usable, deviceKindName(kind)};
}

std::optional<size_t> choose(const std::vector<DeviceCandidate> &devices,
                             std::optional<size_t> requested = std::nullopt) {
  std::string error;
  std::optional<size_t> chosen = chooseDevice(devices, requested, error);
  EXPECT_EQ(chosen.has_value(), error.empty()) << error;
  return chosen;
}

TEST(DeviceChoiceTest, PrefersDiscreteThenIntegratedThenVirtualThenCpu) {
  using K = DeviceKind;
  EXPECT_EQ(choose({device(K::Cpu), device(K::Integrated),
                    device(K::Discrete), device(K::Virtual)}),
            2u);
  EXPECT_EQ(choose({device(K::Cpu), device(K::Virtual), device(K::Integrated)}),
            2u);
  EXPECT_EQ(choose({device(K::Cpu), device(K::Virtual)}), 1u);
  EXPECT_EQ(choose({device(K::Other), device(K::Cpu)}), 1u);
  EXPECT_EQ(choose({device(K::Cpu)}), 0u);
}

TEST(DeviceChoiceTest, LowestIndexAmongEqualsAndSkipsUnusable) {
  using K = DeviceKind;
  EXPECT_EQ(choose({device(K::Cpu), device(K::Integrated),
                    device(K::Integrated)}),
            1u);
  EXPECT_EQ(choose({device(K::Discrete, false), device(K::Cpu)}), 1u);
}

TEST(DeviceChoiceTest, OverrideIndex) {
  using K = DeviceKind;
  std::vector<DeviceCandidate> devices = {device(K::Discrete), device(K::Cpu)};
  EXPECT_EQ(choose(devices, 1), 1u);
  EXPECT_EQ(choose(devices, 0), 0u);

  std::string error;
  EXPECT_FALSE(chooseDevice(devices, 2, error));
  EXPECT_EQ(error,
            "Vulkan device 2 requested, but 2 devices exist (0..1)");
  EXPECT_FALSE(chooseDevice({device(K::Cpu)}, 5, error));
  EXPECT_EQ(error, "Vulkan device 5 requested, but 1 device exists (0..0)");
  EXPECT_FALSE(
      chooseDevice({device(K::Cpu), device(K::Discrete, false)}, 1, error));
  EXPECT_NE(error.find("cannot run kernels"), std::string::npos);
}

TEST(DeviceChoiceTest, NoUsableDevice) {
  std::string error;
  EXPECT_FALSE(chooseDevice({}, std::nullopt, error));
  EXPECT_EQ(error, kNoDeviceMessage);
  EXPECT_FALSE(
      chooseDevice({device(DeviceKind::Discrete, false)}, std::nullopt, error));
  EXPECT_EQ(error, kNoDeviceMessage);
}

TEST(DeviceChoiceTest, ParsesDeviceIndices) {
  EXPECT_EQ(parseDeviceIndex("0"), 0u);
  EXPECT_EQ(parseDeviceIndex("12"), 12u);
  EXPECT_FALSE(parseDeviceIndex(""));
  EXPECT_FALSE(parseDeviceIndex("-1"));
  EXPECT_FALSE(parseDeviceIndex("1x"));
  EXPECT_FALSE(parseDeviceIndex("1234567890"));
  EXPECT_FALSE(parseDeviceIndex(nullptr));
}

/// Runs parseVulkanArgs on `arguments` (argv[0] = "prog").
bool parse(std::vector<std::string> arguments, VulkanArgs &result,
           std::string &error, std::vector<std::string> &rest) {
  arguments.insert(arguments.begin(), "prog");
  std::vector<char *> argv;
  for (std::string &argument : arguments)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  bool ok = parseVulkanArgs(int(argv.size() - 1), argv.data(), result, error);
  rest.clear();
  if (ok) {
    EXPECT_EQ(result.rest.back(), nullptr);
    for (size_t i = 0; i + 1 < result.rest.size(); ++i)
      rest.push_back(result.rest[i]);
  }
  return ok;
}

TEST(VulkanArgsTest, TakesOutDeviceOptions) {
  VulkanArgs args;
  std::string error;
  std::vector<std::string> rest;
  ASSERT_TRUE(parse({"--input", "a.npy", "--device", "1", "--bench", "3"},
                    args, error, rest));
  EXPECT_EQ(args.device, 1u);
  EXPECT_FALSE(args.listDevices);
  EXPECT_FALSE(args.help);
  EXPECT_EQ(rest, (std::vector<std::string>{"prog", "--input", "a.npy",
                                            "--bench", "3"}));

  ASSERT_TRUE(parse({"--device=3", "--list-devices"}, args, error, rest));
  EXPECT_EQ(args.device, 3u);
  EXPECT_TRUE(args.listDevices);
  EXPECT_EQ(rest, std::vector<std::string>{"prog"});

  ASSERT_TRUE(parse({"-h"}, args, error, rest));
  EXPECT_TRUE(args.help);
  EXPECT_FALSE(args.device);
  EXPECT_EQ(rest, (std::vector<std::string>{"prog", "-h"}));
}

TEST(VulkanArgsTest, RejectsMalformedDevices) {
  VulkanArgs args;
  std::string error;
  std::vector<std::string> rest;
  EXPECT_FALSE(parse({"--device", "x"}, args, error, rest));
  EXPECT_EQ(error, "--device expects a device index, got 'x'");
  EXPECT_FALSE(parse({"--device=-2"}, args, error, rest));
  EXPECT_EQ(error, "--device expects a device index, got '-2'");
  EXPECT_FALSE(parse({"--device"}, args, error, rest));
  EXPECT_EQ(error, "--device needs a device index");
}

} // namespace
