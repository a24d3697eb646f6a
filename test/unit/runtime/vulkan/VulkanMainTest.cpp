//===- VulkanMainTest.cpp - qrt_vk_main's options and exit codes ----------===//
//
// The test binary links TestProgramVulkan.cpp as its compiled program; each
// qrt_vk_main run happens in a fresh process (a death test) because it tears
// the runtime down.
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Vulkan.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

using ::testing::ExitedWithCode;

namespace {

class VulkanMainDeathTest : public ::testing::Test {
protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

/// Runs qrt_vk_main with `arguments` (after argv[0] = "vkprog") and exits
/// with its result.
[[noreturn]] void runMain(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "/some/dir/vkprog");
  std::vector<char *> argv;
  for (std::string &argument : arguments)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  std::exit(qrt_vk_main(int(argv.size() - 1), argv.data()));
}

TEST_F(VulkanMainDeathTest, RunsTheProgramAndProfiles) {
  EXPECT_EXIT(
      {
        setenv("QUANT_VK_PROFILE", "1", 1);
        runMain({});
      },
      ExitedWithCode(0),
      "^vulkan profile: axpy: 2 calls, total [0-9.]+ ms, median [0-9.]+ "
      "ms\nvulkan profile: [0-9]+ submissions? of 2 dispatches \\(median "
      "[0-9]+ per submission\\), [0-9.]+ ms submitting and waiting\n$");
}

TEST_F(VulkanMainDeathTest, DeviceOutOfRange) {
  EXPECT_EXIT(runMain({"--device", "99"}), ExitedWithCode(1),
              "^vkprog: error: Vulkan device 99 requested, but [0-9]+ "
              "devices? exists? \\(0\\.\\.[0-9]+\\)\n$");
}

TEST_F(VulkanMainDeathTest, MalformedDevice) {
  EXPECT_EXIT(runMain({"--device=gpu0"}), ExitedWithCode(2),
              "^vkprog: error: --device expects a device index, got "
              "'gpu0'\n$");
}

TEST_F(VulkanMainDeathTest, MissingDeviceBeforeReadingInputs) {
  EXPECT_EXIT(
      {
        setenv("VK_DRIVER_FILES", "/nonexistent/quant_icd.json", 1);
        runMain({"--input", "/nonexistent/input.npy"});
      },
      ExitedWithCode(1), "^vkprog: error: no Vulkan device found");
}

TEST_F(VulkanMainDeathTest, HelpNeedsNoDevice) {
  EXPECT_EXIT(
      {
        setenv("VK_DRIVER_FILES", "/nonexistent/quant_icd.json", 1);
        runMain({"--help"});
      },
      ExitedWithCode(0), "^$");
}

TEST_F(VulkanMainDeathTest, UsageErrorsStillComeFromQrtMain) {
  EXPECT_EXIT(runMain({"--bench"}), ExitedWithCode(2), "vkprog: error: ");
}

} // namespace
