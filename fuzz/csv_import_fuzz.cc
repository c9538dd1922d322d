// Fuzzes CSV parsing and the directory's CSV import (all kinds) on an
// in-memory SQLite database. A failed import must leave nothing behind.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/csv.h"
#include "directory/directory.h"
#include "store/database.h"

namespace {

struct World {
  std::unique_ptr<esafe::store::Database> db;
  esafe::access::Principal lead;
  World() {
    db = std::move(esafe::store::Open("sqlite::memory:").value());
    (void)esafe::directory::LoadDemo(*db, "fuzzing-password-1");
    lead.role = esafe::access::Role::kPartnershipLead;
    lead.username = "fuzzer";
  }
  int64_t Count(const char* table) {
    return db->Read<int64_t>([&](esafe::store::Connection& c) -> esafe::Result<int64_t> {
               auto r = c.Query(std::string("SELECT COUNT(*) AS n FROM ") + table);
               if (!r.ok()) return r.error();
               return (*r)[0].Int("n");
             })
        .value();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (size < 1) return 0;
  std::string_view csv(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)esafe::csv::Parse(csv);
  auto kind = static_cast<esafe::directory::Kind>(data[0] % 4);
  const auto& info = esafe::directory::Info(kind);
  int64_t before = world.Count(info.table.c_str());
  esafe::directory::Directory dir(*world.db);
  auto report = dir.ImportCsv(kind, world.lead, csv);
  int64_t after = world.Count(info.table.c_str());
  bool imported = report.ok() && report->errors.empty();
  if (!imported && after != before) std::abort();  // a failed import changed the database
  if (imported && after != before + report->imported) std::abort();
  return 0;
}
