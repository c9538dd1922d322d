// Opens the database a test runs against: ESAFE_TEST_DB=sqlite (a fresh file)
// or a postgresql:// URL (a fresh schema, dropped at the end), so that one
// suite runs unchanged on both implementations.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/database.h"

namespace esafe::testing {

inline std::string TestDbKind() {
  const char* v = std::getenv("ESAFE_TEST_DB");
  return v && *v ? v : "sqlite";
}

// A database that exists for one test.
class TestDatabase {
 public:
  TestDatabase() {
    static std::atomic<int> counter{0};
    int n = counter++;
    std::string kind = TestDbKind();
    if (kind == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / fmt::format("esafe-test-{}-{}", ::getpid(), n);
      std::filesystem::remove_all(dir_);
      url_ = "sqlite:" + (dir_ / "esafe.db").string();
    } else {
      // One PostgreSQL database per test keeps tests independent.
      auto admin = store::OpenPostgres(kind);
      if (!admin.ok()) throw std::runtime_error(admin.error().message);
      name_ = fmt::format("esafe_test_{}_{}", ::getpid(), n);
      (void)(*admin)->ExecuteScript("DROP DATABASE IF EXISTS " + name_);
      auto created = (*admin)->ExecuteScript("CREATE DATABASE " + name_);
      if (!created.ok()) throw std::runtime_error(created.error().message);
      admin_url_ = kind;
      auto slash = kind.rfind('/');
      url_ = kind.substr(0, slash + 1) + name_;
    }
    auto db = store::Open(url_);
    if (!db.ok()) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
  }

  ~TestDatabase() {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!name_.empty()) {
      auto admin = store::OpenPostgres(admin_url_);
      if (admin.ok()) (void)(*admin)->ExecuteScript("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  }

  store::Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  // Closes and reopens the database (as after a restart).
  void Reopen() {
    db_.reset();
    auto db = store::Open(url_);
    if (!db.ok()) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
  }

 private:
  std::filesystem::path dir_;
  std::string name_, admin_url_, url_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace esafe::testing
