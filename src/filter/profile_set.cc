#include "filter/profile_set.h"

#include <arpa/inet.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include <sodium.h>
#include <yaml-cpp/yaml.h>

#include "filter/data_file_reader.h"

namespace esafe::filter {
namespace {

// The `version:` is recorded with every decision and carried, with the digests of the
// profiles and lists, in block page links and review requests (list_version, at most 100
// characters there): PolicyState::Version() adds 36 characters and "/overrides-N".
constexpr size_t kMaxVersionBytes = 40;

// BLAKE2b of `text`, lower-case hex (64 characters).
std::string HexDigest(std::string_view text) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr,
                     0);
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

using Reader = internal::DataFileReader;

std::optional<int> ParseClock(std::string_view text) {
  // "HH:MM", 00:00 … 24:00.
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(text[0]) || !digit(text[1]) || !digit(text[3]) || !digit(text[4])) return std::nullopt;
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
  return hours * 60 + minutes;
}

std::optional<uint8_t> ParseDay(std::string_view day) {
  static constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  if (day == "weekdays") return 0x1F;
  if (day == "weekend") return 0x60;
  if (day == "all" || day == "every day") return 0x7F;
  for (size_t i = 0; i < 7; ++i) {
    if (day.size() >= 3 && day.substr(0, 3) == kDays[i]) return static_cast<uint8_t>(1u << i);
  }
  return std::nullopt;
}

bool ValidCidr(std::string_view cidr) {
  const size_t slash = cidr.find('/');
  const std::string address(cidr.substr(0, slash));
  unsigned char buffer[16];
  int max_bits = 0;
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) {
    max_bits = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) {
    max_bits = 128;
  } else {
    return false;
  }
  if (slash == std::string_view::npos) return true;
  const std::string_view bits = cidr.substr(slash + 1);
  if (bits.empty() || bits.size() > 3) return false;
  int value = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value <= max_bits;
}

Overrides ReadOverrides(Reader& r, const YAML::Node& node, std::string_view what) {
  Overrides out;
  out.line = Reader::Line(node);
  if (!node.IsMap()) {
    r.Problem(node, std::string(what) + " must be a map with 'allow' and/or 'block' lists");
    return out;
  }
  r.OnlyKeys(node, {"allow", "block", "agency"}, what);
  out.allow = r.Strings(node, "allow");
  out.block = r.Strings(node, "block");
  for (const auto* list : {&out.allow, &out.block}) {
    for (const auto& entry : *list) {
      std::vector<ListEntry> parsed;
      const ListFormat format = entry.find('/') == std::string::npos ? ListFormat::kDomains : ListFormat::kUrls;
      if (auto ok = ParseListLine(entry, format, parsed); !ok || parsed.empty()) {
        r.Problem(node, "override '" + entry + "' is not a domain or URL" + (ok ? "" : ": " + ok.error().message));
      }
    }
  }
  return out;
}

void ReadProfile(Reader& r, const YAML::Node& node, ProfileSet& set, const std::set<std::string>& mandatory) {
  if (!node.IsMap()) {
    r.Problem(node, "each profile must be a map with at least 'name'");
    return;
  }
  r.OnlyKeys(node, {"name", "description", "safe_search", "block", "warn", "allow", "time_rules", "overrides"},
             "a profile");
  Profile profile;
  profile.line = Reader::Line(node);
  if (auto name = r.Text(node, "name", true, "a profile")) profile.name = *name;
  if (!profile.name.empty() && set.Find(profile.name)) {
    r.Problem(node, "profile '" + profile.name + "' is defined twice");
  }
  if (auto description = r.Text(node, "description", false, "a profile")) profile.description = *description;
  profile.safe_search = r.Bool(node, "safe_search");
  profile.block = r.Categories(node, "block");
  profile.warn = r.Categories(node, "warn");
  profile.allow = r.Categories(node, "allow");
  for (const auto& ref : profile.allow) {
    if (mandatory.count(ref.name)) {
      r.Problem(node["allow"], "profile '" + profile.name + "' allows '" + ref.name +
                                   "', a mandatory list that no profile may allow");
    }
  }
  // A category in two of block/warn/allow is a mistake a person should hear about.
  std::map<std::string, std::string> seen;
  for (auto [refs, action] : {std::pair{&profile.block, "block"}, {&profile.warn, "warn"}, {&profile.allow, "allow"}}) {
    for (const auto& ref : *refs) {
      auto [it, inserted] = seen.emplace(ref.name, action);
      if (!inserted && it->second != action) {
        r.Problem(node, "category '" + ref.name + "' is both " + it->second + " and " + action + " in profile '" +
                            profile.name + "'");
      }
    }
  }
  if (const YAML::Node rules = node["time_rules"]) {
    if (!rules.IsSequence()) {
      r.Problem(rules, "'time_rules' must be a list");
    } else {
      for (const auto& rule_node : rules) {
        if (!rule_node.IsMap()) {
          r.Problem(rule_node, "a time rule must be a map with days, from, to and block/warn/allow");
          continue;
        }
        r.OnlyKeys(rule_node, {"days", "from", "to", "block", "warn", "allow"}, "a time rule");
        TimeRule rule;
        rule.line = Reader::Line(rule_node);
        for (const auto& day : r.Strings(rule_node, "days")) {
          auto bits = ParseDay(day);
          if (!bits) {
            r.Problem(rule_node["days"], "'" + day + "' is not a day (mon … sun, weekdays, weekend, all)");
          } else {
            rule.days |= *bits;
          }
        }
        if (!rule_node["days"]) rule.days = 0x7F;
        for (auto [key, target] : {std::pair{"from", &rule.from_minute}, {"to", &rule.to_minute}}) {
          auto text = r.Text(rule_node, key, true, "a time rule");
          if (!text) continue;
          auto minutes = ParseClock(*text);
          if (!minutes) {
            r.Problem(rule_node[key], "'" + *text + "' is not a time of day like 09:00");
          } else {
            *target = *minutes;
          }
        }
        if (rule.from_minute == rule.to_minute) r.Problem(rule_node, "a time rule's 'from' and 'to' are equal");
        for (auto [key, action] : {std::pair{"block", Action::kBlock}, {"warn", Action::kWarn}, {"allow", Action::kAllow}}) {
          for (auto& ref : r.Categories(rule_node, key)) {
            if (action == Action::kAllow && mandatory.count(ref.name)) {
              r.Problem(rule_node[key], "a time rule allows '" + ref.name + "', a mandatory list that no rule may allow");
            }
            rule.actions.emplace_back(std::move(ref), action);
          }
        }
        if (rule.actions.empty()) r.Problem(rule_node, "a time rule names no category to block, warn or allow");
        profile.time_rules.push_back(std::move(rule));
      }
    }
  }
  if (const YAML::Node overrides = node["overrides"]) profile.overrides = ReadOverrides(r, overrides, "'overrides'");
  set.profiles.push_back(std::move(profile));
}

}  // namespace

std::string FormatProblem(const ProfileProblem& problem) {
  return problem.source + ":" + std::to_string(problem.line) + ": " + problem.reason;
}

LocalTime LocalTime::Now() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return {(local.tm_wday + 6) % 7, local.tm_hour * 60 + local.tm_min};
}

bool RuleActive(const TimeRule& rule, LocalTime at) {
  if (rule.from_minute < rule.to_minute) {
    return (rule.days >> at.weekday & 1) && at.minute >= rule.from_minute && at.minute < rule.to_minute;
  }
  // Spans midnight: in force from `from` on a listed day until `to` the next morning.
  if (at.minute >= rule.from_minute) return rule.days >> at.weekday & 1;
  if (at.minute < rule.to_minute) return rule.days >> ((at.weekday + 6) % 7) & 1;
  return false;
}

const Profile* ProfileSet::Find(std::string_view name) const {
  for (const auto& profile : profiles) {
    if (profile.name == name) return &profile;
  }
  return nullptr;
}

std::string ProfileSet::Names() const {
  std::string names;
  for (const auto& profile : profiles) names += (names.empty() ? "" : ", ") + profile.name;
  return names;
}

Result<ProfileSet> ParseProfileSet(std::string_view text, const std::string& source,
                                   std::vector<ProfileProblem>& problems) {
  problems.clear();
  Reader r(source, problems);
  ProfileSet set;
  set.source = source;
  set.digest = HexDigest(text);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    problems.push_back({source, static_cast<size_t>(std::max(e.mark.line, 0)) + 1, "not valid YAML: " + e.msg});
    return Error::Invalid(FormatProblem(problems.front()));
  }
  if (!root.IsMap()) {
    problems.push_back({source, 1, "a profiles file is a map with 'version', 'mandatory' and 'profiles'"});
    return Error::Invalid(FormatProblem(problems.front()));
  }
  r.OnlyKeys(root,
             {"version", "default_profile", "mandatory", "content_proxies", "profiles", "agency_overrides", "clients",
              "groups"},
             "the profiles file");
  if (auto version = r.Text(root, "version", true, "the profiles file")) {
    set.version = *version;
    const bool control = std::any_of(version->begin(), version->end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
    if (version->size() > kMaxVersionBytes || control) {
      r.Problem(root["version"], "'version' must be at most " + std::to_string(kMaxVersionBytes) +
                                     " characters on one line (it is recorded with every decision)");
    }
  }

  const std::filesystem::path base = std::filesystem::path(source).parent_path();
  if (auto file = r.Text(root, "content_proxies", false, "the profiles file")) {
    set.content_proxies = std::filesystem::path(*file).is_absolute() ? std::filesystem::path(*file) : base / *file;
    set.content_proxies_line = Reader::Line(root["content_proxies"]);
  }
  std::set<std::string> mandatory;
  if (const YAML::Node lists = root["mandatory"]; !lists || !lists.IsSequence() || lists.size() == 0) {
    r.Problem(lists ? lists : root,
              "'mandatory' must list at least one mandatory list (the illegal-content list), e.g. "
              "[{category: iwf, file: iwf.hashes, format: hashes}]");
  } else {
    for (const auto& node : lists) {
      if (!node.IsMap()) {
        r.Problem(node, "a mandatory list is a map with category, file and format");
        continue;
      }
      r.OnlyKeys(node, {"category", "file", "format"}, "a mandatory list");
      MandatoryList list;
      list.line = Reader::Line(node);
      if (auto category = r.Text(node, "category", true, "a mandatory list")) list.category = *category;
      if (auto file = r.Text(node, "file", true, "a mandatory list")) {
        list.file = std::filesystem::path(*file).is_absolute() ? std::filesystem::path(*file) : base / *file;
      }
      if (auto format = r.Text(node, "format", false, "a mandatory list")) {
        auto parsed = ListFormatFromName(*format);
        if (!parsed) {
          r.Problem(node["format"], parsed.error().message);
        } else {
          list.format = *parsed;
        }
      }
      if (!list.category.empty() && !mandatory.insert(list.category).second) {
        r.Problem(node, "mandatory category '" + list.category + "' is listed twice");
      }
      set.mandatory.push_back(std::move(list));
    }
  }

  if (const YAML::Node profiles = root["profiles"]; !profiles || !profiles.IsSequence() || profiles.size() == 0) {
    r.Problem(profiles ? profiles : root, "'profiles' must be a list of at least one profile");
  } else {
    for (const auto& node : profiles) ReadProfile(r, node, set, mandatory);
  }

  if (auto name = r.Text(root, "default_profile", true, "the profiles file")) {
    set.default_profile = *name;
    if (!set.profiles.empty() && !set.Find(*name)) {
      r.Problem(root["default_profile"], "default_profile '" + *name + "' is not a profile; profiles: " + set.Names());
    }
  }

  if (const YAML::Node agencies = root["agency_overrides"]) {
    if (!agencies.IsSequence()) {
      r.Problem(agencies, "'agency_overrides' must be a list of {agency: ID, allow: […], block: […]}");
    } else {
      for (const auto& node : agencies) {
        auto agency = node.IsMap() ? r.Integer(node, "agency") : std::nullopt;
        if (!agency) {
          r.Problem(node, "an agency override needs 'agency: ID'");
          continue;
        }
        if (set.agency_overrides.count(*agency)) r.Problem(node, "agency " + std::to_string(*agency) + " is listed twice");
        set.agency_overrides[*agency] = ReadOverrides(r, node, "an agency override");
      }
    }
  }

  auto check_profile = [&](const YAML::Node& node, const std::string& profile) {
    if (!profile.empty() && !set.profiles.empty() && !set.Find(profile)) {
      r.Problem(node, "profile '" + profile + "' is not defined; profiles: " + set.Names());
    }
  };
  if (const YAML::Node clients = root["clients"]) {
    if (!clients.IsSequence()) {
      r.Problem(clients, "'clients' must be a list of {cidr: …, profile: …}");
    } else {
      for (const auto& node : clients) {
        if (!node.IsMap()) {
          r.Problem(node, "a client range is a map with cidr and profile");
          continue;
        }
        r.OnlyKeys(node, {"cidr", "profile", "site", "site_id", "agency"}, "a client range");
        ClientRange range;
        range.line = Reader::Line(node);
        if (auto cidr = r.Text(node, "cidr", true, "a client range")) {
          range.cidr = *cidr;
          if (!ValidCidr(*cidr)) r.Problem(node["cidr"], "'" + *cidr + "' is not an address range like 10.0.0.0/8");
        }
        if (auto profile = r.Text(node, "profile", true, "a client range")) range.profile = *profile;
        check_profile(node, range.profile);
        if (auto site = r.Text(node, "site", false, "a client range")) range.site = *site;
        range.site_id = r.Integer(node, "site_id");
        range.agency_id = r.Integer(node, "agency");
        set.clients.push_back(std::move(range));
      }
    }
  }
  if (const YAML::Node groups = root["groups"]) {
    if (!groups.IsSequence()) {
      r.Problem(groups, "'groups' must be a list of {name: …, profile: …, members: […], agency: …, site: …}");
    } else {
      for (const auto& node : groups) {
        if (!node.IsMap()) {
          r.Problem(node, "a user group is a map with name, profile and members");
          continue;
        }
        r.OnlyKeys(node, {"name", "profile", "members", "site", "site_id", "agency"}, "a user group");
        UserGroup group;
        group.line = Reader::Line(node);
        if (auto name = r.Text(node, "name", true, "a user group")) group.name = *name;
        if (auto profile = r.Text(node, "profile", true, "a user group")) group.profile = *profile;
        check_profile(node, group.profile);
        group.members = r.Strings(node, "members");
        if (auto site = r.Text(node, "site", false, "a user group")) group.site = *site;
        group.site_id = r.Integer(node, "site_id");
        group.agency_id = r.Integer(node, "agency");
        set.groups.push_back(std::move(group));
      }
    }
  }

  if (!problems.empty()) return Error::Invalid(FormatProblem(problems.front()));
  return set;
}

Result<ProfileSet> LoadProfileSet(const std::filesystem::path& path, std::vector<ProfileProblem>& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read profiles file " + path.string());
  std::ostringstream contents;
  contents << in.rdbuf();
  return ParseProfileSet(contents.str(), path.string(), problems);
}

bool CheckCategories(const ProfileSet& set, const std::vector<std::string>& available,
                     std::vector<ProfileProblem>& problems) {
  const size_t before = problems.size();
  std::set<std::string> known(available.begin(), available.end());
  for (const auto& list : set.mandatory) known.insert(list.category);
  auto check = [&](const CategoryRef& ref) {
    if (!known.count(ref.name)) {
      problems.push_back({set.source, ref.line, "category '" + ref.name + "' is not in the lists loaded"});
    }
  };
  for (const auto& profile : set.profiles) {
    for (const auto* refs : {&profile.block, &profile.warn, &profile.allow}) {
      for (const auto& ref : *refs) check(ref);
    }
    for (const auto& rule : profile.time_rules) {
      for (const auto& [ref, action] : rule.actions) check(ref);
    }
  }
  return problems.size() == before;
}

std::vector<std::string> ReferencedCategories(const ProfileSet& set) {
  std::vector<std::string> out;
  std::set<std::string> mandatory;
  for (const auto& list : set.mandatory) mandatory.insert(list.category);
  auto add = [&](const std::string& name) {
    if (mandatory.count(name) || std::find(out.begin(), out.end(), name) != out.end()) return;
    out.push_back(name);
  };
  for (const auto& profile : set.profiles) {
    for (const auto* refs : {&profile.block, &profile.warn}) {
      for (const auto& ref : *refs) add(ref.name);
    }
    for (const auto& rule : profile.time_rules) {
      for (const auto& [ref, action] : rule.actions) {
        if (action != Action::kAllow) add(ref.name);
      }
    }
  }
  return out;
}

}  // namespace esafe::filter
