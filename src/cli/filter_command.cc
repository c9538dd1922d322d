// `esafe filter …`: try lists and URLs from the shell.
//
//   esafe filter check --lists DIR --block CAT[,CAT…] [--warn CAT,…] [--content-proxies FILE] [URL…]
//     One JSON object per URL (from the arguments, or standard input, one a line):
//     {"url","action","category","entry","canonical"} (and "via" for a URL through one of
//     FILE's content proxies, as with --profile); a URL whose host the WHATWG host parser
//     rejects is {"url","action":"block",…,"reason":"invalid host","error"}; any other URL
//     that cannot be canonicalised prints {"url","error"} and the run goes on. Exit 0; 2 for a bad
//     option (unknown category, unreadable list directory).
//   esafe filter check --profile P [--profiles FILE] --lists DIR [--at "DAY HH:MM"] [URL…]
//     The same against a filtering profile (filter/profiles.yaml in the shipped data by default) with
//     its mandatory lists, overrides and time rules (at --at, else now), adding
//     "profile", "reason" and "list_version" to each line (and "via", the content proxy's URL,
//     when the URL went through one; "canonical" is then the wrapped URL). Exit 2 for a profiles file
//     with problems (each printed as FILE:LINE: reason).
//     With --db URL [--agency ID] the database's newest override version is merged in
//     (as the enforcement points do) and decisions use the agency's overrides; a line
//     decided by an override adds "override": the version, who made it, when, why and
//     the review request it answered (or "source": "profiles file").
//   esafe filter hash [URL…]
//     The canonical URL and the SHA-256 a hashed list would hold for it.
#include <cctype>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/data_dir.h"
#include "enforce/override_versions.h"
#include "filter/canonical_host.h"
#include "filter/directory_filter.h"
#include "filter/filter_engine.h"
#include "filter/content_proxy.h"
#include "filter/profile_policy.h"
#include "filter/url_hash.h"
#include "store/database.h"

namespace esafe::cli {
namespace {

struct CheckOptions {
  std::string lists;
  std::vector<std::string> block;
  std::vector<std::string> warn;
  std::vector<std::string> urls;
  std::string profile;
  std::string profiles = core::DataPath("filter/profiles.yaml");
  std::string at;  // "mon 10:00"; empty: now
  std::string db;  // merge the database's override version
  int64_t agency = 0;  // decide with this agency's overrides; 0: none
  std::string content_proxies;  // with --block: a content-proxy file to unwrap with
};

// A host the WHATWG host parser rejects is blocked (fail closed), as the Squid helper and
// ICAP decide it; "error" says why, for whoever is trying lists.
void WriteInvalidHost(const Error& error, nlohmann::ordered_json& out) {
  out["action"] = filter::ActionName(filter::Action::kBlock);
  out["category"] = nullptr;
  out["entry"] = nullptr;
  out["canonical"] = nullptr;
  out["reason"] = "invalid host";
  out["error"] = error.message;
}

[[noreturn]] void FailFilterCommand(const Error& error) {
  std::cerr << "esafe filter: " << error.message << "\n";
  throw CLI::RuntimeError(error.kind == ErrorKind::kInvalid || error.kind == ErrorKind::kNotFound ? 2 : 1);
}

// Calls `each` for every URL argument, or for every line of standard input when none.
template <typename Fn>
void ForEachUrl(const std::vector<std::string>& urls, Fn each) {
  if (!urls.empty()) {
    for (const auto& url : urls) each(url);
    return;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    each(line);
  }
}

// JSON text must be UTF-8; a URL given as raw bytes is echoed with bad bytes replaced.
std::string JsonLine(const nlohmann::ordered_json& object) {
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json OrNull(std::string_view text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

// "mon 10:00" (any day name prefix of three letters) -> LocalTime.
filter::LocalTime ParseAt(const std::string& at) {
  static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  const size_t space = at.find(' ');
  for (int day = 0; day < 7 && space == 3; ++day) {
    if (at.compare(0, 3, kDays[day]) != 0) continue;
    const std::string clock = at.substr(4);
    if (clock.size() == 5 && clock[2] == ':' && std::isdigit(static_cast<unsigned char>(clock[0])) &&
        std::isdigit(static_cast<unsigned char>(clock[1])) && std::isdigit(static_cast<unsigned char>(clock[3])) &&
        std::isdigit(static_cast<unsigned char>(clock[4]))) {
      const int hours = std::stoi(clock.substr(0, 2));
      const int minutes = std::stoi(clock.substr(3, 2));
      if (hours < 24 && minutes < 60) return {day, hours * 60 + minutes};
    }
  }
  FailFilterCommand(Error::Invalid("--at must be a day and time like \"mon 10:00\"", "at"));
}

void RunProfileCheck(const CheckOptions& options) {
  filter::LoadReport report;
  std::vector<filter::ProfileProblem> problems;
  std::unique_ptr<store::Database> db;
  auto set = filter::LoadProfileSet(options.profiles, problems);
  if (set && !options.db.empty()) {
    auto opened = store::Open(options.db);
    if (!opened) FailFilterCommand(opened.error());
    db = std::move(*opened);
    auto overrides = enforce::LoadOverrideSet(*db);
    if (!overrides) FailFilterCommand(overrides.error());
    enforce::MergeOverrides(*overrides, *set);
  }
  auto state = set ? filter::LoadPolicyStateFromSet(std::move(*set), options.lists, report, problems)
                   : Result<std::shared_ptr<const filter::PolicyState>>(set.error());
  for (size_t i = 1; i < problems.size(); ++i) std::cerr << "esafe filter: " << FormatProblem(problems[i]) << "\n";
  if (!state) FailFilterCommand(state.error());
  if (report.bad_lines > 0) std::cerr << "esafe filter: skipped " << report.bad_lines << " bad list line(s)\n";
  const filter::LocalTime at = options.at.empty() ? filter::LocalTime::Now() : ParseAt(options.at);
  const filter::PolicyEngine engine(std::move(*state));
  if (!engine.Current()->Find(options.profile)) {
    FailFilterCommand(Error::NotFound("no filtering profile '" + options.profile + "' in " + options.profiles +
                         "; profiles: " + engine.Current()->profiles->Names()));
  }
  std::ios::sync_with_stdio(false);
  ForEachUrl(options.urls, [&](const std::string& url) {
    nlohmann::ordered_json out;
    out["url"] = url;
    const std::optional<int64_t> agency = options.agency > 0 ? std::optional<int64_t>(options.agency) : std::nullopt;
    auto decision = engine.Decide(url, options.profile, agency, at);
    if (!decision && filter::IsInvalidHost(decision.error())) {
      WriteInvalidHost(decision.error(), out);
      out["profile"] = options.profile;
      out["list_version"] = engine.Current()->Version();
    } else if (!decision) {
      out["error"] = decision.error().message;
    } else {
      out["action"] = filter::ActionName(decision->action);
      out["category"] = OrNull(decision->category);
      out["entry"] = OrNull(decision->entry);
      out["canonical"] = decision->canonical.spec();
      if (!decision->via.empty()) out["via"] = decision->via;
      out["profile"] = options.profile;
      out["reason"] = filter::ReasonName(decision->reason);
      out["list_version"] = decision->state->Version();
      if (decision->reason == filter::DecisionReason::kOverride && db && agency) {
        auto origin = enforce::FindOverrideOrigin(*db, *agency, std::string(decision->entry));
        if (!origin) FailFilterCommand(origin.error());
        nlohmann::ordered_json o;
        if (*origin) {
          const auto& found = **origin;
          o["version"] = found.version;
          o["agency"] = found.agency_id;
          o["action"] = found.action;
          o["entry"] = found.entry;
          o["by"] = found.created_by;
          o["at"] = found.created_at;
          o["why"] = found.reason;
          o["request"] = found.request_id ? nlohmann::ordered_json(*found.request_id) : nlohmann::ordered_json(nullptr);
        } else {
          o["source"] = "profiles file";
        }
        out["override"] = o;
      }
    }
    std::cout << JsonLine(out) << '\n';
  });
  std::cout.flush();
}

void RunCheck(const CheckOptions& options) {
  if (!options.profile.empty()) {
    if (!options.block.empty() || !options.warn.empty()) {
      FailFilterCommand(Error::Invalid("give either --profile or --block/--warn, not both", "profile"));
    }
    RunProfileCheck(options);
    return;
  }
  if (options.block.empty()) FailFilterCommand(Error::Invalid("give --block CATS (with --lists) or --profile P", "block"));
  filter::CategoryPolicy policy;
  policy.block = options.block;
  policy.warn = options.warn;
  filter::LoadReport report;
  auto state = filter::LoadDirectoryFilter(options.lists, policy, report);
  if (!state) FailFilterCommand(state.error());
  if (report.bad_lines > 0) {
    std::cerr << "esafe filter: skipped " << report.bad_lines << " bad list line(s)";
    if (!report.problems.empty()) {
      const auto& first = report.problems.front();
      std::cerr << "; first: " << first.source << ":" << first.line << ": " << first.reason;
    }
    std::cerr << "\n";
  }
  std::shared_ptr<const filter::FilterState> in_force = std::move(*state);
  if (!options.content_proxies.empty()) {
    std::vector<filter::ProfileProblem> problems;
    auto proxies = filter::ContentProxies::Load(options.content_proxies, problems);
    for (size_t i = 1; i < problems.size(); ++i) std::cerr << "esafe filter: " << FormatProblem(problems[i]) << "\n";
    if (!proxies) FailFilterCommand(proxies.error());
    auto with_proxies = std::make_shared<filter::FilterState>(*in_force);
    with_proxies->proxies = std::move(*proxies);
    in_force = std::move(with_proxies);
  }
  const filter::FilterEngine engine(std::move(in_force));
  std::ios::sync_with_stdio(false);
  ForEachUrl(options.urls, [&](const std::string& url) {
    nlohmann::ordered_json out;
    out["url"] = url;
    auto decision = engine.Decide(url);
    if (!decision && filter::IsInvalidHost(decision.error())) {
      WriteInvalidHost(decision.error(), out);
    } else if (!decision) {
      out["error"] = decision.error().message;
    } else {
      out["action"] = filter::ActionName(decision->action);
      out["category"] = decision->category.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(decision->category);
      out["entry"] = decision->entry.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(decision->entry);
      out["canonical"] = decision->canonical.spec();
      if (!decision->via.empty()) out["via"] = decision->via;
    }
    std::cout << JsonLine(out) << '\n';
  });
  std::cout.flush();
}

void RunHash(const std::vector<std::string>& urls) {
  ForEachUrl(urls, [&](const std::string& url) {
    nlohmann::ordered_json out;
    out["url"] = url;
    auto canonical = filter::CanonicalUrl::Parse(url);
    if (!canonical) {
      out["error"] = canonical.error().message;
    } else {
      out["canonical"] = canonical->spec();
      out["hashed"] = canonical->host_and_path();
      out["sha256"] = filter::DigestToHex(filter::Sha256(canonical->host_and_path()));
    }
    std::cout << JsonLine(out) << '\n';
  });
}

}  // namespace

void RegisterFilterCommands(CLI::App& app) {
  auto* filter_command = app.add_subcommand("filter", "Try filtering lists and URLs");
  filter_command->require_subcommand(1);

  auto options = std::make_shared<CheckOptions>();
  auto* check = filter_command->add_subcommand(
      "check", "Decide URLs (arguments, or standard input one a line) and print one JSON line each");
  check->add_option("--lists", options->lists, "squidGuard/UT1 list directory (a folder per category)")
      ->required();
  check->add_option("--block", options->block, "Categories to block, comma-separated")
      ->delimiter(',')->allow_extra_args(false);
  check->add_option("--content-proxies", options->content_proxies,
                    "Content-proxy YAML whose wrapped URLs are decided too (with --block; a profiles file names its own)")
      ->check(CLI::ExistingFile);
  check->add_option("--profile", options->profile, "Filtering profile to decide with (instead of --block)");
  check->add_option("--profiles", options->profiles, "Filtering profiles YAML (with --profile)")
      ->capture_default_str();
  check->add_option("--at", options->at, "Local day and time for time rules, e.g. \"mon 10:00\" (with --profile)");
  check->add_option("--warn", options->warn, "Categories to warn about (click-through), comma-separated")
      ->delimiter(',')->allow_extra_args(false);
  check->add_option("--db", options->db, "Merge this database's override version (with --profile)");
  check->add_option("--agency", options->agency, "Decide with this agency's overrides (with --profile)")
      ->check(CLI::PositiveNumber);
  check->add_option("urls", options->urls, "URLs to decide; read from standard input when none");
  check->callback([options] { RunCheck(*options); });

  auto hash_urls = std::make_shared<std::vector<std::string>>();
  auto* hash = filter_command->add_subcommand(
      "hash", "Print the canonical URL and its SHA-256, the form hashed lists hold");
  hash->add_option("urls", *hash_urls, "URLs; read from standard input when none");
  hash->callback([hash_urls] { RunHash(*hash_urls); });
}

}  // namespace esafe::cli
