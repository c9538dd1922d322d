// TrainingRegister: the Section 4 needs matrix, courses, sessions, attendance,
// and each person's training status derived from them.
#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

#include "core/clock.h"
#include "core/csv.h"
#include "core/text.h"
#include "plan/internal.h"
#include "plan/plan.h"

namespace esafe::plan {
namespace {

using access::Principal;
using store::Connection;
using store::Value;

constexpr int64_t kDefaultRefresherMonths = 36;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<Json> LoadSession(Connection& c, int64_t id) {
  auto row = c.QueryOne(
      "SELECT t.*, k.title AS course, a.name AS agency_name FROM training_sessions t "
      "JOIN training_courses k ON k.id = t.course_id LEFT JOIN agencies a ON a.id = t.agency_id WHERE t.id = ?",
      {id}, "session");
  if (!row.ok()) return Error::NotFound("session not found");
  Json out = internal::FromRow(SessionSchema(), *row);
  out["course"] = row->Text("course");
  out["agency_name"] = row->OptionalText("agency_name") ? Json(row->Text("agency_name")) : Json(nullptr);
  return out;
}

// Inserts one attendance after checking the caller may record for the person.
Result<int64_t> InsertAttendance(Connection& c, const Principal& who, int64_t session_id, int64_t person_id) {
  auto person = c.Query("SELECT agency_id FROM people WHERE id = ?", {person_id});
  if (!person.ok()) return person.error();
  if (person->empty() || !who.CanReadAgency((*person)[0].Int("agency_id")) || !who.CanReadPeople()) {
    return Error::Invalid("no person has that id", "person_id");
  }
  if (!who.CanWriteAgency((*person)[0].Int("agency_id"))) {
    return Error::Forbidden("you may only record attendance for people of your own agency");
  }
  auto exists = c.Query("SELECT id FROM training_attendance WHERE session_id = ? AND person_id = ?",
                        {session_id, person_id});
  if (!exists.ok()) return exists.error();
  if (!exists->empty()) return Error::Conflict("this person's attendance is already recorded", "person_id");
  auto rows = c.Query(
      "INSERT INTO training_attendance (session_id, person_id, recorded_at, recorded_by) VALUES (?, ?, ?, ?) RETURNING id",
      {session_id, person_id, clock::NowIso8601(), who.username});
  if (!rows.ok()) return rows.error();
  return (*rows)[0].Int("id");
}

// A person's training standing from the sessions they attended (oldest first): courses
// for another audience do not count; refresher_due once every course's refresher date
// has passed.
struct Standing {
  std::string status;
  std::string last;  // last session attended, "" when none
  std::string due;   // when the latest refresher falls due, "" when never trained
  std::set<std::string> covered;
};

Standing StandingOf(const std::string& audience, const std::vector<const store::Row*>& attended,
                    const std::string& today) {
  Standing out;
  for (const auto* r : attended) {
    auto audiences = SplitList(r->Text("audiences"));
    if (!audiences.empty() && !Contains(audiences, audience)) continue;  // a course for someone else
    for (const auto& f : SplitList(r->Text("focuses"))) out.covered.insert(f);
    int64_t months = r->IsNull("refresher_months") ? kDefaultRefresherMonths : r->Int("refresher_months");
    std::string held = r->Text("held_on");
    std::string until = internal::AddMonths(held, months);
    if (held >= out.last) out.last = held;
    if (until > out.due) out.due = until;
  }
  out.status = out.last.empty() ? "never_trained" : out.due <= today ? "refresher_due" : "up_to_date";
  return out;
}

}  // namespace

Result<Json> TrainingRegister::Matrix(const Principal&) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT audience, focus, required FROM training_matrix");
    if (!rows.ok()) return rows.error();
    std::map<std::pair<std::string, std::string>, bool> cells;
    for (const auto& r : *rows) cells[{r.Text("audience"), r.Text("focus")}] = r.Int("required") != 0;
    Json out = {{"audiences", Audiences()}, {"focuses", Focuses()}, {"cells", Json::array()}};
    for (const auto& a : Audiences()) {
      for (const auto& f : Focuses()) out["cells"].push_back({{"audience", a}, {"focus", f}, {"required", cells[{a, f}]}});
    }
    return out;
  });
}

Result<Json> TrainingRegister::SetMatrixCell(const Principal& who, const Json& input) {
  if (!who.IsPartnershipManager()) return Error::Forbidden("only the partnership changes the training matrix");
  if (!input.is_object() || !input.contains("audience") || !input["audience"].is_string() ||
      !Contains(Audiences(), input["audience"].get<std::string>())) {
    return Error::Invalid(fmt::format("audience must be one of: {}", fmt::join(Audiences(), ", ")), "audience");
  }
  if (!input.contains("focus") || !input["focus"].is_string() || !Contains(Focuses(), input["focus"].get<std::string>())) {
    return Error::Invalid(fmt::format("focus must be one of: {}", fmt::join(Focuses(), ", ")), "focus");
  }
  if (!input.contains("required") || !input["required"].is_boolean()) {
    return Error::Invalid("required must be true or false", "required");
  }
  std::string audience = input["audience"], focus = input["focus"];
  bool required = input["required"];
  auto done = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("DELETE FROM training_matrix WHERE audience = ? AND focus = ?", {audience, focus}));
    ESAFE_TRY(c.Execute("INSERT INTO training_matrix (audience, focus, required) VALUES (?, ?, ?)",
                        {audience, focus, static_cast<int64_t>(required)}));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "training_matrix", std::nullopt,
                                  fmt::format("{} / {}: {}", audience, focus, required ? "required" : "not required")));
    return true;
  });
  if (!done.ok()) return done.error();
  return Matrix(who);
}

Result<Json> TrainingRegister::ListCourses(const Principal&) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT * FROM training_courses ORDER BY lower(title), id");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) out.push_back(internal::FromRow(CourseSchema(), r));
    return out;
  });
}

Result<Json> TrainingRegister::CreateCourse(const Principal& who, const Json& input) {
  if (!who.IsPartnershipManager()) return Error::Forbidden("only the partnership adds courses");
  auto valid = CourseSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto id = internal::Insert(c, "training_courses", CourseSchema(), *valid, {});
    if (!id.ok()) {
      if (id.error().kind == ErrorKind::kConflict) return Error::Conflict("a course with that title already exists", "title");
      return id.error();
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "training_course", *id, "course created"));
    auto row = c.QueryOne("SELECT * FROM training_courses WHERE id = ?", {*id}, "course");
    if (!row.ok()) return row.error();
    return internal::FromRow(CourseSchema(), *row);
  });
}

Result<Json> TrainingRegister::ListSessions(const Principal&, std::optional<int64_t> course_id) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    std::string sql = "SELECT t.id FROM training_sessions t WHERE 1=1";
    std::vector<Value> params;
    if (course_id) { sql += " AND t.course_id = ?"; params.emplace_back(*course_id); }
    auto rows = c.Query(sql + " ORDER BY t.held_on DESC, t.id DESC", params);
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      auto s = LoadSession(c, r.Int("id"));
      if (!s.ok()) return s.error();
      auto n = c.Query("SELECT COUNT(*) AS n FROM training_attendance a JOIN people p ON p.id = a.person_id "
                       "WHERE a.session_id = ?", {r.Int("id")});
      if (!n.ok()) return n.error();
      (*s)["attendees"] = (*n)[0].Int("n");
      out.push_back(*s);
    }
    return out;
  });
}

Result<Json> TrainingRegister::CreateSession(const Principal& who, const Json& input) {
  if (!who.IsPartnershipManager() && who.role != access::Role::kAgencyOfficer) {
    return Error::Forbidden("sessions are recorded by the partnership or an agency's e-safety officer");
  }
  auto valid = SessionSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  if ((!valid->contains("agency_id") || (*valid)["agency_id"].is_null()) && !who.SeesAllAgencies() && who.agency_id) {
    (*valid)["agency_id"] = *who.agency_id;
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto course = c.Query("SELECT id FROM training_courses WHERE id = ?", {(*valid)["course_id"].get<int64_t>()});
    if (!course.ok()) return course.error();
    if (course->empty()) return Error::Invalid("no course has that id", "course_id");
    if (valid->contains("agency_id") && !(*valid)["agency_id"].is_null()) {
      int64_t agency = (*valid)["agency_id"];
      auto a = c.Query("SELECT id FROM agencies WHERE id = ?", {agency});
      if (!a.ok()) return a.error();
      if (a->empty() || !who.CanReadAgency(agency)) return Error::Invalid("no agency has that id", "agency_id");
      if (!who.CanWriteAgency(agency)) return Error::Forbidden("you may only record sessions of your own agency");
    } else if (!who.IsPartnershipManager()) {
      return Error::Invalid("agency_id is required", "agency_id");
    }
    auto id = internal::Insert(c, "training_sessions", SessionSchema(), *valid, {});
    if (!id.ok()) return id.error();
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "training_session", *id, "session recorded"));
    return LoadSession(c, *id);
  });
}

Result<Json> TrainingRegister::RecordAttendance(const Principal& who, int64_t session_id, const Json& input) {
  auto valid = AttendanceSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto session = LoadSession(c, session_id);
    if (!session.ok()) return session.error();
    auto id = InsertAttendance(c, who, session_id, (*valid)["person_id"].get<int64_t>());
    if (!id.ok()) return id.error();
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "training_attendance", *id,
                                  fmt::format("attendance of person {} at session {}",
                                              (*valid)["person_id"].get<int64_t>(), session_id)));
    return Json{{"id", *id}, {"session_id", session_id}, {"person_id", (*valid)["person_id"]}};
  });
}

Result<Json> TrainingRegister::SetAudience(const Principal& who, int64_t person_id, const std::string& audience) {
  if (!Contains(Audiences(), audience)) {
    return Error::Invalid(fmt::format("audience must be one of: {}", fmt::join(Audiences(), ", ")), "audience");
  }
  auto done = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    auto person = c.Query("SELECT agency_id FROM people WHERE id = ?", {person_id});
    if (!person.ok()) return person.error();
    if (person->empty() || !who.CanReadPeople() || !who.CanReadAgency((*person)[0].Int("agency_id"))) {
      return Error::NotFound("person not found");
    }
    if (!who.CanWriteAgency((*person)[0].Int("agency_id"))) return Error::Forbidden("you may not change this person");
    ESAFE_TRY(c.Execute("DELETE FROM training_audience WHERE person_id = ?", {person_id}));
    ESAFE_TRY(c.Execute("INSERT INTO training_audience (person_id, audience) VALUES (?, ?)", {person_id, audience}));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "person", person_id, "training audience set to " + audience));
    return true;
  });
  if (!done.ok()) return done.error();
  return Json{{"person_id", person_id}, {"audience", audience}};
}

Result<Json> TrainingRegister::PeopleStatus(const Principal& who, std::optional<int64_t> agency_id,
                                            const std::string& today) {
  return store::AllItems(1000, [&](const store::PageQuery& page) { return PeopleStatusPage(who, agency_id, page, today); });
}

Result<store::Page> TrainingRegister::PeopleStatusPage(const Principal& who, std::optional<int64_t> agency_id,
                                                       const store::PageQuery& page, const std::string& today_in) {
  if (!who.CanReadPeople()) return Error::Forbidden("you may not read people's records");
  std::string today = internal::Today(today_in);
  const store::Keyset order{{{"lower(p.full_name)", store::KeyType::kText}, {"p.id", store::KeyType::kInt}}};
  std::string sql =
      "SELECT p.id, p.full_name, p.agency_id, p.esafety_role, a.name AS agency_name, ta.audience, " +
      order.SelectList() +
      " FROM people p JOIN agencies a ON a.id = p.agency_id LEFT JOIN training_audience ta ON ta.person_id = p.id "
      "WHERE 1=1";
  std::vector<Value> params;
  if (!who.SeesAllAgencies()) {
    if (!who.agency_id) return store::Page{};
    sql += " AND p.agency_id = ?";
    params.emplace_back(*who.agency_id);
  }
  if (agency_id) { sql += " AND p.agency_id = ?"; params.emplace_back(*agency_id); }
  ESAFE_TRY(store::AppendKeyset(sql, params, order, page));
  std::vector<int64_t> ids;
  auto read = db_.Read<store::Page>([&](Connection& c) -> Result<store::Page> {
    auto people = c.Query(sql, params);
    if (!people.ok()) return people.error();
    auto matrix = c.Query("SELECT audience, focus FROM training_matrix WHERE required = 1");
    if (!matrix.ok()) return matrix.error();
    std::map<std::string, std::vector<std::string>> required;
    for (const auto& r : *matrix) required[r.Text("audience")].push_back(r.Text("focus"));
    // Only this page's people's attendance, so a page costs the same however many people there are.
    std::vector<Value> page_people;
    std::string marks;
    for (size_t i = 0; i < people->size() && static_cast<int64_t>(i) < page.limit; ++i) {
      page_people.emplace_back((*people)[i].Int("id"));
      marks += i ? ", ?" : "?";
    }
    if (page_people.empty()) return store::Page{};
    auto attended = c.Query(
        "SELECT a.person_id, s.held_on, k.audiences, k.focuses, k.refresher_months FROM training_attendance a "
        "JOIN training_sessions s ON s.id = a.session_id JOIN training_courses k ON k.id = s.course_id "
        "WHERE a.person_id IN (" + marks + ") ORDER BY s.held_on",
        page_people);
    if (!attended.ok()) return attended.error();
    std::map<int64_t, std::vector<const store::Row*>> by_person;
    for (const auto& r : *attended) by_person[r.Int("person_id")].push_back(&r);
    store::Page out = store::TakePage(*people, order, page, [&](const store::Row& p) -> Json {
      std::string audience = p.Text("audience");
      bool audience_set = !audience.empty();
      if (!audience_set) audience = DefaultAudience(p.Text("esafety_role"));
      auto [status, last, due, covered] = StandingOf(audience, by_person[p.Int("id")], today);
      Json missing = Json::array();
      for (const auto& f : required[audience]) {
        if (f != "refresher" && !covered.count(f)) missing.push_back(f);
      }
      ids.push_back(p.Int("id"));
      return Json{{"person_id", p.Int("id")}, {"full_name", p.Text("full_name")}, {"agency_id", p.Int("agency_id")},
                     {"agency_name", p.Text("agency_name")}, {"audience", audience}, {"audience_set", audience_set},
                     {"status", status}, {"last_trained", last.empty() ? Json(nullptr) : Json(last)},
                     {"refresher_due_on", due.empty() ? Json(nullptr) : Json(due)},
                     {"required_focuses", required[audience]}, {"missing_focuses", missing}};
    });
    return out;
  });
  if (!read.ok()) return read.error();
  if (!ids.empty()) {
    ESAFE_TRY(access::RecordAudit(db_, &who, "list", "person", std::nullopt,
                                  fmt::format("training status of people {}", fmt::join(ids, ","))));
  }
  return read;
}

Result<Json> TrainingRegister::Coverage(const Principal& who, const std::string& today_in) {
  // Figures only: the board may see them, and agency roles see their own agency. No
  // name leaves here, so unlike PeopleStatus this is not a read of people's records to
  // audit; it is one read of two queries, not a page of people at a time (at 100,000
  // people the pages took the writer a hundred times and the whole took a minute).
  access::Principal reader = who;
  if (who.role == access::Role::kBoardMember) reader.role = access::Role::kAuditor;
  if (!reader.CanReadPeople()) return Error::Forbidden("you may not read training figures");
  std::string today = internal::Today(today_in);
  std::string scope;
  std::vector<Value> params;
  if (!reader.SeesAllAgencies() && reader.agency_id) {
    scope = " WHERE p.agency_id = ?";
    params.emplace_back(*reader.agency_id);
  }
  auto zero = [] { return Json{{"up_to_date", 0}, {"refresher_due", 0}, {"never_trained", 0}, {"total", 0}}; };
  std::map<std::string, Json> by_agency, by_audience;
  Json total = zero();
  auto counted = db_.Read<bool>([&](Connection& c) -> Result<bool> {
    if (!reader.SeesAllAgencies() && !reader.agency_id) return true;  // an agency role without an agency: none
    auto people = c.Query(
        "SELECT p.id, p.esafety_role, a.name AS agency_name, ta.audience FROM people p "
        "JOIN agencies a ON a.id = p.agency_id LEFT JOIN training_audience ta ON ta.person_id = p.id" + scope,
        params);
    if (!people.ok()) return people.error();
    auto attended = c.Query(
        "SELECT a.person_id, s.held_on, k.audiences, k.focuses, k.refresher_months FROM training_attendance a "
        "JOIN training_sessions s ON s.id = a.session_id JOIN training_courses k ON k.id = s.course_id "
        "JOIN people p ON p.id = a.person_id" + scope + " ORDER BY s.held_on",
        params);
    if (!attended.ok()) return attended.error();
    std::unordered_map<int64_t, std::vector<const store::Row*>> by_person;
    for (const auto& r : *attended) by_person[r.Int("person_id")].push_back(&r);
    const std::vector<const store::Row*> none;
    for (const auto& p : *people) {
      std::string audience = p.Text("audience");
      if (audience.empty()) audience = DefaultAudience(p.Text("esafety_role"));
      auto found = by_person.find(p.Int("id"));
      std::string status = StandingOf(audience, found == by_person.end() ? none : found->second, today).status;
      for (Json* bucket : {&by_agency[p.Text("agency_name")], &by_audience[audience], &total}) {
        if (bucket->is_null()) *bucket = zero();
        (*bucket)[status] = (*bucket)[status].get<int64_t>() + 1;
        (*bucket)["total"] = (*bucket)["total"].get<int64_t>() + 1;
      }
    }
    return true;
  });
  if (!counted.ok()) return counted.error();
  Json out = {{"total", total}, {"by_agency", Json::array()}, {"by_audience", Json::array()}};
  for (auto& [k, v] : by_agency) { v["agency"] = k; out["by_agency"].push_back(v); }
  for (const auto& a : Audiences()) {
    Json v = by_audience.count(a) ? by_audience[a] : zero();
    v["audience"] = a;
    out["by_audience"].push_back(v);
  }
  return out;
}

Result<ImportReport> TrainingRegister::ImportAttendance(const Principal& who, int64_t session_id, std::string_view data) {
  if (!who.IsPartnershipManager() && who.role != access::Role::kAgencyOfficer) {
    return Error::Forbidden("attendance is recorded by the partnership or an agency's e-safety officer");
  }
  auto table = csv::Parse(data);
  if (!table.ok()) return table.error();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < table->header.size(); ++i) {
    const auto& h = table->header[i];
    if (h != "person" && h != "agency" && h != "person_id") {
      return Error::Invalid(fmt::format("line 1: unknown column '{}'; expected: person, agency", h.substr(0, 64)));
    }
    index[h] = i;
  }
  if (!index.count("person") && !index.count("person_id")) return Error::Invalid("line 1: the column 'person' is missing");
  ImportReport report;
  auto result = db_.Transaction<ImportReport>([&](Connection& c) -> Result<ImportReport> {
    auto session = LoadSession(c, session_id);
    if (!session.ok()) return session.error();
    std::set<int64_t> seen;
    for (const auto& row : table->rows) {
      auto fail = [&](const std::string& msg) { report.errors.push_back(fmt::format("line {}: {}", row.line, msg)); };
      int64_t person_id = 0;
      if (index.count("person_id") && !text::Trim(row.cells[index["person_id"]]).empty()) {
        auto v = AttendanceSchema().FromCell(*AttendanceSchema().Find("person_id"), row.cells[index["person_id"]]);
        if (!v.ok()) { fail(v.error().message); continue; }
        person_id = v->get<int64_t>();
      } else {
        std::string name(text::Trim(index.count("person") ? row.cells[index["person"]] : ""));
        std::string agency(text::Trim(index.count("agency") ? row.cells[index["agency"]] : ""));
        if (name.empty()) { fail("person is required"); continue; }
        std::string sql = "SELECT p.id, p.agency_id FROM people p JOIN agencies a ON a.id = p.agency_id "
                          "WHERE lower(p.full_name) = lower(?)";
        std::vector<Value> params{name};
        if (!agency.empty()) { sql += " AND lower(a.name) = lower(?)"; params.emplace_back(agency); }
        auto found = c.Query(sql, params);
        if (!found.ok()) return found.error();
        std::vector<int64_t> visible;
        for (const auto& r : *found) if (who.CanReadAgency(r.Int("agency_id"))) visible.push_back(r.Int("id"));
        if (visible.empty()) { fail(fmt::format("no person is named '{}'", name)); continue; }
        if (visible.size() > 1) { fail(fmt::format("more than one person is named '{}'; add the agency", name)); continue; }
        person_id = visible[0];
      }
      if (!seen.insert(person_id).second) { fail("this person is listed twice"); continue; }
      auto id = InsertAttendance(c, who, session_id, person_id);
      if (!id.ok()) { fail(id.error().message); continue; }
      ++report.imported;
    }
    if (!report.errors.empty()) return Error::Invalid("errors");
    ESAFE_TRY(access::RecordAudit(c, &who, "import", "training_attendance", session_id,
                                  fmt::format("{} attendances imported from CSV", report.imported)));
    return report;
  });
  if (!result.ok()) {
    if (!report.errors.empty()) {
      report.imported = 0;
      return report;
    }
    return result.error();
  }
  return result;
}

}  // namespace esafe::plan
