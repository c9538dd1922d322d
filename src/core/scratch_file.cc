#include "core/scratch_file.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace esafe {

Result<ScratchFile> ScratchFile::Create(std::string_view prefix) {
  std::string path = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  const int fd = mkstemp(path.data());  // 0600, and never an existing file
  if (fd < 0) return Error::Internal("cannot create a temporary file");
  close(fd);
  return ScratchFile(std::move(path));
}

ScratchFile::ScratchFile(ScratchFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

ScratchFile::~ScratchFile() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

Result<std::string> ScratchFile::ReadAll() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return Error::Internal("cannot read back a temporary file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Error::Internal("cannot read back a temporary file");
  return bytes.str();
}

}  // namespace esafe
