// The database's part of a backup and the manifest (src/store/backup.cc).
#include "store/backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "store/database.h"

namespace esafe::store {
namespace {

namespace fs = std::filesystem;

class StoreBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "esafe-store-backup-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  static int64_t Count(Database& db, const std::string& sql) {
    auto n = db.Read<int64_t>([&](Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne(sql, {}, "count");
      if (!row.ok()) return row.error();
      return row->Int("n");
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  std::string dir_;
};

TEST_F(StoreBackupTest, OnlineCopyWhileAnotherConnectionWritesHoldsEveryCommittedRow) {
  auto db = Open("sqlite:" + Path("live.db"));
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->Transaction<int64_t>([](Connection& c) {
    return c.Execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }).ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> committed{0};
  std::thread writer([&] {
    for (int64_t n = 1; !stop; ++n) {
      auto r = (*db)->Transaction<int64_t>([&](Connection& c) {
        return c.Execute("INSERT INTO notes (id, body) VALUES (?, ?)", {n, std::string(200, 'x')});
      });
      if (!r.ok()) return;
      committed = n;
    }
  });
  while (committed < 200) std::this_thread::yield();
  const int64_t before = committed;
  fs::create_directories(Path("backup"));
  auto copy = BackupDatabase("sqlite:" + Path("live.db"), Path("backup/database.sqlite"));
  stop = true;
  writer.join();
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  EXPECT_EQ(copy->kind, "sqlite");
  EXPECT_TRUE(copy->copied);
  EXPECT_GE(copy->schema_version, 13);

  struct stat st {};
  ASSERT_EQ(::stat(Path("backup/database.sqlite").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(Path("backup/database.sqlite-wal")));
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(Path("backup"))) ++files;
  EXPECT_EQ(files, 1);  // no temporary file or journal left beside the copy

  auto restored = RestoreDatabase(Path("backup/database.sqlite"), "sqlite:" + Path("restored/esafe.db"), false);
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  auto again = Open("sqlite:" + Path("restored/esafe.db"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(Count(**again, "SELECT count(*) AS n FROM notes WHERE id <= " + std::to_string(before)), before);
}

TEST_F(StoreBackupTest, AnOlderSchemaRestoredIsMigratedWhenOpened) {
  {
    auto db = Open("sqlite:" + Path("old.db"));
    ASSERT_TRUE(db.ok());
    // Back to the schema before migration 13, as an older esafe left it.
    ASSERT_TRUE((*db)->Transaction<int64_t>([](Connection& c) -> Result<int64_t> {
      ESAFE_TRY(c.ExecuteScript("ALTER TABLE incidents DROP COLUMN illegal_material"));
      return c.Execute("DELETE FROM schema_migrations WHERE version = 13");
    }).ok());
  }
  fs::create_directories(Path("backup"));
  auto copy = BackupDatabase("sqlite:" + Path("old.db"), Path("backup/database.sqlite"));
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  // (The manifest's schema version is the newest applied; a gap below it is what Open mends.)
  EXPECT_GE(copy->schema_version, 13);
  ASSERT_TRUE(RestoreDatabase(Path("backup/database.sqlite"), "sqlite:" + Path("new.db"), false).ok());
  auto db = Open("sqlite:" + Path("new.db"));
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(Count(**db, "SELECT count(*) AS n FROM schema_migrations WHERE version = 13"), 1);
  EXPECT_EQ(Count(**db, "SELECT count(illegal_material) AS n FROM incidents"), 0);
}

TEST_F(StoreBackupTest, RestoreRefusesANonEmptyDatabaseUnlessForcedAndDropsItsWal) {
  ASSERT_TRUE(Open("sqlite:" + Path("a.db")).ok());
  fs::create_directories(Path("backup"));
  ASSERT_TRUE(BackupDatabase("sqlite:" + Path("a.db"), Path("backup/database.sqlite")).ok());
  std::ofstream(Path("target.db")) << "an existing database";
  std::ofstream(Path("target.db-wal")) << "its WAL";
  auto refused = RestoreDatabase(Path("backup/database.sqlite"), "sqlite:" + Path("target.db"), false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(fs::file_size(Path("target.db")), 20u);
  ASSERT_TRUE(RestoreDatabase(Path("backup/database.sqlite"), "sqlite:" + Path("target.db"), true).ok());
  EXPECT_FALSE(fs::exists(Path("target.db-wal")));
  EXPECT_EQ(fs::file_size(Path("target.db")), fs::file_size(Path("backup/database.sqlite")));
  EXPECT_FALSE(RestoreDatabase(Path("backup/database.sqlite"), "postgresql://x@127.0.0.1/db", true).ok());
}

TEST_F(StoreBackupTest, TheManifestCatchesATamperedOrMissingFile) {
  fs::create_directories(Path("b/activity"));
  std::ofstream(Path("b/database.sqlite")) << "database bytes";
  std::ofstream(Path("b/activity/chain.log")) << "chain\n";
  BackupManifest m;
  m.database_kind = "sqlite";
  m.schema_version = 13;
  m.files = {{"database.sqlite", 0, ""}, {"activity/chain.log", 0, ""}};
  auto written = WriteBackupManifest(Path("b"), m);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(written->files[0].size, 14u);
  // SHA-256 of "database bytes".
  auto hashed = HashFile(Path("b/database.sqlite"));
  ASSERT_TRUE(hashed.ok());
  EXPECT_EQ(written->files[0].sha256, hashed->sha256);
  EXPECT_EQ(hashed->sha256.size(), 64u);

  auto checked = CheckBackup(Path("b"));
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  EXPECT_EQ(checked->schema_version, 13);
  EXPECT_EQ(checked->files.size(), 2u);

  std::ofstream(Path("b/activity/chain.log")) << "chaiN\n";  // same size, other bytes
  auto tampered = CheckBackup(Path("b"));
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().kind, ErrorKind::kConflict);
  EXPECT_NE(tampered.error().message.find("activity/chain.log"), std::string::npos);

  fs::remove(Path("b/activity/chain.log"));
  auto missing = CheckBackup(Path("b"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  EXPECT_EQ(CheckBackup(Path("nowhere")).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(CheckEmptyDestination(Path("b")).error().kind, ErrorKind::kInvalid);
  EXPECT_TRUE(CheckEmptyDestination(Path("new")).ok());
}

}  // namespace
}  // namespace esafe::store
