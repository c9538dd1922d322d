// ProfileSet: the filtering profiles a partnership ships as data (data/filter/profiles.yaml)
// — what each group of users may reach — with the mandatory lists no profile can open,
// time-of-day rules, per-profile and per-agency overrides, and the mapping of clients
// (source address ranges, user groups) to profiles. docs/enforce.md describes the file.
//
// Loading validates everything that can be checked without the lists (names, actions,
// times, CIDRs, that no profile, rule or override allows a mandatory category) and reports
// every problem with its file, line and reason. CheckCategories() then checks the
// category names against the lists actually loaded.
//
// A ProfileSet is a plain value: immutable once loaded and safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "filter/category_policy.h"
#include "filter/list_line.h"

namespace esafe::filter {

// One problem found in a profiles file.
struct ProfileProblem {
  std::string source;  // file path, or the name given for in-memory text
  size_t line = 0;     // 1-based; 0 when the problem is not on one line
  std::string reason;
};

// "FILE:LINE: reason".
std::string FormatProblem(const ProfileProblem& problem);

// A category named in the file, with the line that named it (for CheckCategories).
struct CategoryRef {
  std::string name;
  size_t line = 0;
};

// A rule in force on some days between two times of day (local time of the enforcement
// point): during it the listed categories take the given action instead of the profile's.
struct TimeRule {
  uint8_t days = 0;           // bit 0 = Monday … bit 6 = Sunday
  int from_minute = 0;        // minutes after midnight, inclusive
  int to_minute = 0;          // exclusive; to < from spans midnight
  std::vector<std::pair<CategoryRef, Action>> actions;
  size_t line = 0;
};

// A moment in local time, for deciding which time rules are in force.
struct LocalTime {
  int weekday = 0;  // 0 = Monday … 6 = Sunday
  int minute = 0;   // minutes after midnight
  // The local time now (TZ of the process).
  static LocalTime Now();
};

// True when `rule` is in force at `at`.
bool RuleActive(const TimeRule& rule, LocalTime at);

// Allow and block entries (domains "example.org" or URLs "example.org/path") that beat
// the categories — never a mandatory list.
struct Overrides {
  std::vector<std::string> allow;
  std::vector<std::string> block;
  size_t line = 0;
};

struct Profile {
  std::string name;         // "primary"
  std::string description;  // for people
  bool safe_search = false;
  std::vector<CategoryRef> block;
  std::vector<CategoryRef> warn;
  std::vector<CategoryRef> allow;  // explicit allow (documentation; allow is the default)
  std::vector<TimeRule> time_rules;
  Overrides overrides;
  size_t line = 0;
};

// A list that is blocked for everyone, whatever any profile, override or time rule says.
struct MandatoryList {
  std::string category;         // "iwf"
  std::filesystem::path file;   // absolute (relative paths resolved against the YAML file)
  ListFormat format = ListFormat::kUrlHashes;
  size_t line = 0;
};

// A client address range mapped to a profile; site and agency label the decisions.
struct ClientRange {
  std::string cidr;     // "10.1.0.0/16", "2001:db8::/48", "127.0.0.2" (a /32)
  std::string profile;
  std::string site;     // optional label, e.g. "Hillside Primary ICT suite" or a site id
  std::optional<int64_t> site_id;
  std::optional<int64_t> agency_id;
  size_t line = 0;
};

// Users (as the proxy authenticated them) in a group, mapped to a profile. A member
// ending in '*' matches names starting with what precedes it; "*@staff.example" style
// patterns (leading '*') match names ending with what follows.
// A group may name the site and agency its members belong to; when it does not, a
// member's decisions take the site and agency of the address they connect from, so that
// a signed-in user's alerts still reach that agency.
struct UserGroup {
  std::string name;
  std::string profile;
  std::vector<std::string> members;
  std::string site;                  // optional label
  std::optional<int64_t> site_id;
  std::optional<int64_t> agency_id;
  size_t line = 0;
};

struct ProfileSet {
  std::string version;  // the file's `version:` (at most 40 characters), recorded with every decision
  std::string source;   // where it was loaded from
  // BLAKE2b (64 lower-case hex digits) of the file's bytes as parsed: with the lists'
  // digest, what PolicyState::Version() records, so that a version names the profiles in
  // force even when `version:` was not changed.
  std::string digest;
  std::vector<MandatoryList> mandatory;
  // The content-proxy file (content_proxy.h) named by `content_proxies:`, absolute
  // (relative paths resolved against the YAML file); empty when none is named.
  std::filesystem::path content_proxies;
  size_t content_proxies_line = 0;
  std::vector<Profile> profiles;
  std::map<int64_t, Overrides> agency_overrides;  // by agency id
  std::vector<ClientRange> clients;
  std::vector<UserGroup> groups;
  std::string default_profile;  // for clients no range or group maps
  // The database override version merged into agency_overrides (enforce/override_versions.h);
  // 0 when none was. Recorded in PolicyState::Version().
  int64_t override_version = 0;

  const Profile* Find(std::string_view name) const;
  // Profile names in file order, comma-separated (for error messages).
  std::string Names() const;
};

// Parses profiles YAML `text` named `source` (its folder resolves relative list paths).
// On success returns the set and leaves `problems` empty. On failure returns Invalid whose
// message is the first problem ("FILE:LINE: reason") and fills `problems` with all of them.
Result<ProfileSet> ParseProfileSet(std::string_view text, const std::string& source,
                                   std::vector<ProfileProblem>& problems);

// Reads and parses the file at `path`; NotFound when it cannot be read.
Result<ProfileSet> LoadProfileSet(const std::filesystem::path& path, std::vector<ProfileProblem>& problems);

// Appends a problem for every category the profiles name that is not in `available`
// (mandatory categories count as available). Returns true when none was missing.
bool CheckCategories(const ProfileSet& set, const std::vector<std::string>& available,
                     std::vector<ProfileProblem>& problems);

// Every category some profile or time rule blocks or warns about, without duplicates,
// excluding the mandatory ones (those come from their own files): the lists to load. A
// category only ever allowed needs no list.
std::vector<std::string> ReferencedCategories(const ProfileSet& set);

}  // namespace esafe::filter
