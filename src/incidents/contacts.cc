// The help and contacts map: loader with validation, the active map, and JSON.
#include "incidents/contacts.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "incidents/vocabulary.h"

namespace esafe::incidents::contacts {

const Kind* ContactMap::Find(std::string_view id) const {
  for (const auto& k : kinds) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

std::vector<Contact> ContactMap::ReportingRoutes() const {
  std::vector<Contact> out;
  std::set<std::string> seen;
  for (const auto& k : kinds) {
    for (const auto& c : k.contacts) {
      if (c.reporting_route && seen.insert(c.name).second) out.push_back(c);
    }
  }
  return out;
}

const Contact* ContactMap::ForTarget(std::string_view target) const {
  for (const auto& k : kinds) {
    for (const auto& c : k.contacts) {
      if (c.Serves(target)) return &c;
    }
  }
  return nullptr;
}

namespace {

constexpr size_t kMaxText = 500;
constexpr std::string_view kPlaceholder = "set by your partnership";

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  void Fail(const YAML::Mark& mark, const std::string& reason) {
    problems_.push_back(fmt::format("{}:{}: {}", file_, mark.is_null() ? 0 : mark.line + 1, reason));
  }
  bool ok() const { return problems_.empty(); }
  std::string Message() const {
    std::string out;
    for (const auto& p : problems_) out += (out.empty() ? "" : "\n") + p;
    return out;
  }

  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed, std::string_view where) {
    for (const auto& kv : map) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Fail(kv.first.Mark(), fmt::format("{}: unknown key '{}' (expected one of: {})", where, key.substr(0, 40),
                                          fmt::join(allowed, ", ")));
      }
    }
  }

  // A text field: required or optional, a scalar of at most kMaxText characters.
  std::string Text(const YAML::Node& map, const char* key, bool required, std::string_view where) {
    const YAML::Node n = map[key];
    if (!n) {
      if (required) Fail(map.Mark(), fmt::format("{}: '{}' is required", where, key));
      return "";
    }
    if (!n.IsScalar()) {
      Fail(n.Mark(), fmt::format("{}: '{}' must be text", where, key));
      return "";
    }
    std::string s = n.Scalar();
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (required && s.empty()) Fail(n.Mark(), fmt::format("{}: '{}' must not be empty", where, key));
    if (s.size() > kMaxText) Fail(n.Mark(), fmt::format("{}: '{}' is longer than {} characters", where, key, kMaxText));
    return s;
  }

 private:
  std::string file_;
  std::vector<std::string> problems_;
};

bool IsKey(std::string_view s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Contact ReadContact(Reader& r, const YAML::Node& n, const std::string& where) {
  Contact c;
  c.line = static_cast<int>(n.Mark().line) + 1;
  if (!n.IsMap()) {
    r.Fail(n.Mark(), where + ": each contact must be a mapping (name, role, scope, ...)");
    return c;
  }
  r.CheckKeys(n,
              {"name", "role", "scope", "phone", "hours", "out_of_hours", "web", "reporting_route", "source",
               "serves"},
              where);
  c.name = r.Text(n, "name", true, where);
  const std::string at = c.name.empty() ? where : where + " '" + c.name + "'";
  c.role = r.Text(n, "role", true, at);
  c.scope = r.Text(n, "scope", true, at);
  if (!c.scope.empty() && c.scope != "local" && c.scope != "national") {
    r.Fail(n["scope"].Mark(), at + ": 'scope' must be local or national, not '" + c.scope.substr(0, 40) + "'");
  }
  c.phone = r.Text(n, "phone", false, at);
  c.hours = r.Text(n, "hours", true, at);
  c.out_of_hours = r.Text(n, "out_of_hours", false, at);
  c.web = r.Text(n, "web", false, at);
  if (!c.web.empty() && c.web.rfind("https://", 0) != 0 && c.web.rfind("http://", 0) != 0) {
    r.Fail(n["web"].Mark(), at + ": 'web' must start with https:// or http://");
  }
  c.source = r.Text(n, "source", false, at);
  if (const YAML::Node rr = n["reporting_route"]) {
    if (!rr.IsScalar() || (rr.Scalar() != "true" && rr.Scalar() != "false")) {
      r.Fail(rr.Mark(), at + ": 'reporting_route' must be true or false");
    } else {
      c.reporting_route = rr.Scalar() == "true";
    }
  }
  if (const YAML::Node sv = n["serves"]) {
    if (!sv.IsSequence()) {
      r.Fail(sv.Mark(), at + ": 'serves' must be a list of escalation targets, such as [iwf, police]");
    } else {
      for (const auto& t : sv) {
        if (!t.IsScalar()) {
          r.Fail(t.Mark(), at + ": each of 'serves' must be an escalation target key");
          continue;
        }
        const std::string key = t.Scalar();
        if (!Contains(EscalationTargets(), key)) {
          r.Fail(t.Mark(),
                 fmt::format("{}: 'serves' lists '{}', which is not an escalation target (expected one of: {})", at,
                             key.substr(0, 40), fmt::join(Keys(EscalationTargets()), ", ")));
        } else if (c.Serves(key)) {
          r.Fail(t.Mark(), fmt::format("{}: 'serves' lists '{}' twice", at, key));
        } else {
          c.serves.push_back(key);
        }
      }
    }
  }
  if (c.scope == "national" && c.phone.empty() && c.web.empty() && c.name.find("provider") == std::string::npos) {
    r.Fail(n.Mark(), at + ": a national contact needs a 'phone' or a 'web' address");
  }
  if (c.reporting_route && c.scope != "national") {
    r.Fail(n.Mark(), at + ": only national contacts can be reporting routes");
  }
  return c;
}

}  // namespace

Result<ContactMap> Parse(std::string_view yaml, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Error::Invalid(fmt::format("{}:{}: not valid YAML: {}", file, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg));
  }
  Reader r(file);
  ContactMap map;
  if (!root.IsMap()) {
    r.Fail(root.Mark(), "the file must be a mapping with 'version' and 'kinds'");
    return Error::Invalid(r.Message());
  }
  r.CheckKeys(root, {"version", "kinds"}, "contacts");
  const YAML::Node version = root["version"];
  if (!version || !version.IsScalar() || version.Scalar() != "1") r.Fail(version ? version.Mark() : root.Mark(), "'version' must be 1");
  const YAML::Node kinds = root["kinds"];
  if (!kinds || !kinds.IsSequence() || kinds.size() == 0) {
    r.Fail(kinds ? kinds.Mark() : root.Mark(), "'kinds' must be a non-empty list of kinds of concern");
    return Error::Invalid(r.Message());
  }
  std::set<std::string> ids;
  for (const auto& kn : kinds) {
    Kind k;
    k.line = static_cast<int>(kn.Mark().line) + 1;
    if (!kn.IsMap()) {
      r.Fail(kn.Mark(), "each kind must be a mapping (id, title, when, contacts)");
      continue;
    }
    r.CheckKeys(kn, {"id", "title", "when", "contacts"}, "kind");
    k.id = r.Text(kn, "id", true, "kind");
    const std::string where = "kind '" + k.id.substr(0, 40) + "'";
    if (!k.id.empty() && !IsKey(k.id)) r.Fail(kn["id"].Mark(), where + ": 'id' must be lower-case letters, digits and _");
    if (!k.id.empty() && !ids.insert(k.id).second) r.Fail(kn["id"].Mark(), where + ": listed twice");
    k.title = r.Text(kn, "title", true, where);
    k.when = r.Text(kn, "when", false, where);
    const YAML::Node cs = kn["contacts"];
    if (!cs || !cs.IsSequence() || cs.size() == 0) {
      r.Fail(cs ? cs.Mark() : kn.Mark(), where + ": 'contacts' must be a non-empty list");
    } else {
      for (const auto& cn : cs) k.contacts.push_back(ReadContact(r, cn, where));
    }
    map.kinds.push_back(std::move(k));
  }
  if (!r.ok()) return Error::Invalid(r.Message());
  return map;
}

namespace {
std::mutex active_mutex;
std::shared_ptr<const ContactMap> active;
}  // namespace

const ContactMap& Active() {
  static const ContactMap shipped = [] {
    auto m = Parse(ShippedYaml(), "data/contacts/contacts.yaml");
    return m ? *m : ContactMap{};  // the shipped file is checked by the tests
  }();
  std::lock_guard lock(active_mutex);
  return active ? *active : shipped;
}

Result<void> UseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Invalid(path + ":0: cannot be read", "contacts");
  std::ostringstream text;
  text << in.rdbuf();
  auto m = Parse(text.str(), path);
  if (!m) return m.error();
  std::lock_guard lock(active_mutex);
  active = std::make_shared<const ContactMap>(std::move(*m));  // replaced only at start-up
  return Ok();
}

std::vector<std::string> KindsForCategory(std::string_view category) {
  if (category == "accidental_illegal" || category == "deliberate_illegal") return {"illegal_content"};
  if (category == "grooming" || category == "sexual_exploitation" || category == "self_generated_images" ||
      category == "self_harm_suicide" || category == "radicalisation") {
    return {"child_at_risk"};
  }
  if (category == "staff_allegation") return {"staff_allegation"};
  if (category == "bullying_harassment") return {"bullying"};
  if (category == "fraud_phishing" || category == "email_misuse" || category == "network_misuse") return {"fraud"};
  return {};
}

std::vector<std::string> KindsForTarget(std::string_view target) {
  if (target == "iwf") return {"illegal_content"};
  if (target == "ceop" || target == "childrens_social_care" || target == "police") return {"child_at_risk"};
  if (target == "lado") return {"staff_allegation"};
  if (target == "partnership_esafety_lead" || target == "filtering_provider" || target == "health" ||
      target == "esafety_officer" || target == "service_provider" || target == "parents_carers" ||
      target == "young_person") {
    return {"partners"};
  }
  return {};
}

Json ToJson(const Contact& c) {
  auto opt = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  return {{"name", c.name},       {"role", c.role},         {"scope", c.scope},
          {"phone", opt(c.phone)}, {"hours", c.hours},      {"out_of_hours", opt(c.out_of_hours)},
          {"web", opt(c.web)},     {"reporting_route", c.reporting_route}, {"source", opt(c.source)},
          {"serves", c.serves}};
}

Json ToJson(const Kind& k) {
  Json cs = Json::array();
  for (const auto& c : k.contacts) cs.push_back(ToJson(c));
  return {{"id", k.id}, {"title", k.title}, {"when", k.when}, {"contacts", cs}};
}

Json ToJson(const ContactMap& m) {
  Json kinds = Json::array();
  for (const auto& k : m.kinds) kinds.push_back(ToJson(k));
  Json routes = Json::array();
  for (const auto& c : m.ReportingRoutes()) routes.push_back(ToJson(c));
  return {{"kinds", kinds}, {"reporting_routes", routes}};
}

Json KindsJson(const ContactMap& m, const std::vector<std::string>& ids) {
  Json out = Json::array();
  std::set<std::string> seen;
  for (const auto& id : ids) {
    const Kind* k = m.Find(id);
    if (k && seen.insert(id).second) out.push_back(ToJson(*k));
  }
  return out;
}

namespace {
bool Serves(const Kind& k, std::string_view target) {
  return std::any_of(k.contacts.begin(), k.contacts.end(), [&](const Contact& c) { return c.Serves(target); });
}
}  // namespace

Json ForOutcome(const ContactMap& m, const std::vector<std::string>& tell_in_order, bool illegal_material,
                std::string_view category) {
  // Never the fraud kind for possibly illegal material: its first contact is the ICT
  // support or filtering provider, who must not be sent child abuse images.
  auto allowed = [&](std::string_view id) { return !(illegal_material && id == "fraud"); };
  std::vector<std::string> ids;
  auto add = [&](const std::string& id) {
    if (allowed(id) && m.Find(id) && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  if (illegal_material) add("illegal_content");
  for (const auto& target : tell_in_order) {
    std::string chosen;
    for (const auto& id : KindsForTarget(target)) {
      const Kind* k = m.Find(id);
      if (k && allowed(id) && Serves(*k, target)) {
        chosen = id;
        break;
      }
    }
    if (chosen.empty()) {
      for (const auto& k : m.kinds) {
        if (allowed(k.id) && Serves(k, target)) {
          chosen = k.id;
          break;
        }
      }
    }
    if (!chosen.empty()) add(chosen);
  }
  for (const auto& id : KindsForCategory(category)) add(id);
  return KindsJson(m, ids);
}

std::vector<Unfinished> UnfinishedSetUp(const ContactMap& m) {
  std::vector<Unfinished> out;
  for (const auto& k : m.kinds) {
    for (const auto& c : k.contacts) {
      if (c.scope != "local") continue;
      std::string fields;
      for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"phone", &c.phone},
                                        {"hours", &c.hours},
                                        {"out_of_hours", &c.out_of_hours}}) {
        if (value->find(kPlaceholder) != std::string::npos) fields += (fields.empty() ? "" : ", ") + std::string(name);
      }
      if (!fields.empty()) out.push_back({k.id, k.title, c.name, fields, c.line});
    }
  }
  return out;
}

Json ToJson(const std::vector<Unfinished>& unfinished) {
  Json list = Json::array();
  for (const auto& u : unfinished) {
    list.push_back({{"kind", u.kind_id}, {"kind_title", u.kind_title}, {"name", u.name}, {"fields", u.field},
                    {"line", u.line}});
  }
  return {{"unfinished", list}, {"count", unfinished.size()}};
}

}  // namespace esafe::incidents::contacts
