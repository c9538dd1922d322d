// A small partnership to explore esafe with: the agencies, settings and people
// a local safeguarding partnership typically has (seeds 004 Section 3 list of
// settings; Annex A's Havering library service).
#include <mutex>

#include "directory/directory.h"

namespace esafe::directory {

namespace {

// Every demo account has the one demo password, and tests seed the demo partnership
// hundreds of times per process; Argon2id is slow by design, so the password is hashed
// once per process and the encoded string (salt included) is shared by the accounts.
Result<std::string> DemoPasswordHash(const std::string& password) {
  static std::mutex mutex;
  static std::string hashed_password, hash;
  std::lock_guard lock(mutex);
  if (hash.empty() || hashed_password != password) {
    ESAFE_TRY(access::CheckPasswordRules(password));
    auto fresh = access::HashPassword(password);
    if (!fresh.ok()) return fresh.error();
    hashed_password = password;
    hash = std::move(*fresh);
  }
  return hash;
}

}  // namespace

Result<bool> LoadDemo(store::Database& db, const std::string& admin_password) {
  auto existing = db.Read<int64_t>([](store::Connection& c) -> Result<int64_t> {
    auto r = c.Query("SELECT COUNT(*) AS n FROM agencies");
    if (!r.ok()) return r.error();
    return (*r)[0].Int("n");
  });
  if (!existing.ok()) return existing.error();
  if (*existing > 0) return false;

  access::Principal system;
  system.username = "demo-loader";
  system.role = access::Role::kPartnershipAdmin;
  system.ip = "local";
  Directory dir(db);

  struct AgencyDemo {
    const char* name;
    const char* sector;
    const char* membership;
  };
  const AgencyDemo agencies[] = {
      {"Riverside Primary School", "education", "board partner"},
      {"Northgate Academy", "education", "board partner"},
      {"County Library Service", "library", "other member"},
      {"Eastfield Youth Service", "youth service", "other member"},
      {"County Police Public Protection Unit", "police", "board partner"},
      {"Community Health Trust", "health", "board partner"},
  };
  std::vector<int64_t> ids;
  for (const auto& a : agencies) {
    auto r = dir.Create(Kind::kAgency, system, {{"name", a.name}, {"sector", a.sector}, {"membership_type", a.membership}});
    if (!r.ok()) return r.error();
    ids.push_back((*r)["id"].get<int64_t>());
  }

  struct SiteDemo {
    size_t agency;
    const char* name;
    const char* type;
    const char* range;
  };
  const SiteDemo sites[] = {
      {0, "Riverside Primary, Mill Lane", "school", "10.10.1.0/24"},
      {1, "Northgate Academy main site", "school", "10.10.2.0/24"},
      {1, "Northgate Sixth Form Centre", "post-16 or adult education (college)", "10.10.3.0/24"},
      {2, "Central Library", "library", "10.20.1.0/24"},
      {2, "Westbrook Branch Library", "library", "10.20.2.0/24"},
      {3, "Eastfield Youth Club", "youth club or group", "10.30.1.0/24"},
      {4, "Public Protection Unit offices", "office", "10.40.1.0/24"},
      {5, "Child Development Centre", "children's centre", "10.50.1.0/24"},
  };
  std::vector<int64_t> site_ids;
  for (const auto& s : sites) {
    auto r = dir.Create(Kind::kSite, system,
                        {{"agency_id", ids[s.agency]}, {"name", s.name}, {"site_type", s.type},
                         {"ip_ranges", Json::array({s.range})}});
    if (!r.ok()) return r.error();
    site_ids.push_back((*r)["id"].get<int64_t>());
  }

  struct LocationDemo {
    size_t site;
    const char* name;
    const char* type;
    int devices;
    std::vector<std::string> ages;
    const char* owner;
    bool accredited;
    bool monitored;
    const char* reviewed;
  };
  const LocationDemo locations[] = {
      {0, "ICT suite", "desktop computers", 30, {"5-11"}, "agency", true, true, "2026-09-01"},
      {0, "Class tablets", "tablets", 60, {"5-11"}, "agency", true, false, "2026-09-01"},
      {1, "Library and study centre", "desktop computers", 45, {"11-16"}, "agency", true, true, "2026-06-15"},
      {1, "Student Wi-Fi (bring your own device)", "wireless network", 400, {"11-16", "16-18"}, "personal", true,
       false, "2025-10-01"},
      {2, "Sixth form study room", "laptops", 25, {"16-18"}, "agency", true, true, "2026-03-20"},
      {3, "Children's library PCs", "public access terminals", 6, {"5-11", "11-16"}, "agency", true, true,
       "2026-01-10"},
      {3, "Adult public access PCs", "public access terminals", 20, {"16-18", "adults"}, "agency", true, true,
       "2026-01-10"},
      {3, "Public Wi-Fi", "wireless network", 0, {"11-16", "16-18", "adults"}, "personal", false, false,
       "2024-11-30"},
      {4, "Branch public PCs", "public access terminals", 4, {"5-11", "11-16", "adults"}, "agency", true, false,
       "2025-07-01"},
      {5, "Youth club laptops", "laptops", 8, {"11-16", "16-18"}, "agency", false, false, "2025-02-14"},
      {7, "Waiting-room tablets", "tablets", 3, {"under 5", "5-11"}, "agency", true, false, "2026-05-05"},
  };
  for (const auto& l : locations) {
    auto r = dir.Create(Kind::kAccessLocation, system,
                        {{"site_id", site_ids[l.site]}, {"name", l.name}, {"access_type", l.type},
                         {"device_count", l.devices}, {"age_groups", l.ages}, {"equipment_owner", l.owner},
                         {"connection_provider", "Regional Broadband Consortium"},
                         {"filtering_provider", l.accredited ? "RBC accredited filtering" : "ISP default"},
                         {"filtering_accredited", l.accredited}, {"monitoring_in_place", l.monitored},
                         {"last_reviewed", l.reviewed}});
    if (!r.ok()) return r.error();
  }

  struct PersonDemo {
    size_t agency;
    const char* name;
    const char* title;
    const char* email;
    const char* role;
    const char* subgroup;
  };
  const PersonDemo people[] = {
      {0, "Amira Shah", "Deputy Head", "a.shah@riverside.example", "e-safety lead (ESLO / champion)", "core"},
      {1, "Tom Fletcher", "Network Manager", "t.fletcher@northgate.example", "network / infrastructure", "co-opted"},
      {1, "Grace Okafor", "Assistant Principal", "g.okafor@northgate.example", "e-safety lead (ESLO / champion)",
       "chair"},
      {2, "Helen Price", "Service Development Librarian", "h.price@library.example",
       "e-safety lead (ESLO / champion)", "core"},
      {3, "Dan Murphy", "Senior Youth Worker", "d.murphy@youth.example", "e-safety lead (ESLO / champion)",
       "associate"},
      {4, "DS Claire Wong", "Detective Sergeant", "c.wong@police.example", "designated safeguarding lead", "core"},
  };
  for (const auto& p : people) {
    auto r = dir.Create(Kind::kPerson, system,
                        {{"agency_id", ids[p.agency]}, {"full_name", p.name}, {"job_title", p.title},
                         {"email", p.email}, {"esafety_role", p.role}, {"subgroup_role", p.subgroup}});
    if (!r.ok()) return r.error();
  }

  auto demo_hash = DemoPasswordHash(admin_password);
  if (!demo_hash.ok()) return demo_hash.error();
  auto admin = access::AddAccount(
      db, {.username = "admin", .display_name = "Partnership administrator", .password = admin_password, .password_hash = *demo_hash,
           .role = access::Role::kPartnershipAdmin, .demo = true},
      nullptr);
  if (!admin.ok()) return admin.error();
  auto officer = access::AddAccount(
      db, {.username = "library.eslo", .display_name = "Helen Price", .password = admin_password, .password_hash = *demo_hash,
           .role = access::Role::kAgencyOfficer, .agency_id = ids[2], .demo = true},
      nullptr);
  if (!officer.ok()) return officer.error();
  // A second agency's officer, so that escalating an incident from one agency
  // to another (the library to a child's school) can be tried end to end.
  auto school_officer = access::AddAccount(
      db, {.username = "riverside.eslo", .display_name = "Amira Shah", .password = admin_password, .password_hash = *demo_hash,
           .role = access::Role::kAgencyOfficer, .agency_id = ids[0], .demo = true},
      nullptr);
  if (!school_officer.ok()) return school_officer.error();
  // The partnership e-safety lead runs the annual audit; the board member reads its report.
  auto lead = access::AddAccount(
      db, {.username = "lead", .display_name = "Partnership e-safety lead", .password = admin_password, .password_hash = *demo_hash,
           .role = access::Role::kPartnershipLead, .demo = true},
      nullptr);
  if (!lead.ok()) return lead.error();
  auto board = access::AddAccount(
      db, {.username = "board", .display_name = "Board member", .password = admin_password, .password_hash = *demo_hash,
           .role = access::Role::kBoardMember, .demo = true},
      nullptr);
  if (!board.ok()) return board.error();
  return true;
}

}  // namespace esafe::directory
