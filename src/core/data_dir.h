// DataDir: where the data esafe ships (filtering profiles, term libraries, …) is found,
// whatever directory esafe is started from.
//
// In order: the directory set with SetDataDir (`--data-dir`, or the configuration file's
// `data-dir`), else $ESAFE_DATA_DIR, else <directory of the running executable>/../share/esafe
// when it exists (the Debian package: /usr/bin/esafe and /usr/share/esafe), else the
// source tree's data/ folder this binary was built from.
//
// Thread safety: SetDataDir is meant for main() before any thread starts; DataDir and
// DataPath may then be called from any thread.
#pragma once

#include <filesystem>
#include <string_view>

namespace esafe::core {

// Makes `dir` the data directory (made absolute against the working directory); an
// empty path goes back to the environment and the built-in places.
void SetDataDir(const std::filesystem::path& dir);

// The shipped data directory (absolute), chosen as above.
std::filesystem::path DataDir();

// DataDir() / relative, as a string: the default of an option that reads shipped data.
std::string DataPath(std::string_view relative);

}  // namespace esafe::core
