//===- ProfileTest.cpp - The QUANT_VK_PROFILE report ----------------------===//

#include "Profile.h"

#include <gtest/gtest.h>

using namespace quant::rt::vk;

namespace {

TEST(ProfileTest, ReportsCallsTotalAndMedianPerKernel) {
  Profile profile;
  uint32_t matmul = profile.kernelId("matmul");
  uint32_t add = profile.kernelId("add");
  EXPECT_EQ(profile.kernelId("matmul"), matmul);
  EXPECT_NE(add, matmul);
  profile.add(matmul, 3.0);
  profile.add(matmul, 1.0);
  profile.add(matmul, 2.0);
  profile.add(add, 0.5);
  profile.add(add, 1.5);
  profile.kernelId("never_ran");
  std::vector<std::string> expected = {
      "vulkan profile: matmul: 3 calls, total 6.000 ms, median 2.000 ms",
      "vulkan profile: add: 2 calls, total 2.000 ms, median 1.000 ms",
  };
  EXPECT_EQ(profile.report(), expected);
}

TEST(ProfileTest, ReportsSubmissionsLast) {
  Profile profile;
  uint32_t matmul = profile.kernelId("matmul");
  profile.add(matmul, 1.0);
  profile.addSubmission(1, 0.25);
  profile.addSubmission(7, 1.5);
  profile.addSubmission(3, 0.25);
  std::vector<std::string> expected = {
      "vulkan profile: matmul: 1 call, total 1.000 ms, median 1.000 ms",
      "vulkan profile: 3 submissions of 11 dispatches (median 3 per "
      "submission), 2.000 ms submitting and waiting",
  };
  EXPECT_EQ(profile.report(), expected);
}

TEST(ProfileTest, RecordsNothingWhenNotRecording) {
  Profile profile(/*recording=*/false);
  uint32_t matmul = profile.kernelId("matmul");
  profile.add(matmul, 1.0);
  profile.addSubmission(1, 0.25);
  EXPECT_TRUE(profile.report().empty());
}

} // namespace
