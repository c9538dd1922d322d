// IncidentLog: evidence records, their chain of custody, and the file attached to
// one (never for suspected illegal material: that goes to the police, not here).
#include <fmt/format.h>
#include <sodium.h>

#include <cstring>

#include "core/text.h"
#include "incidents/incident_records.h"
#include "incidents/incidents.h"

namespace esafe::incidents {

Result<Json> IncidentLog::AddEvidence(const Principal& who, int64_t id, const Json& input) {
  auto valid = EvidenceSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  ESAFE_TRY(NormaliseTimeField(*valid, "secured_at"));
  if (valid->contains("sha256") && !(*valid)["sha256"].is_null()) {
    std::string h = (*valid)["sha256"].get<std::string>();
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (h.size() != 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return Error::Invalid("sha256 must be 64 hexadecimal digits", "sha256");
    }
    (*valid)["sha256"] = h;
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    auto f = [&](const char* name) { return internal::ToValue(*EvidenceSchema().Find(name), valid->value(name, Json())); };
    auto rows = c.Query(
        "INSERT INTO incident_evidence (incident_id, what, held_where, secured_by, secured_at, sha256, notes, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {id, f("what"), f("held_where"), f("secured_by"), f("secured_at"), f("sha256"), f("notes"), internal::Now()});
    if (!rows.ok()) return rows.error();
    int64_t evidence_id = (*rows)[0].Int("id");
    ESAFE_TRY(c.Execute("INSERT INTO incident_custody (evidence_id, incident_id, at, from_holder, to_holder, purpose, "
                        "recorded_by) VALUES (?, ?, ?, NULL, ?, 'secured', ?)",
                        {evidence_id, id, (*valid)["secured_at"].get<std::string>(),
                         (*valid)["secured_by"].get<std::string>(), who.username}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "evidence_added",
                                    fmt::format("evidence {} registered: held at {}", evidence_id,
                                                (*valid)["held_where"].get<std::string>())));
    ESAFE_TRY(internal::Touch(c, id));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "evidence registered"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::AddCustody(const Principal& who, int64_t id, int64_t evidence_id, const Json& input) {
  auto valid = CustodySchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  ESAFE_TRY(NormaliseTimeField(*valid, "at"));
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    auto e = c.QueryOne("SELECT id FROM incident_evidence WHERE id = ? AND incident_id = ?", {evidence_id, id},
                        "evidence");
    if (!e.ok()) return e.error();
    auto f = [&](const char* name) { return internal::ToValue(*CustodySchema().Find(name), valid->value(name, Json())); };
    std::string at = valid->value("at", Json()).is_null() ? internal::Now() : (*valid)["at"].get<std::string>();
    ESAFE_TRY(c.Execute("INSERT INTO incident_custody (evidence_id, incident_id, at, from_holder, to_holder, purpose, "
                        "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        {evidence_id, id, at, f("from_holder"), f("to_holder"), f("purpose"), who.username}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "custody",
                                    fmt::format("evidence {} passed to {}", evidence_id,
                                                (*valid)["to_holder"].get<std::string>())));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "chain of custody entry"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::AttachEvidenceFile(const Principal& who, int64_t id, int64_t evidence_id,
                                             std::string_view file_name, std::string_view bytes) {
  constexpr size_t kMaxFileBytes = 10 * 1024 * 1024;
  bool refused = false;
  auto result = db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    // Keyed on the incident's mark (set from the outcome reached, the outcomes
    // still ahead of an unfinished walk, and the category), never on one chart.
    if (v->row.Int("illegal_material") != 0 || IsSuspectedIllegalMaterial(v->row.Text("category"))) {
      refused = true;
      return Error::Conflict(kIllegalMaterialInstruction, "file");
    }
    if (bytes.size() > kMaxFileBytes) return Error::TooLarge("an evidence file may be at most 10 MiB", "file");
    std::string name(text::Trim(file_name.substr(0, 200)));
    if (name.empty() || !text::IsValidUtf8(name) || text::HasControlCharacters(name)) {
      return Error::Invalid("the file needs a name", "file_name");
    }
    auto e = c.QueryOne("SELECT * FROM incident_evidence WHERE id = ? AND incident_id = ?", {evidence_id, id},
                        "evidence");
    if (!e.ok()) return e.error();
    if (!e->IsNull("file_name")) return Error::Conflict("this evidence entry already has its file");
    std::string hash = internal::Sha256Hex(bytes);
    if (!e->IsNull("sha256") && e->Text("sha256") != hash) {
      return Error::Conflict("the file's SHA-256 differs from the one recorded when the evidence was secured", "file");
    }
    std::string encoded(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    encoded.resize(std::strlen(encoded.c_str()));
    ESAFE_TRY(c.Execute("UPDATE incident_evidence SET sha256 = ?, file_name = ?, file_size = ?, file_content = ? "
                        "WHERE id = ?",
                        {hash, name, static_cast<int64_t>(bytes.size()), encoded, evidence_id}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "evidence_file",
                                    fmt::format("file attached to evidence {}: SHA-256 {}", evidence_id, hash)));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "evidence file attached"));
    return Reload(c, who, id);
  });
  if (refused) {
    // The refusal itself is worth knowing about; record it outside the rolled-back transaction.
    (void)db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
      ESAFE_TRY(access::RecordAudit(c, &who, "refused", "incident", id,
                                    "evidence file refused: suspected illegal material"));
      return true;
    });
  }
  return result;
}

}  // namespace esafe::incidents
