// Enforcer: the one call every enforcement point makes for a request — map the client to
// a filtering profile, decide the URL under that profile, record the decision through the
// DecisionSink, and say what to do (pass, rewrite for safe search, or block with which
// page). The Squid helper and the ICAP service only translate their protocols to this.
//
// Start here when reading src/enforce: squid_helper.h and icap_server.h are the two
// protocol edges, rpz_zone.h the DNS export, block_page.h and safe_search.h what the
// edges show and rewrite, decision_sink.h where decisions go.
//
// Thread-safety: Check() may be called from any number of threads concurrently with each
// other and with Install(); policy and client map are swapped atomically together, and a
// check in flight finishes on the pair it started with.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "enforce/block_page.h"
#include "enforce/decision_sink.h"
#include "enforce/safe_search.h"
#include "filter/client_map.h"
#include "filter/profile_policy.h"

namespace esafe::store {
class Database;
}

namespace esafe::enforce {

// What an enforcement point needs to load: the profiles file, the list directory, and
// optionally the database whose sites' address ranges map clients to profiles and whose
// newest override version (override_versions.h) is merged into the agency overrides.
struct PolicySource {
  std::filesystem::path profiles;  // profiles YAML (data/filter/profiles.yaml)
  std::filesystem::path lists;     // squidGuard/UT1 list directory
  std::string db;                  // "" or "sqlite:PATH" / "postgresql://…"
};

// The policy and the client map in force together.
struct Enforcement {
  std::shared_ptr<const filter::PolicyState> policy;
  std::shared_ptr<const filter::ClientMap> clients;
};

// Loads everything `source` names. Fails with the profile problem ("FILE:LINE: reason"),
// the list error, or the database error; bad list lines go to `report`.
Result<Enforcement> LoadEnforcement(const PolicySource& source, filter::LoadReport& report,
                                    std::vector<filter::ProfileProblem>& problems);

struct EnforcerOptions {
  std::string point = "enforce";  // recorded with every decision: "squid-helper", "icap"
  // Where the Squid helper redirects blocked requests; the query gets url, category,
  // profile and reason.
  std::string block_page_url = "http://127.0.0.1:8080/blocked";
  // The base of the block page's "request a review" link.
  std::string review_url = "http://127.0.0.1:8080/blocked";
};

// One request as an enforcement point sees it.
struct EnforceRequest {
  std::string_view url;     // absolute URL, or "host:port" for CONNECT
  std::string_view client;  // source address ("" when unknown)
  std::string_view user;    // authenticated user, "" or "-" when none
  std::string_view method;  // "GET", "CONNECT", … ("" when unknown)
  // CONNECT only: the server name the client's TLS hello asked for (SNI), which Squid
  // learns when it peeks (`adaptation_meta X-TLS-SNI`, docs/enforce.md); "" or "-" when
  // none. When it names another host than the CONNECT, both hosts are decided.
  std::string_view tls_server_name;
};

// The outcome for one request.
struct Verdict {
  filter::Action action = filter::Action::kAllow;
  bool mandatory = false;
  std::string category;
  std::string entry;
  std::string reason;
  std::string canonical;  // the URL decided: the wrapped one when through a content proxy
  std::string via;        // the content proxy's canonical URL, "" when none
  std::string list_version;  // PolicyState::Version() of the policy that decided
  filter::ClientMatch client;
  // Set when the profile enforces safe search and this request is a search-engine request
  // (never for CONNECT, never when blocked).
  std::optional<SafeSearchRewrite> safe_search;

  bool blocked() const { return action == filter::Action::kBlock; }
};

class Enforcer {
 public:
  Enforcer(Enforcement enforcement, DecisionSink& sink, EnforcerOptions options);

  // Decides `request` at local time `at` and records the decision, once. A URL whose host
  // the WHATWG host parser rejects (filter::IsInvalidHost) is blocked with reason
  // "invalid host" and recorded under the URL as sent. Fails (Invalid) only when the URL
  // cannot be canonicalised otherwise (a bad port); that is recorded nowhere.
  Result<Verdict> Check(const EnforceRequest& request, filter::LocalTime at) const;
  Result<Verdict> Check(const EnforceRequest& request) const { return Check(request, filter::LocalTime::Now()); }

  // The block page for `verdict` on `url`, and the redirect target for helpers that can
  // only redirect. Through a content proxy the page names the wrapped URL.
  BlockPageInfo PageInfo(const Verdict& verdict, std::string_view url) const;
  std::string BlockRedirect(const Verdict& verdict, std::string_view url) const;

  // Replaces policy and client map; checks in flight finish on the old pair.
  void Install(Enforcement enforcement);
  std::shared_ptr<const Enforcement> Current() const { return current_.load(std::memory_order_acquire); }

  const EnforcerOptions& options() const { return options_; }

 private:
  std::atomic<std::shared_ptr<const Enforcement>> current_;
  DecisionSink& sink_;
  EnforcerOptions options_;

  // Records `verdict` on `request` in the activity log; `host` is the canonical host.
  void Record(const EnforceRequest& request, const Verdict& verdict, const std::string& profile,
              std::string_view host) const;
};

}  // namespace esafe::enforce
