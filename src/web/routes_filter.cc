// Routes: review requests from the block page and their decision by agency e-safety
// officers, the override versions approvals make, and each directory site's filtering
// profile (capability: src/enforce, review_requests.h, override_versions.h and
// site_profiles.h).
//
// The public pages (/blocked, /blocked/status) are HTML rendered here, with no script:
// whoever hit the block page may be on a locked-down machine, and a plain form works
// everywhere. They link only the UI's style sheet, so the app's strict CSP holds.
#include <fmt/format.h>

#include "core/text.h"
#include "enforce/block_page.h"
#include "enforce/override_versions.h"
#include "enforce/review_requests.h"
#include "enforce/site_profiles.h"
#include "incidents/contacts.h"
#include "web/paging.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

constexpr size_t kMaxFormBytes = 16 * 1024;

using text::HtmlEscape;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded -> JSON object of strings; Invalid for bad encoding
// or a repeated field.
Result<Json> ParseForm(std::string_view body) {
  Json out = Json::object();
  while (!body.empty()) {
    const size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body.remove_prefix(amp == std::string_view::npos ? body.size() : amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string parts[2];
    std::string_view raw[2] = {pair.substr(0, eq), eq == std::string_view::npos ? "" : pair.substr(eq + 1)};
    for (int i = 0; i < 2; ++i) {
      for (size_t j = 0; j < raw[i].size(); ++j) {
        const char c = raw[i][j];
        if (c == '+') {
          parts[i] += ' ';
        } else if (c == '%') {
          if (j + 2 >= raw[i].size()) return Error::Invalid("the form is not well-formed");
          const int hi = HexValue(raw[i][j + 1]), lo = HexValue(raw[i][j + 2]);
          if (hi < 0 || lo < 0) return Error::Invalid("the form is not well-formed");
          parts[i] += static_cast<char>(hi * 16 + lo);
          j += 2;
        } else {
          parts[i] += c;
        }
      }
    }
    if (out.contains(parts[0])) return Error::Invalid("a form field is repeated", parts[0].substr(0, 64));
    out[parts[0]] = parts[1];
  }
  return out;
}

Response Html(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  // So that the form's post carries this site's Origin (no-referrer would send "null"),
  // while nothing is sent to other sites.
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  return r;
}

std::string Document(std::string_view title, std::string_view main) {
  return fmt::format(
      "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{} — esafe</title><link rel=\"icon\" href=\"/ui/favicon.svg\" type=\"image/svg+xml\">"
      "<link rel=\"stylesheet\" href=\"/ui/style.css\"></head>\n<body>\n"
      "<header class=\"site-header\"><div class=\"site-header__inner\"><span class=\"brand\">esafe</span>"
      "<a class=\"help-link\" href=\"/help\">Help and contacts</a></div></header>\n<main id=\"main\"><div class=\"page page--public\">\n{}\n</div></main>\n</body></html>\n",
      HtmlEscape(title), main);
}

// A query or form value, at most `max` bytes ("" when absent or longer).
std::string Field(const Json& form, const char* key, size_t max = 200) {
  if (!form.contains(key) || !form[key].is_string()) return "";
  const std::string& value = form[key].get_ref<const std::string&>();
  return value.size() <= max ? value : "";
}

// One contact as an HTML list item (every field escaped: the map is partnership-edited).
std::string ContactItem(const incidents::contacts::Contact& c) {
  std::string li = "<li class=\"contact\"><strong>" + HtmlEscape(c.name) + "</strong>";
  li += c.scope == "local" ? " <span class=\"contact__scope\">(local)</span>" : " <span class=\"contact__scope\">(national)</span>";
  li += "<br>" + HtmlEscape(c.role);
  if (!c.phone.empty()) li += "<br>Phone: <span class=\"contact__phone\">" + HtmlEscape(c.phone) + "</span>";
  li += "<br>Hours: " + HtmlEscape(c.hours);
  if (!c.out_of_hours.empty()) li += "<br>At any other time: " + HtmlEscape(c.out_of_hours);
  if (!c.web.empty()) li += "<br><a href=\"" + HtmlEscape(c.web) + "\" rel=\"noopener noreferrer\">" + HtmlEscape(c.web) + "</a>";
  return li + "</li>\n";
}

// The national reporting routes (seeds 004 Section 7) and a link to /help, for the
// /blocked pages.
std::string ReportingRoutesHtml() {
  std::string out = "<section id=\"reporting-routes\" aria-labelledby=\"reporting-routes-title\">"
                    "<h2 id=\"reporting-routes-title\">Worried about something you saw?</h2>\n"
                    "<p>Tell a member of staff you trust. You can also report it or talk to someone:</p>\n<ul>\n";
  for (const auto& c : incidents::contacts::Active().ReportingRoutes()) out += ContactItem(c);
  return out + "</ul>\n<p><a href=\"/help\" id=\"help-link\">Help and contacts for every kind of concern</a></p>"
               "</section>\n";
}

// The public /help page: the whole contact map, grouped by kind of concern.
std::string HelpPage() {
  const auto& map = incidents::contacts::Active();
  std::string main = "<h1 id=\"help-title\" tabindex=\"-1\">Help and contacts</h1>\n"
                     "<p class=\"intro\">Who to contact about a concern, here and nationally. If a child is in "
                     "immediate danger, call the police on <strong>999</strong>.</p>\n<nav aria-label=\"Kinds of concern\"><ul>\n";
  for (const auto& k : map.kinds) {
    main += "<li><a href=\"#concern-" + HtmlEscape(k.id) + "\">" + HtmlEscape(k.title) + "</a></li>\n";
  }
  main += "</ul></nav>\n";
  for (const auto& k : map.kinds) {
    main += "<section id=\"concern-" + HtmlEscape(k.id) + "\"><h2>" + HtmlEscape(k.title) + "</h2>\n";
    if (!k.when.empty()) main += "<p>" + HtmlEscape(k.when) + "</p>\n";
    main += "<ul class=\"contacts\">\n";
    for (const auto& c : k.contacts) main += ContactItem(c);
    main += "</ul></section>\n";
  }
  return Document("Help and contacts", main);
}

// The /blocked page: the plain-words explanation and the review form. `form` holds the
// block page's parameters (and, when re-shown after an error, what was typed).
std::string BlockedPage(const Json& form, const std::string& error, const std::string& error_field) {
  enforce::BlockPageInfo info;
  info.url = Field(form, "url", 2048);
  info.category = Field(form, "category");
  info.reason = Field(form, "reason");
  info.profile = Field(form, "profile");
  info.list_version = Field(form, "list_version");
  info.mandatory = info.reason == "mandatory list" || info.category == "mandatory";
  std::string main = "<h1 id=\"blocked-title\" tabindex=\"-1\">This page has been blocked</h1>\n";
  if (info.url.empty() && !info.mandatory) {
    main += "<p>Your organisation's filter stopped a page from opening. Go back to the page and use its "
            "'request a review' link to ask for it to be looked at.</p>";
    return Document("This page has been blocked", main + ReportingRoutesHtml());
  }
  main += "<p class=\"intro\" id=\"blocked-explanation\">" + HtmlEscape(enforce::ExplainBlock(info)) + "</p>\n";
  if (info.mandatory) return Document("This page has been blocked", main + ReportingRoutesHtml());
  main += "<dl class=\"facts\"><dt>Address</dt><dd><code id=\"blocked-url\">" + HtmlEscape(info.url) +
          "</code></dd>";
  if (!info.category.empty()) main += "<dt>Category</dt><dd>" + HtmlEscape(info.category) + "</dd>";
  if (!info.profile.empty()) main += "<dt>Filtering profile</dt><dd>" + HtmlEscape(info.profile) + "</dd>";
  main += "</dl>\n<h2>Ask for a review</h2>\n"
          "<p>If you think this page should not be blocked, say why. Your organisation's e-safety officer will "
          "look at it. You do not have to give your name: you will get a reference to check the answer.</p>\n";
  if (!error.empty()) {
    main += "<div class=\"notice notice--error\" role=\"alert\" id=\"review-error\"><p>" + HtmlEscape(error) +
            "</p></div>\n";
  }
  main += "<form method=\"post\" action=\"/blocked\" id=\"review-form\" class=\"record-form\">\n";
  for (const char* key : {"url", "category", "profile", "reason", "list_version"}) {
    const std::string value = Field(form, key, 2048);
    if (!value.empty()) {
      main += fmt::format("<input type=\"hidden\" name=\"{}\" value=\"{}\">\n", key, HtmlEscape(value));
    }
  }
  auto invalid = [&](const char* field) { return error_field == field ? " field--invalid" : ""; };
  main += fmt::format(
      "<div class=\"field{}\"><label for=\"review-note\">Why should it be unblocked? (optional)</label>"
      "<p class=\"hint\">For example: 'I need it for my history homework'. Up to 1000 characters.</p>"
      "<textarea id=\"review-note\" name=\"note\" maxlength=\"1000\">{}</textarea></div>\n"
      "<div class=\"field{}\"><label for=\"review-contact\">How can we tell you the answer? (optional)</label>"
      "<p class=\"hint\">An email address, or your name and class. Leave it empty to stay anonymous.</p>"
      "<input type=\"text\" id=\"review-contact\" name=\"contact\" maxlength=\"200\" autocomplete=\"off\" "
      "value=\"{}\"></div>\n"
      "<div class=\"button-row\"><button type=\"submit\" class=\"button\" id=\"review-submit\">Ask for a review"
      "</button></div>\n</form>",
      invalid("note"), HtmlEscape(Field(form, "note", 8192)), invalid("contact"),
      HtmlEscape(Field(form, "contact", 2048)));
  return Document("This page has been blocked", main + ReportingRoutesHtml());
}

std::string StatusWords(const std::string& status) {
  if (status == "approved") return "Approved";
  if (status == "declined") return "Declined";
  return "Waiting for the e-safety officer";
}

std::string StatusPage(const Json& request) {
  const std::string status = request["status"];
  const bool unblock = request["kind"] == "unblock";
  std::string main = fmt::format(
      "<h1 tabindex=\"-1\">Your review request</h1>\n"
      "<p>Keep this reference to check the answer later: <strong id=\"review-reference\">{}</strong>. "
      "This page's address shows the answer whenever you come back to it.</p>\n"
      "<dl class=\"facts\"><dt>Address</dt><dd><code>{}</code></dd>"
      "<dt>Status</dt><dd><strong id=\"review-status\" data-status=\"{}\">{}</strong></dd>",
      HtmlEscape(request["reference"].get<std::string>()), HtmlEscape(request["url"].get<std::string>()),
      HtmlEscape(status), HtmlEscape(StatusWords(status)));
  if (request["decision_reason"].is_string()) {
    main += "<dt>The officer's reason</dt><dd id=\"review-decision-reason\">" +
            HtmlEscape(request["decision_reason"].get<std::string>()) + "</dd>";
  }
  main += "</dl>\n";
  if (status == "approved" && unblock) {
    main += "<p>The address has been unblocked. It opens within a minute or so; try it again.</p>";
  } else if (status == "pending") {
    main += "<p>The e-safety officer has not decided yet. Reload this page to see whether they have.</p>";
  }
  return Document("Your review request", main);
}

}  // namespace

void AddFilterRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  const FilteringProfilesInForce* profiles = &t.filtering_profiles;
  auto requests = [db, profiles]() { return enforce::ReviewRequests(*db, profiles->Get()->mandatory_lists); };
  auto body_of = [opts](const Call& call) { return ParseJsonBody(call.request, opts->max_json_body); };

  t.schemas["ContactMap"] = {
      {"type", "object"},
      {"description", "kinds: [{id, title, when, contacts: [{name, role, scope (local|national), phone, hours, "
                      "out_of_hours, web, reporting_route, source, serves (escalation target keys)}]}]; "
                      "reporting_routes: the national routes shown on the block page"},
      {"properties", {{"kinds", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                      {"reporting_routes", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  t.schemas["UnfinishedContacts"] = {
      {"type", "object"},
      {"description", "unfinished: the local contacts still carrying a 'set by your partnership' placeholder, one "
                      "per contact in file order; count: how many"},
      {"properties",
       {{"unfinished",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"properties",
             {{"kind", {{"type", "string"}}},
              {"kind_title", {{"type", "string"}}},
              {"name", {{"type", "string"}}},
              {"fields", {{"type", "string"}, {"description", "the placeholder fields, e.g. 'phone, hours'"}}},
              {"line", {{"type", "integer"}, {"description", "the contact's line in the contacts file"}}}}}}}}},
        {"count", {{"type", "integer"}}}}}};
  t.schemas["ReviewRequestInput"] = {
      {"type", "object"},
      {"required", {"url"}},
      {"additionalProperties", false},
      {"properties",
       {{"url", {{"type", "string"}, {"maxLength", 2048}}},
        {"category", {{"type", "string"}, {"maxLength", 100}}},
        {"profile", {{"type", "string"}, {"maxLength", 100}}},
        {"reason", {{"type", "string"}, {"maxLength", 100}}},
        {"list_version", {{"type", "string"}, {"maxLength", 100}}},
        {"note", {{"type", "string"}, {"maxLength", 1000}}},
        {"contact", {{"type", "string"}, {"maxLength", 200}}}}}};
  t.schemas["ReviewRequestStatus"] = {
      {"type", "object"},
      {"description", "what the requester sees: never the note, contact or address"},
      {"properties",
       {{"reference", {{"type", "string"}}},
        {"kind", {{"type", "string"}, {"enum", {"unblock", "block"}}}},
        {"url", {{"type", "string"}}},
        {"status", {{"type", "string"}, {"enum", {"pending", "approved", "declined"}}}},
        {"created_at", {{"type", "string"}}},
        {"decided_at", {{"type", "string"}, {"nullable", true}}},
        {"decision_reason", {{"type", "string"}, {"nullable", true}}}}}};
  t.schemas["StaffReviewRequestInput"] = {
      {"type", "object"},
      {"required", {"kind", "url"}},
      {"additionalProperties", false},
      {"properties",
       {{"kind", {{"type", "string"}, {"enum", {"unblock", "block"}}}},
        {"url", {{"type", "string"}, {"maxLength", 2048}}},
        {"note", {{"type", "string"}, {"maxLength", 1000}}},
        {"agency_id", {{"type", "integer"}, {"description", "partnership managers only; else your agency"}}}}}};
  t.schemas["ReviewRequest"] = {
      {"type", "object"},
      {"description", "a review request as its officers see it"},
      {"properties",
       {{"id", {{"type", "integer"}}},
        {"kind", {{"type", "string"}, {"enum", {"unblock", "block"}}}},
        {"url", {{"type", "string"}}},
        {"status", {{"type", "string"}, {"enum", {"pending", "approved", "declined"}}}},
        {"profile", {{"type", "string"}, {"nullable", true}}},
        {"category", {{"type", "string"}, {"nullable", true}}},
        {"reason", {{"type", "string"}, {"nullable", true}}},
        {"list_version", {{"type", "string"}, {"nullable", true}}},
        {"client_ip", {{"type", "string"}, {"nullable", true}}},
        {"site_id", {{"type", "integer"}, {"nullable", true}}},
        {"site", {{"type", "string"}, {"nullable", true}}},
        {"agency_id", {{"type", "integer"}, {"nullable", true}}},
        {"agency", {{"type", "string"}, {"nullable", true}}},
        {"note", {{"type", "string"}, {"nullable", true}}},
        {"contact", {{"type", "string"}, {"nullable", true}}},
        {"requested_by", {{"type", "string"}, {"nullable", true}}},
        {"decided_by", {{"type", "string"}, {"nullable", true}}},
        {"decided_at", {{"type", "string"}, {"nullable", true}}},
        {"decision_reason", {{"type", "string"}, {"nullable", true}}},
        {"override_version", {{"type", "integer"}, {"nullable", true}}},
        {"created_at", {{"type", "string"}}}}}};
  t.schemas["ReviewApprovalInput"] = {
      {"type", "object"},
      {"required", {"reason"}},
      {"additionalProperties", false},
      {"properties",
       {{"reason", {{"type", "string"}, {"maxLength", 1000}, {"description", "the requester sees it"}}},
        {"scope", {{"type", "string"}, {"enum", {"url", "domain"}}, {"default", "url"}}},
        {"agency_id", {{"type", "integer"}, {"description", "only for a request no site's address range held"}}}}}};
  t.schemas["ReviewDeclineInput"] = {
      {"type", "object"},
      {"required", {"reason"}},
      {"additionalProperties", false},
      {"properties", {{"reason", {{"type", "string"}, {"maxLength", 1000}}}}}};
  t.schemas["SiteFilteringProfile"] = {
      {"type", "object"},
      {"description", "the filtering profile a directory site's clients are filtered with (enforcement points "
                      "started with --db map the site's address ranges to it)"},
      {"properties",
       {{"site_id", {{"type", "integer"}}},
        {"site", {{"type", "string"}}},
        {"agency_id", {{"type", "integer"}}},
        {"profile", {{"type", "string"}, {"nullable", true}, {"description", "null when none is set"}}},
        {"updated_at", {{"type", "string"}, {"nullable", true}}},
        {"can_edit", {{"type", "boolean"}, {"description", "whether you may change it"}}}}}};
  t.schemas["SiteFilteringProfileInput"] = {
      {"type", "object"},
      {"required", {"profile"}},
      {"additionalProperties", false},
      {"properties",
       {{"profile", {{"type", "string"}, {"description", "one of GET /api/v1/filtering-profiles"}}}}}};
  t.schemas["FilteringProfileNames"] = {
      {"type", "object"},
      {"description", "the profile names of the profiles file the server loaded (esafe serve --profiles), in file "
                      "order; empty when none was loaded"},
      {"properties", {{"profiles", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  t.schemas["OverrideVersion"] = {
      {"type", "object"},
      {"properties",
       {{"version", {{"type", "integer"}}},
        {"agency_id", {{"type", "integer"}}},
        {"agency", {{"type", "string"}}},
        {"request_id", {{"type", "integer"}, {"nullable", true}}},
        {"change", {{"type", "string"}, {"description", "'allow ENTRY' or 'block ENTRY'"}}},
        {"reason", {{"type", "string"}}},
        {"created_by", {{"type", "string"}}},
        {"created_at", {{"type", "string"}}}}}};

  // ---- help and contacts (issue 8): the public /help page and the map as JSON ----
  t.routes.push_back({.method = "GET", .pattern = "/help", .needs_session = false,
                      .handler = [](const Call&) { return Html(200, HelpPage()); },
                      .summary = "Help and contacts: who to contact for each kind of concern (HTML, no sign-in)",
                      .tag = "incidents", .response_schema = "html", .response_content = "text/html"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/contacts",
                      .handler = [](const Call&) {
                        return JsonResponse(200, incidents::contacts::ToJson(incidents::contacts::Active()));
                      },
                      .summary = "The help and contacts map: kinds of concern, their local and national contacts, "
                                 "and the national reporting routes",
                      .tag = "incidents", .response_schema = "ContactMap"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/contacts/unfinished",
                      .handler = [](const Call& call) {
                        const auto role = call.who().role;
                        if (role != access::Role::kPartnershipAdmin && role != access::Role::kPartnershipLead) {
                          return ErrorResponse(Error::Forbidden(
                              "the contacts map's set-up is kept by the partnership administrators and lead"));
                        }
                        return JsonResponse(200, incidents::contacts::ToJson(incidents::contacts::UnfinishedSetUp(
                                                     incidents::contacts::Active())));
                      },
                      .summary = "Unfinished set-up: the local contacts whose phone, hours or out-of-hours still say "
                                 "'set by your partnership' (partnership admins and lead)",
                      .tag = "incidents", .response_schema = "UnfinishedContacts"});

  // ---- the public pages the block page links to ----
  t.routes.push_back({.method = "GET", .pattern = "/blocked", .needs_session = false,
                      .handler = [](const Call& call) {
                        Json form = Json::object();
                        for (const auto& [key, value] : call.request.query) form[key] = value;
                        return Html(200, BlockedPage(form, "", ""));
                      },
                      .summary = "The blocked-page explanation and review form (HTML; the block page links here)",
                      .tag = "filtering", .response_schema = "html", .response_content = "text/html",
                      .query_params = {"url", "category", "profile", "reason", "list_version"}});
  t.routes.push_back(
      {.method = "POST", .pattern = "/blocked", .needs_session = false,
       .handler = [requests](const Call& call) {
         if (call.request.body.size() > kMaxFormBytes) return Html(413, Document("Too long", "<h1>That is too long</h1>"));
         auto form = ParseForm(call.request.body);
         if (!form) return Html(400, BlockedPage(Json::object(), form.error().message, ""));
         auto submitted = requests().SubmitFromBlockPage(*form, call.request.remote_ip);
         if (!submitted) {
           const int status = StatusFor(submitted.error().kind);
           if (status == 500) return ErrorResponse(submitted.error());
           return Html(status, BlockedPage(*form, submitted.error().message, submitted.error().field));
         }
         Response r;
         r.status = 303;
         r.content_type = "text/plain; charset=utf-8";
         r.headers.emplace_back("Location", "/blocked/status?reference=" + (*submitted)["reference"].get<std::string>());
         return r;
       },
       .summary = "Submit the review form (application/x-www-form-urlencoded); 303 to the status page",
       .tag = "filtering", .request_schema = "form", .request_content = "application/x-www-form-urlencoded",
       .success_status = 303});
  t.routes.push_back({.method = "GET", .pattern = "/blocked/status", .needs_session = false,
                      .handler = [requests](const Call& call) {
                        auto status = requests().Status(QueryText(call.request, "reference").value_or(""));
                        if (!status) {
                          return Html(StatusFor(status.error().kind),
                                      Document("Not found", "<h1>No such review request</h1><p>" +
                                                                HtmlEscape(status.error().message) + "</p>"));
                        }
                        return Html(200, StatusPage(*status));
                      },
                      .summary = "A review request's status for its requester (HTML)", .tag = "filtering",
                      .response_schema = "html", .response_content = "text/html", .query_params = {"reference"}});

  // ---- the same for scripts, as JSON ----
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/review-requests", .needs_session = false,
                      .handler = [requests, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(requests().SubmitFromBlockPage(*body, call.request.remote_ip), 201);
                      },
                      .summary = "Ask for a blocked address to be reviewed (no sign-in; rate-limited per address)",
                      .tag = "filtering", .request_schema = "ReviewRequestInput",
                      .response_schema = "ReviewRequestStatus", .success_status = 201});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/review-requests/status", .needs_session = false,
                      .handler = [requests](const Call& call) {
                        return Reply(requests().Status(QueryText(call.request, "reference").value_or("")));
                      },
                      .summary = "A review request's status by its reference", .tag = "filtering",
                      .response_schema = "ReviewRequestStatus", .query_params = {"reference"}});

  // ---- officers ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/filter/review-requests",
                      .handler = [requests](const Call& call) {
                        return PagedReply(call, requests().ListPage(call.who(), QueryText(call.request, "status"),
                                                                    call.page));
                      },
                      .summary = "Review requests you may see, newest first (officers: their agency's; other staff: "
                                 "their own); audited",
                      .tag = "filtering", .response_schema = "[ReviewRequest]", .query_params = {"status"},
                      .pages_in_sql = true});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/filter/review-requests",
                      .handler = [requests, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(requests().SubmitAsStaff(call.who(), *body), 201);
                      },
                      .summary = "Ask for an address to be blocked or unblocked for your agency", .tag = "filtering",
                      .request_schema = "StaffReviewRequestInput", .response_schema = "ReviewRequest",
                      .success_status = 201});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/filter/review-requests/{id}/approval",
                      .handler = [requests, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(requests().Approve(call.who(), *id, *body));
                      },
                      .summary = "Approve a request: writes a new override version (audited); never for an address "
                                 "on a mandatory list",
                      .tag = "filtering", .request_schema = "ReviewApprovalInput",
                      .response_schema = "ReviewRequest"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/filter/review-requests/{id}/decline",
                      .handler = [requests, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(requests().Decline(call.who(), *id, *body));
                      },
                      .summary = "Decline a request with a reason (audited)", .tag = "filtering",
                      .request_schema = "ReviewDeclineInput", .response_schema = "ReviewRequest"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/filter/override-versions",
                      .handler = [db](const Call& call) {
                        auto agency = QueryInt(call.request, "agency_id");
                        if (!agency.ok()) return ErrorResponse(agency.error());
                        return PagedReply(call, enforce::ListOverrideVersionsPage(*db, call.who(), *agency, call.page));
                      },
                      .summary = "Override versions, newest first, with who changed what and why", .tag = "filtering",
                      .response_schema = "[OverrideVersion]", .query_params = {"agency_id"}, .pages_in_sql = true});

  // ---- each directory site's filtering profile ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/filtering-profiles",
                      .handler = [profiles](const Call&) {
                        return JsonResponse(200, Json{{"profiles", profiles->Get()->names}});
                      },
                      .summary = "The filtering profiles a site may be given (the names in the server's profiles "
                                 "file)",
                      .tag = "filtering", .response_schema = "FilteringProfileNames"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/sites/{id}/filtering-profile",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(enforce::GetSiteProfile(*db, call.who(), *id));
                      },
                      .summary = "A site's filtering profile (null when none is set) and whether you may change it",
                      .tag = "filtering", .response_schema = "SiteFilteringProfile"});
  t.routes.push_back({.method = "PUT", .pattern = "/api/v1/sites/{id}/filtering-profile",
                      .handler = [db, profiles, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        for (const auto& [key, value] : body->items()) {
                          if (key != "profile") return ErrorResponse(Error::Invalid("unknown field '" + key + "'", key));
                        }
                        if (!body->contains("profile") || !(*body)["profile"].is_string()) {
                          return ErrorResponse(Error::Invalid("choose a filtering profile", "profile"));
                        }
                        return Reply(enforce::SetSiteProfile(*db, call.who(), *id, (*body)["profile"].get<std::string>(),
                                                             profiles->Get()->names));
                      },
                      .summary = "Set a site's filtering profile (the site's agency's e-safety officer or a partnership "
                                 "manager; audited); enforcement points started with --db use it once they reload "
                                 "(kill -HUP)",
                      .tag = "filtering", .request_schema = "SiteFilteringProfileInput",
                      .response_schema = "SiteFilteringProfile"});
}

}  // namespace esafe::web
