#include "core/data_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace esafe::core {
namespace {

namespace fs = std::filesystem;

TEST(DataDirTest, ExplicitBeatsEnvironmentBeatsTheBuiltInPlaces) {
  ::unsetenv("ESAFE_DATA_DIR");
  SetDataDir({});
  // No installed share/esafe beside the test binary: the source tree's data/ folder.
  EXPECT_TRUE(fs::exists(DataDir() / "filter" / "profiles.yaml")) << DataDir();
  EXPECT_EQ(DataPath("monitoring/terms"), (DataDir() / "monitoring/terms").string());

  ::setenv("ESAFE_DATA_DIR", "/srv/esafe-data", 1);
  EXPECT_EQ(DataDir(), fs::path("/srv/esafe-data"));

  SetDataDir("/opt/esafe/../esafe/share");
  EXPECT_EQ(DataDir(), fs::path("/opt/esafe/share"));
  EXPECT_EQ(DataPath("filter/profiles.yaml"), "/opt/esafe/share/filter/profiles.yaml");

  SetDataDir("relative/data");  // made absolute against the working directory when set
  EXPECT_EQ(DataDir(), (fs::current_path() / "relative/data").lexically_normal());

  SetDataDir({});
  ::unsetenv("ESAFE_DATA_DIR");
}

TEST(DataDirTest, AnInstalledShareEsafeBesideTheBinaryIsFound) {
  // <exe dir>/../share/esafe: made beside this test's own binary, then removed.
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  const fs::path share = exe.parent_path().parent_path() / "share" / "esafe";
  if (fs::exists(share)) GTEST_SKIP() << share << " exists already";
  const bool had_share = fs::exists(share.parent_path());
  fs::create_directories(share);
  ::unsetenv("ESAFE_DATA_DIR");
  SetDataDir({});
  const fs::path found = DataDir();
  fs::remove_all(had_share ? share : share.parent_path());
  EXPECT_EQ(found, share.lexically_normal());
}

}  // namespace
}  // namespace esafe::core
