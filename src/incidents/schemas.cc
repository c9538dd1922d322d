// The record schemas of the incident log, and time normalisation.
#include <ctime>

#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents {
namespace {

FieldSpec Id() { return {.name = "id", .type = FieldType::kInteger, .read_only = true}; }
FieldSpec ReadOnly(const char* name, FieldType type = FieldType::kString) {
  return {.name = name, .type = type, .read_only = true};
}
FieldSpec Time(const char* name, bool required, const char* description) {
  return {.name = name, .type = FieldType::kString, .required = required, .max_length = 40,
          .description = description};
}

}  // namespace

const RecordSchema& IncidentSchema() {
  static const RecordSchema schema(
      "incident",
      {Id(),
       {.name = "agency_id", .type = FieldType::kReference,
        .description = "the owning agency; agency roles may leave it out for their own"},
       {.name = "site_id", .type = FieldType::kReference, .description = "the site where it happened, if one of ours"},
       ReadOnly("status"),
       Time("occurred_at", false, "when it happened (ISO 8601), if known"),
       Time("reported_at", false, "when it was reported (ISO 8601); defaults to now"),
       {.name = "reported_by", .type = FieldType::kString, .max_length = 200,
        .description = "who reported it (role or name as the agency records it); defaults to the user"},
       {.name = "how_identified", .type = FieldType::kChoice, .required = true, .choices = Keys(HowIdentified())},
       {.name = "category", .type = FieldType::kChoice, .required = true, .choices = Keys(Categories())},
       {.name = "technology", .type = FieldType::kString, .max_length = 200,
        .description = "the technology involved: web, e-mail, mobile phone, webcam, games console…"},
       {.name = "service", .type = FieldType::kString, .max_length = 200,
        .description = "the site or service involved, e.g. a social networking site"},
       {.name = "device_owner", .type = FieldType::kChoice, .choices = Keys(DeviceOwners())},
       {.name = "description", .type = FieldType::kText, .required = true, .max_length = 10000},
       {.name = "risk_level", .type = FieldType::kChoice, .choices = Keys(RiskLevels()),
        .description = "set by the flowchart outcome when one is used"},
       ReadOnly("flowchart_id"), ReadOnly("flowchart_version", FieldType::kInteger), ReadOnly("flowchart_outcome"),
       ReadOnly("illegal_material", FieldType::kBoolean),
       {.name = "conclusion", .type = FieldType::kText, .max_length = 10000},
       {.name = "outcome", .type = FieldType::kText, .max_length = 10000},
       {.name = "lessons_learned", .type = FieldType::kText, .max_length = 10000},
       ReadOnly("closed_at"), ReadOnly("closure_note"), ReadOnly("withdrawn_at"), ReadOnly("withdrawn_reason"),
       ReadOnly("serious", FieldType::kBoolean), ReadOnly("created_at"), ReadOnly("updated_at")});
  return schema;
}

const RecordSchema& PersonSchema() {
  static const RecordSchema schema(
      "incident_person",
      {Id(),
       {.name = "role", .type = FieldType::kChoice, .required = true, .choices = Keys(PersonRoles())},
       {.name = "reference", .type = FieldType::kString, .required = true, .max_length = 60,
        .description = "a pseudonymous reference, e.g. 'Child A'"},
       {.name = "age", .type = FieldType::kInteger, .min = 0, .max = 120},
       {.name = "name", .type = FieldType::kString, .max_length = 200,
        .description = "optional; shown only inside the owning agency"},
       {.name = "notes", .type = FieldType::kText, .max_length = 2000},
       ReadOnly("created_at")});
  return schema;
}

const RecordSchema& ActionSchema() {
  static const RecordSchema schema(
      "incident_action",
      {Id(),
       {.name = "what", .type = FieldType::kText, .required = true, .max_length = 2000},
       {.name = "who", .type = FieldType::kString, .max_length = 200, .description = "who will do it"},
       Time("due_at", false, "when it must be done by (ISO 8601)"),
       {.name = "required", .type = FieldType::kBoolean,
        .description = "a required action must be done (or a reason recorded) before closing"},
       ReadOnly("notify"), ReadOnly("source"), ReadOnly("position", FieldType::kInteger), ReadOnly("done_at"),
       ReadOnly("done_by"), ReadOnly("done_note"), ReadOnly("not_done_reason"), ReadOnly("created_at")});
  return schema;
}

const RecordSchema& ReferralSchema() {
  static const RecordSchema schema(
      "incident_referral",
      {Id(),
       {.name = "target", .type = FieldType::kChoice, .required = true, .choices = Keys(ReferralTargets())},
       {.name = "agency_id", .type = FieldType::kReference,
        .description = "the member agency referred to (target member_agency)"},
       Time("referred_at", false, "when the referral was made (ISO 8601); defaults to now"),
       {.name = "reference_number", .type = FieldType::kString, .max_length = 100,
        .description = "the receiving body's reference, e.g. the IWF or police reference"},
       {.name = "contact", .type = FieldType::kString, .max_length = 200},
       {.name = "notes", .type = FieldType::kText, .max_length = 2000},
       ReadOnly("created_by"), ReadOnly("created_at")});
  return schema;
}

const RecordSchema& EvidenceSchema() {
  static const RecordSchema schema(
      "incident_evidence",
      {Id(),
       {.name = "what", .type = FieldType::kText, .required = true, .max_length = 2000,
        .description = "what the evidence is (described, never the material itself)"},
       {.name = "held_where", .type = FieldType::kString, .required = true, .max_length = 200},
       {.name = "secured_by", .type = FieldType::kString, .required = true, .max_length = 200},
       Time("secured_at", true, "when it was secured (ISO 8601)"),
       {.name = "sha256", .type = FieldType::kString, .max_length = 64,
        .description = "SHA-256 of the file as secured, where a file exists (64 hex digits)"},
       {.name = "notes", .type = FieldType::kText, .max_length = 2000},
       ReadOnly("file_name"), ReadOnly("file_size", FieldType::kInteger), ReadOnly("created_at")});
  return schema;
}

const RecordSchema& CustodySchema() {
  static const RecordSchema schema(
      "incident_custody",
      {Id(), Time("at", false, "when it changed hands (ISO 8601); defaults to now"),
       {.name = "from_holder", .type = FieldType::kString, .max_length = 200},
       {.name = "to_holder", .type = FieldType::kString, .required = true, .max_length = 200},
       {.name = "purpose", .type = FieldType::kString, .max_length = 500},
       ReadOnly("recorded_by")});
  return schema;
}

const RecordSchema& ClosureSchema() {
  static const RecordSchema schema(
      "incident_closure",
      {{.name = "conclusion", .type = FieldType::kText, .required = true, .max_length = 10000},
       {.name = "outcome", .type = FieldType::kText, .max_length = 10000},
       {.name = "lessons_learned", .type = FieldType::kText, .max_length = 10000},
       {.name = "open_actions_reason", .type = FieldType::kText, .max_length = 2000,
        .description = "why required actions still open will not be done"}});
  return schema;
}

const RecordSchema& ReviewSchema() {
  static const RecordSchema schema(
      "incident_review",
      {{.name = "why_happened", .type = FieldType::kText, .max_length = 10000,
        .description = "Why did the incident happen?"},
       {.name = "prevention", .type = FieldType::kText, .max_length = 10000,
        .description = "Are there any measures which could have prevented the incident?"},
       {.name = "response", .type = FieldType::kText, .max_length = 10000,
        .description = "What was the response? Was it effective? Could or should anything else have been done?"},
       {.name = "lessons", .type = FieldType::kText, .max_length = 10000,
        .description = "What lessons have we learned? How will they be shared, and how will policy and practice change?"},
       {.name = "complete", .type = FieldType::kBoolean, .description = "the review is finished"},
       ReadOnly("reason"), ReadOnly("opened_at"), ReadOnly("opened_by"), ReadOnly("completed_at"),
       ReadOnly("updated_at")});
  return schema;
}

std::optional<std::string> NormaliseTime(std::string_view s) {
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  if (!year || !month || !day || s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (*year < 1970 || *year > 9999 || *month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  int64_t offset = 0;
  size_t pos = 10;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != ' ') return std::nullopt;
    auto h = digits(11, 2), m = digits(14, 2);
    if (!h || !m || s.size() < 16 || s[13] != ':') return std::nullopt;
    hour = *h;
    minute = *m;
    pos = 16;
    if (pos < s.size() && s[pos] == ':') {
      auto sec = digits(17, 2);
      if (!sec) return std::nullopt;
      second = *sec;
      pos = 19;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      }
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z' && pos + 1 == s.size()) {
        pos = s.size();
      } else if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
        auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
        if (!oh || !om || *oh > 14 || *om > 59) return std::nullopt;
        offset = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
        pos = s.size();
      } else {
        return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  // Reject dates timegm silently rolled over (31 February).
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != *day || back.tm_mon != *month - 1) return std::nullopt;
  t -= offset;
  char buf[32];
  gmtime_r(&t, &back);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &back);
  return std::string(buf);
}

}  // namespace esafe::incidents
