#include "enforce/review_requests.h"

#include <sodium.h>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/text.h"
#include "enforce/override_versions.h"
#include "filter/canonical_url.h"
#include "filter/client_map.h"

namespace esafe::enforce {
namespace {

using store::Value;

constexpr const char* kPending = "pending";

// Text field `key` of `body`: nullopt when absent, null or empty (after trimming).
// Refuses non-text, bad UTF-8, control characters (newlines only where `multiline`) and
// more than `max_chars` characters.
Result<std::optional<std::string>> TextField(const Json& body, const char* key, size_t max_chars,
                                             bool multiline = false) {
  if (!body.contains(key) || body[key].is_null()) return std::optional<std::string>();
  if (!body[key].is_string()) return Error::Invalid(fmt::format("{} must be text", key), key);
  const std::string& raw = body[key].get_ref<const std::string&>();
  if (!text::IsValidUtf8(raw)) return Error::Invalid(fmt::format("{} is not valid UTF-8 text", key), key);
  std::string value(text::Trim(raw));
  const bool breaks = value.find_first_of("\r\n") != std::string::npos;
  if (text::HasControlCharacters(value) || (breaks && !multiline)) {
    return Error::Invalid(fmt::format("{} holds control characters or line breaks", key), key);
  }
  if (text::CodePointCount(value) > max_chars) {
    return Error::TooLarge(fmt::format("{} is longer than {} characters", key, max_chars), key);
  }
  if (value.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(value));
}

Result<void> OnlyFields(const Json& body, std::initializer_list<std::string_view> known) {
  if (!body.is_object()) return Error::Invalid("the body must be a JSON object");
  for (const auto& item : body.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      const std::string key = item.key().substr(0, 64);
      return Error::Invalid("unknown field '" + key + "'", key);
    }
  }
  return Ok();
}

// An http or https URL in canonical form; Invalid naming "url" otherwise.
Result<filter::CanonicalUrl> ReviewUrl(const std::optional<std::string>& url, size_t max_bytes) {
  if (!url) return Error::Invalid("give the address to review", "url");
  if (url->size() > max_bytes) return Error::TooLarge(fmt::format("the address is longer than {} bytes", max_bytes), "url");
  auto canonical = filter::CanonicalUrl::Parse(*url);
  if (!canonical) return Error::Invalid("that is not a web address: " + canonical.error().message, "url");
  if (canonical->scheme() != "http" && canonical->scheme() != "https") {
    return Error::Invalid("only http and https addresses can be reviewed", "url");
  }
  return std::move(*canonical);
}

std::string NewReference() {
  unsigned char bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  char b64[sodium_base64_ENCODED_LEN(12, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return b64;
}

bool ValidReference(std::string_view reference) {
  if (reference.size() != 16) return false;
  for (char c : reference) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

struct ResolvedSite {
  std::optional<int64_t> site_id;
  std::optional<int64_t> agency_id;
};

// The site (and so agency) whose address ranges most specifically hold `ip`.
Result<ResolvedSite> ResolveClient(store::Connection& c, const std::string& ip) {
  ResolvedSite resolved;
  auto client = filter::ParseCidr(ip);
  if (!client) return resolved;
  auto rows = c.Query("SELECT id, agency_id, ip_ranges FROM sites WHERE ip_ranges IS NOT NULL AND ip_ranges <> ''");
  if (!rows) return rows.error();
  int best = -1;
  for (const auto& row : *rows) {
    const std::string ranges = row.Text("ip_ranges");
    std::string_view rest = ranges;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view cidr = text::Trim(rest.substr(0, comma));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      auto range = filter::ParseCidr(cidr);
      if (!range || range->second <= best) continue;
      bool inside = true;
      for (int bit = 0; bit < range->second && inside; ++bit) {
        const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
        inside = (client->first[bit / 8] & mask) == (range->first[bit / 8] & mask);
      }
      if (!inside) continue;
      best = range->second;
      resolved.site_id = row.Int("id");
      resolved.agency_id = row.Int("agency_id");
    }
  }
  return resolved;
}

constexpr const char* kSelect =
    "SELECT r.*, s.name AS site, a.name AS agency, q.username AS requested_by_name, d.username AS decided_by_name "
    "FROM filter_review_requests r LEFT JOIN sites s ON s.id = r.site_id LEFT JOIN agencies a ON a.id = r.agency_id "
    "LEFT JOIN users q ON q.id = r.requested_by LEFT JOIN users d ON d.id = r.decided_by";

Json OrNull(const store::Row& row, const char* column, bool integer = false) {
  if (row.IsNull(column)) return nullptr;
  return integer ? Json(row.Int(column)) : Json(row.Text(column));
}

// The request as its officers see it.
Json OfficerJson(const store::Row& row) {
  Json out = {{"id", row.Int("id")}, {"kind", row.Text("kind")}, {"url", row.Text("url")},
              {"status", row.Text("status")}, {"created_at", row.Text("created_at")}};
  for (const char* column : {"profile", "category", "reason", "list_version", "client_ip", "site", "agency", "note",
                             "contact", "decided_at", "decision_reason"}) {
    out[column] = OrNull(row, column);
  }
  for (const char* column : {"site_id", "agency_id", "override_version"}) out[column] = OrNull(row, column, true);
  out["requested_by"] = OrNull(row, "requested_by_name");
  out["decided_by"] = OrNull(row, "decided_by_name");
  return out;
}

// What the requester sees: the status, never the note, contact or address.
Json RequesterJson(const store::Row& row) {
  return {{"reference", row.Text("reference")}, {"kind", row.Text("kind")}, {"url", row.Text("url")},
          {"status", row.Text("status")}, {"created_at", row.Text("created_at")},
          {"decided_at", OrNull(row, "decided_at")}, {"decision_reason", OrNull(row, "decision_reason")}};
}

}  // namespace

Result<Json> ReviewRequests::SubmitFromBlockPage(const Json& body, const std::string& client_ip) {
  ESAFE_TRY(OnlyFields(body, {"url", "category", "profile", "reason", "list_version", "note", "contact"}));
  auto url_text = TextField(body, "url", limits_.max_url_bytes);
  if (!url_text) return url_text.error();
  auto url = ReviewUrl(*url_text, limits_.max_url_bytes);
  if (!url) return url.error();
  std::optional<std::string> fields[4];
  const char* names[4] = {"category", "profile", "reason", "list_version"};
  for (size_t i = 0; i < 4; ++i) {
    auto value = TextField(body, names[i], 100);
    if (!value) return value.error();
    fields[i] = std::move(*value);
  }
  auto note = TextField(body, "note", limits_.max_note_chars, true);
  if (!note) return note.error();
  auto contact = TextField(body, "contact", limits_.max_contact_chars);
  if (!contact) return contact.error();
  // Nothing illegal is ever stored: the block page offers no review for these, so a
  // request for one is refused before it is written anywhere.
  if ((fields[2] && *fields[2] == "mandatory list") || (mandatory_ && mandatory_->Covers(*url))) {
    return Error::Invalid("this address is on the list of illegal content every agency must block; it cannot be "
                          "reviewed or unblocked",
                          "url");
  }
  return db_.Transaction<Json>([&](store::Connection& c) -> Result<Json> {
    const std::string since = clock::Iso8601(clock::NowSeconds() - 3600);
    auto recent = c.QueryOne(
        "SELECT COUNT(*) AS n FROM filter_review_requests WHERE client_ip = ? AND created_at > ? AND requested_by IS NULL",
        {client_ip, since}, "count");
    if (!recent) return recent.error();
    if (recent->Int("n") >= limits_.per_client_per_hour) {
      return Error::Throttled("too many review requests from this computer in the last hour; try again later or "
                              "ask a member of staff");
    }
    auto site = ResolveClient(c, client_ip);
    if (!site) return site.error();
    const std::string now = clock::NowIso8601();
    const std::string reference = NewReference();
    auto opt = [](const std::optional<std::string>& v) { return v ? Value(*v) : Value(); };
    auto opt_int = [](const std::optional<int64_t>& v) { return v ? Value(*v) : Value(); };
    ESAFE_TRY(c.Execute(
        "INSERT INTO filter_review_requests (reference, kind, url, profile, category, reason, list_version, client_ip, "
        "site_id, agency_id, note, contact, status, created_at, updated_at) "
        "VALUES (?, 'unblock', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {reference, url->spec(), opt(fields[1]), opt(fields[0]), opt(fields[2]), opt(fields[3]), client_ip,
         opt_int(site->site_id), opt_int(site->agency_id), opt(*note), opt(*contact), std::string(kPending), now,
         now}));
    auto row = c.QueryOne(std::string(kSelect) + " WHERE r.reference = ?", {reference}, "review request");
    if (!row) return row.error();
    ESAFE_TRY(access::RecordAudit(
        c, nullptr, "create", "filter_review_request", row->Int("id"),
        site->agency_id ? fmt::format("review request from the block page for agency {}", *site->agency_id)
                        : std::string("review request from the block page (address in no site's range)")));
    return RequesterJson(*row);
  });
}

Result<Json> ReviewRequests::SubmitAsStaff(const access::Principal& actor, const Json& body) {
  ESAFE_TRY(OnlyFields(body, {"kind", "url", "note", "agency_id"}));
  auto kind = TextField(body, "kind", 16);
  if (!kind) return kind.error();
  if (!*kind || (**kind != "unblock" && **kind != "block")) {
    return Error::Invalid("kind is 'unblock' or 'block'", "kind");
  }
  auto url_text = TextField(body, "url", limits_.max_url_bytes);
  if (!url_text) return url_text.error();
  auto url = ReviewUrl(*url_text, limits_.max_url_bytes);
  if (!url) return url.error();
  auto note = TextField(body, "note", limits_.max_note_chars, true);
  if (!note) return note.error();
  std::optional<int64_t> agency = actor.agency_id;
  if (body.contains("agency_id") && !body["agency_id"].is_null()) {
    if (!body["agency_id"].is_number_integer()) return Error::Invalid("agency_id must be a whole number", "agency_id");
    agency = body["agency_id"].get<int64_t>();
    if (!actor.SeesAllAgencies() && agency != actor.agency_id) {
      return Error::Forbidden("you can ask only for changes to your own agency's filtering");
    }
  }
  if (!agency) return Error::Invalid("say which agency's filtering should change", "agency_id");
  if (actor.role == access::Role::kBoardMember || actor.role == access::Role::kAuditor) {
    return Error::Forbidden("your role cannot ask for filtering changes");
  }
  if (**kind == "unblock" && mandatory_ && mandatory_->Covers(*url)) {
    return Error::Invalid("this address is on the list of illegal content every agency must block; it cannot be "
                          "unblocked",
                          "url");
  }
  return db_.Transaction<Json>([&](store::Connection& c) -> Result<Json> {
    ESAFE_TRY(c.QueryOne("SELECT id FROM agencies WHERE id = ?", {*agency}, "agency"));
    const std::string now = clock::NowIso8601();
    const std::string reference = NewReference();
    ESAFE_TRY(c.Execute(
        "INSERT INTO filter_review_requests (reference, kind, url, client_ip, agency_id, note, requested_by, status, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {reference, **kind, url->spec(), actor.ip, *agency, *note ? Value(**note) : Value(), actor.user_id,
         std::string(kPending), now, now}));
    auto row = c.QueryOne(std::string(kSelect) + " WHERE r.reference = ?", {reference}, "review request");
    if (!row) return row.error();
    ESAFE_TRY(access::RecordAudit(c, &actor, "create", "filter_review_request", row->Int("id"),
                                  fmt::format("asked to {} an address for agency {}", **kind, *agency)));
    Json out = OfficerJson(*row);
    out["reference"] = reference;
    return out;
  });
}

Result<Json> ReviewRequests::Status(std::string_view reference) {
  if (!ValidReference(reference)) return Error::NotFound("no review request has that reference");
  return db_.Read<Json>([&](store::Connection& c) -> Result<Json> {
    auto rows = c.Query(std::string(kSelect) + " WHERE r.reference = ?", {std::string(reference)});
    if (!rows) return rows.error();
    if (rows->empty()) return Error::NotFound("no review request has that reference");
    return RequesterJson((*rows)[0]);
  });
}

Result<store::Page> ReviewRequests::ListPage(const access::Principal& actor, const std::optional<std::string>& status,
                                             const store::PageQuery& page) {
  if (status && *status != "pending" && *status != "approved" && *status != "declined") {
    return Error::Invalid("status is pending, approved or declined", "status");
  }
  if (actor.role == access::Role::kBoardMember) return Error::Forbidden("board members see figures, not requests");
  // 0 in a scope column means "any": partnership managers (and partnership-wide auditors)
  // see every agency's requests and those no agency's address range held; an officer sees
  // their agency's; anyone else the requests they made.
  int64_t only_agency = 0, only_requester = 0;
  if (actor.IsPartnershipManager() || (actor.role == access::Role::kAuditor && !actor.agency_id)) {
  } else if (actor.role == access::Role::kAgencyOfficer && actor.agency_id) {
    only_agency = *actor.agency_id;
  } else {
    only_requester = actor.user_id;
  }
  const store::Keyset order{.columns = {{"r.id", store::KeyType::kInt}}, .descending = true};
  std::string sql = std::string(kSelect).insert(std::string_view("SELECT ").size(), order.SelectList() + ", ") +
                    " WHERE (? = 0 OR r.agency_id = ?) AND (? = 0 OR r.requested_by = ?) AND (? = '' OR r.status = ?)";
  const std::string only_status = status.value_or("");
  std::vector<store::Value> params{only_agency, only_agency, only_requester, only_requester, only_status, only_status};
  ESAFE_TRY(store::AppendKeyset(sql, params, order, page));
  return db_.Transaction<store::Page>([&](store::Connection& c) -> Result<store::Page> {
    auto rows = c.Query(sql, params);
    if (!rows) return rows.error();
    store::Page out = store::TakePage(*rows, order, page, [](const store::Row& row) { return OfficerJson(row); });
    // Requests carry notes and contacts people typed: reading them is audited.
    ESAFE_TRY(access::RecordAudit(c, &actor, "list", "filter_review_request", std::nullopt,
                                  fmt::format("{} review request(s)", out.items.size())));
    return out;
  });
}

Result<Json> ReviewRequests::List(const access::Principal& actor, const std::optional<std::string>& status) {
  return store::AllItems(500, [&](const store::PageQuery& page) { return ListPage(actor, status, page); });
}

Result<Json> ReviewRequests::Approve(const access::Principal& actor, int64_t id, const Json& body) {
  ESAFE_TRY(OnlyFields(body, {"reason", "scope", "agency_id"}));
  auto reason = TextField(body, "reason", 1000, true);
  if (!reason) return reason.error();
  if (!*reason) return Error::Invalid("give the reason for approving; the requester sees it", "reason");
  auto scope = TextField(body, "scope", 16);
  if (!scope) return scope.error();
  if (*scope && **scope != "url" && **scope != "domain") return Error::Invalid("scope is 'url' or 'domain'", "scope");
  const bool whole_domain = *scope && **scope == "domain";
  std::optional<int64_t> chosen_agency;
  if (body.contains("agency_id") && !body["agency_id"].is_null()) {
    if (!body["agency_id"].is_number_integer()) return Error::Invalid("agency_id must be a whole number", "agency_id");
    chosen_agency = body["agency_id"].get<int64_t>();
  }
  return db_.Transaction<Json>([&](store::Connection& c) -> Result<Json> {
    auto row = c.QueryOne(std::string(kSelect) + " WHERE r.id = ?", {id}, "review request");
    if (!row) return row.error();
    std::optional<int64_t> agency;
    if (!row->IsNull("agency_id")) agency = row->Int("agency_id");
    if (!agency && !actor.IsPartnershipManager()) return Error::NotFound("review request not found");
    if (agency && !actor.CanReadAgency(*agency)) return Error::NotFound("review request not found");
    if (agency && chosen_agency && *chosen_agency != *agency) {
      return Error::Invalid("this request already belongs to an agency", "agency_id");
    }
    if (!agency) agency = chosen_agency;
    if (!agency) {
      return Error::Invalid("no agency's address range held the requester's computer: choose the agency whose "
                            "filtering should change",
                            "agency_id");
    }
    if (!actor.CanWriteAgency(*agency)) {
      return Error::Forbidden("only the agency's e-safety officer or a partnership manager can decide this request");
    }
    if (row->Text("status") != kPending) return Error::Conflict("this request has already been " + row->Text("status"));
    auto url = filter::CanonicalUrl::Parse(row->Text("url"));
    if (!url) return Error::Internal("stored review URL does not parse: " + url.error().message);
    const bool allow = row->Text("kind") == "unblock";
    if (allow) {
      if (!mandatory_) {
        return Error::Invalid("the mandatory lists are not loaded on this server, so no address can be allowed; "
                              "start esafe serve with --profiles naming them",
                              "url");
      }
      if (mandatory_->Covers(*url)) {
        return Error::Invalid("this address is on the list of illegal content every agency must block; it can never "
                              "be allowed",
                              "url");
      }
    }
    OverrideChange change;
    change.agency_id = *agency;
    change.action = allow ? filter::Action::kAllow : filter::Action::kBlock;
    change.entry = std::string(url->host());
    if (!whole_domain && url->path() != "/") change.entry += std::string(url->path());
    change.request_id = id;
    change.reason = **reason;
    auto version = AddOverrideVersion(c, actor, change);
    if (!version) return version.error();
    const std::string now = clock::NowIso8601();
    ESAFE_TRY(c.Execute(
        "UPDATE filter_review_requests SET status = 'approved', agency_id = ?, decided_by = ?, decided_at = ?, "
        "decision_reason = ?, override_version = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
        {*agency, actor.user_id, now, **reason, *version, now, id}));
    ESAFE_TRY(access::RecordAudit(c, &actor, "approve", "filter_review_request", id,
                                  fmt::format("{} {}: override version {}", allow ? "allowed" : "blocked",
                                              change.entry, *version)));
    auto updated = c.QueryOne(std::string(kSelect) + " WHERE r.id = ?", {id}, "review request");
    if (!updated) return updated.error();
    Json out = OfficerJson(*updated);
    out["entry"] = change.entry;
    return out;
  });
}

Result<Json> ReviewRequests::Decline(const access::Principal& actor, int64_t id, const Json& body) {
  ESAFE_TRY(OnlyFields(body, {"reason"}));
  auto reason = TextField(body, "reason", 1000, true);
  if (!reason) return reason.error();
  if (!*reason) return Error::Invalid("give the reason for declining; the requester sees it", "reason");
  return db_.Transaction<Json>([&](store::Connection& c) -> Result<Json> {
    auto row = c.QueryOne(std::string(kSelect) + " WHERE r.id = ?", {id}, "review request");
    if (!row) return row.error();
    if (row->IsNull("agency_id") ? !actor.IsPartnershipManager() : !actor.CanReadAgency(row->Int("agency_id"))) {
      return Error::NotFound("review request not found");
    }
    if (row->IsNull("agency_id") ? !actor.IsPartnershipManager() : !actor.CanWriteAgency(row->Int("agency_id"))) {
      return Error::Forbidden("only the agency's e-safety officer or a partnership manager can decide this request");
    }
    if (row->Text("status") != kPending) return Error::Conflict("this request has already been " + row->Text("status"));
    const std::string now = clock::NowIso8601();
    ESAFE_TRY(c.Execute(
        "UPDATE filter_review_requests SET status = 'declined', decided_by = ?, decided_at = ?, decision_reason = ?, "
        "updated_at = ? WHERE id = ? AND status = 'pending'",
        {actor.user_id, now, **reason, now, id}));
    ESAFE_TRY(access::RecordAudit(c, &actor, "decline", "filter_review_request", id, "review request declined"));
    auto updated = c.QueryOne(std::string(kSelect) + " WHERE r.id = ?", {id}, "review request");
    if (!updated) return updated.error();
    return OfficerJson(*updated);
  });
}

}  // namespace esafe::enforce
