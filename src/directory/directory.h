// directory: who is in the partnership, where children get online, and who is
// responsible for e-safety in each place (seeds 004 Sections 2–3; 003
// 'register of internet access locations'; 001 'e-safety champions';
// 002 'ESLO in every setting').
//
// Four kinds of record — agencies, their sites, the register of internet
// access locations at each site, and people with their e-safety roles — share
// one set of operations. Every operation takes the Principal asking, applies
// agency scoping itself (an agency-scoped role never sees or changes another
// agency's records: NotFound for records it cannot see, Forbidden for records
// it can see but not change), and writes the audit trail in the same
// transaction as the change. Reads of a person's record are audited too.
//
// A Directory holds only a reference to the Database and is safe to use from
// many threads.
#pragma once

#include <chrono>

#include <optional>
#include <string>
#include <vector>

#include "access/access.h"
#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"
#include "store/keyset.h"

namespace esafe::directory {

enum class Kind { kAgency, kSite, kAccessLocation, kPerson };

struct KindInfo {
  Kind kind;
  std::string singular;  // "agency", as in the audit trail
  std::string plural;    // "agencies", as in URLs
  std::string table;
  const RecordSchema* schema;
};

const KindInfo& Info(Kind kind);
const std::vector<KindInfo>& AllKinds();

// The choices offered for each list-valued field, from the seeds.
const std::vector<std::string>& Sectors();
const std::vector<std::string>& MembershipTypes();
const std::vector<std::string>& SiteTypes();
const std::vector<std::string>& AccessTypes();
const std::vector<std::string>& AgeGroups();
const std::vector<std::string>& EsafetyRoles();
const std::vector<std::string>& SubgroupRoles();

struct ListQuery {
  std::optional<std::string> search;  // case-insensitive substring of the name
  std::optional<int64_t> agency_id;
  std::optional<int64_t> site_id;
  std::optional<std::string> type;    // sector / site_type / access_type / esafety_role, by kind
};

// Result of a CSV import: all rows were imported, or none and the errors say
// which lines are wrong and why.
struct ImportReport {
  int64_t imported = 0;
  std::vector<std::string> errors;  // "line 4: sector must be one of: …"
};

class Directory {
 public:
  explicit Directory(store::Database& db) : db_(db) {}

  // One page of the records the principal may see, ordered by name (case-insensitive)
  // then id. Each record carries agency_name (and site_name) for display. A listing
  // of people is audited. Invalid naming "cursor" when page.after is not a key of it.
  Result<store::Page> ListPage(Kind kind, const access::Principal& who, const ListQuery& query,
                               const store::PageQuery& page);
  // Every record the principal may see, in the same order (read page by page).
  Result<Json> List(Kind kind, const access::Principal& who, const ListQuery& query);
  Result<Json> Get(Kind kind, const access::Principal& who, int64_t id);
  // Validates `input` with the kind's schema and creates the record; returns it.
  Result<Json> Create(Kind kind, const access::Principal& who, const Json& input);
  // Changes the fields given in `input`; returns the record as it now is.
  Result<Json> Update(Kind kind, const access::Principal& who, int64_t id, const Json& input);
  // Deletes the record; Conflict while other records depend on it.
  Result<void> Remove(Kind kind, const access::Principal& who, int64_t id);

  // Every record the principal may see as CSV with a header row, built a page at a time. Reference ids
  // appear as names (agency, site) so the file reads well in a spreadsheet.
  Result<std::string> ExportCsv(Kind kind, const access::Principal& who);
  // Imports agencies, sites, people or access locations from CSV with the
  // columns ExportCsv writes (id and timestamps ignored). All rows are checked
  // first; if any is wrong nothing is imported. The rows are written
  // kImportChunk a transaction, or as many as kImportChunkTime allows (PostgreSQL
  // writes a row a round trip), so a large import does not hold the writer for
  // more than a moment at a time; if a chunk fails, the chunks before it are
  // removed again.
  static constexpr size_t kImportChunk = 2000;
  static constexpr std::chrono::milliseconds kImportChunkTime{200};
  Result<ImportReport> ImportCsv(Kind kind, const access::Principal& who, std::string_view csv);

  // Aggregate figures for the board: agencies by sector and membership type,
  // sites by type, access locations with accredited filtering, monitoring and a
  // review in the last year, agencies with a named e-safety lead. No names.
  Result<Json> Summary(const access::Principal& who);

 private:
  Result<store::Page> ReadPage(Kind kind, const access::Principal& who, const ListQuery& query,
                               const store::PageQuery& page, bool audit_listing);
  // Writes checked rows (line, record) for ImportCsv; errors go to `report`.
  Result<ImportReport> WriteImport(Kind kind, const access::Principal& who,
                                   const std::vector<std::pair<size_t, Json>>& rows, ImportReport& report);
  // Deletes the records a failed import wrote.
  Result<void> RemoveImported(Kind kind, const access::Principal& who, const std::vector<int64_t>& ids);

  store::Database& db_;
};

// Loads a small demonstration partnership (agencies, sites, register, people)
// and a partnership admin account, unless the database already holds agencies.
// Returns true when it loaded. `admin_password` is the admin's password.
Result<bool> LoadDemo(store::Database& db, const std::string& admin_password);

}  // namespace esafe::directory
