// DisclosureRegister: requests for communications data (seeds 004 Annex C),
// visible only to the people handling them, validated before any response.
#include <fmt/format.h>

#include <set>

#include "core/clock.h"
#include "plan/internal.h"
#include "plan/plan.h"

namespace esafe::plan {
namespace {

using access::Principal;
using store::Connection;
using store::Value;

Result<std::vector<int64_t>> Handlers(Connection& c, int64_t id) {
  auto rows = c.Query("SELECT user_id FROM disclosure_handlers WHERE request_id = ? ORDER BY user_id", {id});
  if (!rows.ok()) return rows.error();
  std::vector<int64_t> out;
  for (const auto& r : *rows) out.push_back(r.Int("user_id"));
  return out;
}

// The visibility rule in one place: a request exists for its handlers and for
// partnership admins; for anyone else it does not exist.
Result<Json> LoadVisible(Connection& c, const Principal& who, int64_t id) {
  auto row = c.QueryOne("SELECT t.*, a.name AS agency_name FROM disclosure_requests t "
                        "JOIN agencies a ON a.id = t.agency_id WHERE t.id = ?", {id}, "disclosure request");
  if (!row.ok()) return Error::NotFound("disclosure request not found");
  auto handlers = Handlers(c, id);
  if (!handlers.ok()) return handlers.error();
  bool handler = std::find(handlers->begin(), handlers->end(), who.user_id) != handlers->end();
  if (!handler && who.role != access::Role::kPartnershipAdmin) return Error::NotFound("disclosure request not found");
  Json out = internal::FromRow(DisclosureSchema(), *row);
  out["agency_name"] = row->Text("agency_name");
  out["handler_user_ids"] = *handlers;
  auto names = c.Query("SELECT u.id, u.username, u.display_name FROM disclosure_handlers h JOIN users u ON u.id = h.user_id "
                       "WHERE h.request_id = ? ORDER BY u.id", {id});
  if (!names.ok()) return names.error();
  out["handlers"] = Json::array();
  for (const auto& n : *names) {
    out["handlers"].push_back({{"id", n.Int("id")}, {"username", n.Text("username")}, {"display_name", n.Text("display_name")}});
  }
  bool validated = !row->IsNull("contacted_on");
  bool responded = !row->IsNull("provided_on");
  out["stage"] = responded ? "responded" : validated ? "validated" : "awaiting_validation";
  return out;
}

}  // namespace

Result<Json> DisclosureRegister::Create(const Principal& who, const Json& input_in) {
  if (who.role != access::Role::kPartnershipAdmin && who.role != access::Role::kAgencyOfficer) {
    return Error::Forbidden("disclosure requests are registered by an agency's e-safety officer or a partnership admin");
  }
  Json input = input_in;
  std::set<int64_t> handlers{who.user_id};
  if (input.is_object() && input.contains("handler_user_ids")) {
    const Json& h = input["handler_user_ids"];
    if (!h.is_array() || h.size() > 20) return Error::Invalid("handler_user_ids must be a list of account ids", "handler_user_ids");
    for (const auto& v : h) {
      if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
        return Error::Invalid("handler_user_ids must be a list of account ids", "handler_user_ids");
      }
      handlers.insert(v.get<int64_t>());
    }
    input.erase("handler_user_ids");
  }
  auto valid = DisclosureSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  if (!valid->contains("agency_id") || (*valid)["agency_id"].is_null()) {
    if (!who.agency_id) return Error::Invalid("agency_id is required", "agency_id");
    (*valid)["agency_id"] = *who.agency_id;
  }
  if ((*valid)["deadline"].get<std::string>() < (*valid)["received_on"].get<std::string>()) {
    return Error::Invalid("the deadline cannot be before the request was received", "deadline");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    int64_t agency = (*valid)["agency_id"];
    auto a = c.Query("SELECT id FROM agencies WHERE id = ?", {agency});
    if (!a.ok()) return a.error();
    if (a->empty() || !who.CanReadAgency(agency)) return Error::Invalid("no agency has that id", "agency_id");
    if (!who.CanWriteAgency(agency)) return Error::Forbidden("you may only register requests made to your own agency");
    for (int64_t u : handlers) {
      auto found = c.Query("SELECT id, role, agency_id FROM users WHERE id = ? AND disabled = 0", {u});
      if (!found.ok()) return found.error();
      if (found->empty()) return Error::Invalid(fmt::format("no account has id {}", u), "handler_user_ids");
      const auto& r = (*found)[0];
      bool same_agency = !r.IsNull("agency_id") && r.Int("agency_id") == agency;
      if (!same_agency && r.Text("role") != "partnership_admin") {
        return Error::Invalid("handlers must be staff of the agency asked, or partnership admins", "handler_user_ids");
      }
    }
    auto id = internal::Insert(c, "disclosure_requests", DisclosureSchema(), *valid, {{"created_by", who.user_id}});
    if (!id.ok()) return id.error();
    for (int64_t u : handlers) {
      ESAFE_TRY(c.Execute("INSERT INTO disclosure_handlers (request_id, user_id) VALUES (?, ?)", {*id, u}));
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "disclosure_request", *id,
                                  fmt::format("disclosure request registered; handlers {}", fmt::join(handlers, ","))));
    return LoadVisible(c, who, *id);
  });
}

Result<Json> DisclosureRegister::List(const Principal& who) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    Result<store::Rows> rows = Error::Internal("unset");
    if (who.role == access::Role::kPartnershipAdmin) {
      rows = c.Query("SELECT id FROM disclosure_requests ORDER BY deadline, id");
    } else {
      rows = c.Query("SELECT t.id FROM disclosure_requests t JOIN disclosure_handlers h ON h.request_id = t.id "
                     "WHERE h.user_id = ? ORDER BY t.deadline, t.id", {who.user_id});
    }
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    std::vector<int64_t> ids;
    for (const auto& r : *rows) {
      auto rec = LoadVisible(c, who, r.Int("id"));
      if (!rec.ok()) return rec.error();
      out.push_back(*rec);
      ids.push_back(r.Int("id"));
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "list", "disclosure_request", std::nullopt,
                                  ids.empty() ? std::string("listed no requests")
                                              : fmt::format("listed requests {}", fmt::join(ids, ","))));
    return out;
  });
}

Result<Json> DisclosureRegister::Get(const Principal& who, int64_t id) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto rec = LoadVisible(c, who, id);
    if (!rec.ok()) return rec.error();
    ESAFE_TRY(access::RecordAudit(c, &who, "read", "disclosure_request", id, "viewed request"));
    return rec;
  });
}

Result<Json> DisclosureRegister::RecordValidation(const Principal& who, int64_t id, const Json& input) {
  auto valid = ValidationSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto rec = LoadVisible(c, who, id);
    if (!rec.ok()) return rec.error();
    if ((*rec)["stage"] == "responded") return Error::Conflict("the request has been answered; its validation cannot change");
    ESAFE_TRY(c.Execute("UPDATE disclosure_requests SET office_contacted = ?, contacted_on = ?, confirmed_by = ?, "
                        "validation_recorded_by = ?, updated_at = ? WHERE id = ?",
                        {(*valid)["office_contacted"].get<std::string>(), (*valid)["contacted_on"].get<std::string>(),
                         (*valid)["confirmed_by"].get<std::string>(), who.username, clock::NowIso8601(), id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "validate", "disclosure_request", id, "validation recorded"));
    return LoadVisible(c, who, id);
  });
}

Result<Json> DisclosureRegister::RecordResponse(const Principal& who, int64_t id, const Json& input) {
  auto valid = ResponseSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto rec = LoadVisible(c, who, id);
    if (!rec.ok()) return rec.error();
    if ((*rec)["stage"] == "awaiting_validation") {
      return Error::Invalid(
          "record who confirmed the requesting officer is bona fide before recording a response", "validation");
    }
    if ((*rec)["stage"] == "responded") return Error::Conflict("a response is already recorded");
    if (!(*valid)["exactly_as_requested"].get<bool>()) {
      return Error::Invalid("provide exactly what the notice asks for and no more; confirm that it was",
                            "exactly_as_requested");
    }
    auto opt = [&](const char* k) { return valid->contains(k) && !(*valid)[k].is_null() ? Value((*valid)[k].get<std::string>()) : Value(); };
    ESAFE_TRY(c.Execute("UPDATE disclosure_requests SET provided = ?, provided_on = ?, exactly_as_requested = 1, "
                        "evidence_ref = ?, copy_kept_at = ?, response_recorded_by = ?, updated_at = ? WHERE id = ?",
                        {(*valid)["provided"].get<std::string>(), (*valid)["provided_on"].get<std::string>(),
                         opt("evidence_ref"), opt("copy_kept_at"), who.username, clock::NowIso8601(), id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "respond", "disclosure_request", id, "response recorded"));
    return LoadVisible(c, who, id);
  });
}

}  // namespace esafe::plan
