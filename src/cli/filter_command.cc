// `esafe filter …`: try lists and URLs from the shell.
//
//   esafe filter check --lists DIR --block CAT[,CAT…] [--warn CAT,…] [URL…]
//     One JSON object per URL (from the arguments, or standard input, one a line):
//     {"url","action","category","entry","canonical"}; a URL that cannot be
//     canonicalised prints {"url","error"} and the run goes on. Exit 0; 2 for a bad
//     option (unknown category, unreadable list directory).
//   esafe filter hash [URL…]
//     The canonical URL and the SHA-256 a hashed list would hold for it.
//
// `--profile P` (a filtering profile from the database) joins --lists later: both end in
// a FilterState, and everything after that is shared.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "filter/directory_filter.h"
#include "filter/filter_engine.h"
#include "filter/url_hash.h"

namespace esafe::cli {
namespace {

struct CheckOptions {
  std::string lists;
  std::vector<std::string> block;
  std::vector<std::string> warn;
  std::vector<std::string> urls;
};

[[noreturn]] void Fail(const Error& error) {
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

void RunCheck(const CheckOptions& options) {
  filter::CategoryPolicy policy;
  policy.block = options.block;
  policy.warn = options.warn;
  filter::LoadReport report;
  auto state = filter::LoadDirectoryFilter(options.lists, policy, report);
  if (!state) Fail(state.error());
  if (report.bad_lines > 0) {
    std::cerr << "esafe filter: skipped " << report.bad_lines << " bad list line(s)";
    if (!report.problems.empty()) {
      const auto& first = report.problems.front();
      std::cerr << "; first: " << first.source << ":" << first.line << ": " << first.reason;
    }
    std::cerr << "\n";
  }
  const filter::FilterEngine engine(std::move(*state));
  std::ios::sync_with_stdio(false);
  ForEachUrl(options.urls, [&](const std::string& url) {
    nlohmann::ordered_json out;
    out["url"] = url;
    auto decision = engine.Decide(url);
    if (!decision) {
      out["error"] = decision.error().message;
    } else {
      out["action"] = filter::ActionName(decision->action);
      out["category"] = decision->category.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(decision->category);
      out["entry"] = decision->entry.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(decision->entry);
      out["canonical"] = decision->canonical.spec();
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
      ->delimiter(',')->allow_extra_args(false)
      ->required();
  check->add_option("--warn", options->warn, "Categories to warn about (click-through), comma-separated")
      ->delimiter(',')->allow_extra_args(false);
  check->add_option("urls", options->urls, "URLs to decide; read from standard input when none");
  check->callback([options] { RunCheck(*options); });

  auto hash_urls = std::make_shared<std::vector<std::string>>();
  auto* hash = filter_command->add_subcommand(
      "hash", "Print the canonical URL and its SHA-256, the form hashed lists hold");
  hash->add_option("urls", *hash_urls, "URLs; read from standard input when none");
  hash->callback([hash_urls] { RunHash(*hash_urls); });
}

}  // namespace esafe::cli
