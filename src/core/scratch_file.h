// A private temporary file for libraries that write only to a named file
// (libxlsxwriter): created 0600 in the system's temporary folder, read back
// whole, and removed when the ScratchFile goes, whatever path the code took.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace esafe {

class ScratchFile {
 public:
  // `prefix` names the file for whoever finds it in /tmp ("esafe-statistics").
  static Result<ScratchFile> Create(std::string_view prefix);

  ScratchFile(ScratchFile&& other) noexcept;
  ScratchFile& operator=(ScratchFile&&) = delete;
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile();

  const std::string& path() const { return path_; }

  // The file's bytes as they are now.
  Result<std::string> ReadAll() const;

 private:
  explicit ScratchFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace esafe
