#include "core/scratch_file.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace esafe {
namespace {

TEST(ScratchFile, IsPrivateReadsBackAndIsRemovedWhenItGoes) {
  std::string path;
  {
    auto file = ScratchFile::Create("esafe-scratch-test");
    ASSERT_TRUE(file.ok()) << file.error().message;
    path = file->path();
    struct stat st{};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::ofstream(path, std::ios::binary) << std::string("PK\0\x03", 4) << "workbook";
    auto bytes = file->ReadAll();
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(*bytes, std::string("PK\0\x03", 4) + "workbook");
    // Moving hands the removal to the new owner, once.
    ScratchFile moved = std::move(*file);
    EXPECT_EQ(moved.path(), path);
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ScratchFile, AFileGoneMissingIsAnErrorNotEmptyBytes) {
  auto file = ScratchFile::Create("esafe-scratch-test");
  ASSERT_TRUE(file.ok());
  std::filesystem::remove(file->path());
  EXPECT_FALSE(file->ReadAll().ok());
}

}  // namespace
}  // namespace esafe
