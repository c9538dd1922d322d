#include "core/data_dir.h"

#include <cstdlib>
#include <string>
#include <system_error>

#ifndef ESAFE_SOURCE_DATA_DIR
#error "ESAFE_SOURCE_DATA_DIR is defined by CMakeLists.txt"
#endif

namespace esafe::core {
namespace {

std::filesystem::path& ExplicitDataDir() {
  static std::filesystem::path dir;
  return dir;
}

std::filesystem::path ExecutableDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}

}  // namespace

void SetDataDir(const std::filesystem::path& dir) {
  ExplicitDataDir() = dir.empty() ? dir : std::filesystem::absolute(dir).lexically_normal();
}

std::filesystem::path DataDir() {
  if (!ExplicitDataDir().empty()) return ExplicitDataDir();
  if (const char* env = std::getenv("ESAFE_DATA_DIR"); env && *env) {
    return std::filesystem::absolute(env).lexically_normal();
  }
  if (auto exe = ExecutableDir(); !exe.empty()) {
    auto installed = (exe / ".." / "share" / "esafe").lexically_normal();
    std::error_code ec;
    if (std::filesystem::is_directory(installed, ec)) return installed;
  }
  return std::filesystem::path(ESAFE_SOURCE_DATA_DIR).lexically_normal();
}

std::string DataPath(std::string_view relative) { return (DataDir() / relative).string(); }

}  // namespace esafe::core
