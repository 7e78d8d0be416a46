// Test helpers shared by every suite: a temporary directory removed at the
// end of the test, and the location of ../shared fixtures (skip when absent).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace hub::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// $RETAILHUB_SHARED, else <source>/../shared; nullopt when the folder is absent.
std::optional<std::filesystem::path> SharedDir();

// Reads a whole file; aborts the test on failure.
std::string ReadFile(const std::filesystem::path& p);

}  // namespace hub::testing

// Skips the current test with a visible message when ../shared is absent.
#define HUB_REQUIRE_SHARED(var)                                               \
  auto var##_opt = ::hub::testing::SharedDir();                               \
  if (!var##_opt) {                                                           \
    GTEST_SKIP() << "shared fixtures not found: set RETAILHUB_SHARED to the " \
                    "shared/ folder to run this test";                        \
  }                                                                           \
  const std::filesystem::path var = *var##_opt
