// The rules, evaluated as the activity log streams past.
//
// Each rule keeps a little state per client or per site, and everything that waits
// for a window to close is also put on one deadline queue, so that advancing the
// stream's clock completes exactly what is due, without walking every client.
// Memory is bounded by RuleSettings::max_tracked (clients and sites) and max_refs
// (event references per alert).
#include <fmt/format.h>

#include <algorithm>
#include <queue>
#include <set>
#include <unordered_set>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

constexpr int64_t kSecondUs = 1000000;

int64_t Us(std::chrono::seconds s) { return static_cast<int64_t>(s.count()) * kSecondUs; }

std::string Minutes(std::chrono::seconds s) {
  return s.count() % 60 == 0 ? fmt::format("{} minutes", s.count() / 60) : fmt::format("{} seconds", s.count());
}

std::string Join(const std::set<std::string>& items, size_t limit = 10) {
  std::string out;
  size_t n = 0;
  for (const auto& s : items) {
    if (n++ == limit) {
      out += fmt::format(" and {} more", items.size() - limit);
      break;
    }
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}

// Summaries are read by people in the UI and in e-mail: "23 Nov 2026 10:15:02 UTC",
// not the log's RFC 3339 with microseconds.
std::string ReadableTime(int64_t time_us) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string t = activity::FormatTime(time_us);  // YYYY-MM-DDTHH:MM:SS.ffffffZ
  const int month = std::stoi(t.substr(5, 2));
  const int day = std::stoi(t.substr(8, 2));
  return fmt::format("{} {} {} {} UTC", day, kMonths[month - 1], t.substr(0, 4), t.substr(11, 8));
}

// "at T" for one moment, "between T1 and T2" for a span.
std::string When(int64_t first_us, int64_t last_us) {
  const std::string first = ReadableTime(first_us), last = ReadableTime(last_us);
  return first == last ? "at " + first : fmt::format("between {} and {}", first, last);
}

// A client: an address and, where the proxy authenticated one, a user.
std::string ClientKey(const std::string& client, const std::string& user) { return client + '\x1f' + user; }
std::string SiteKey(const activity::ActivityEvent& e) { return e.agency + '\x1f' + e.site; }

// An alert being gathered until its window closes.
struct Pending {
  AlertDraft draft;
  int64_t deadline = 0;
  std::set<std::string> terms;    // risky search: the library terms matched
  std::set<std::string> engines;  // risky search: where
  std::set<std::string> hosts;    // proxy: the services
  bool any_allowed = false;       // proxy: some request got through
  uint64_t raised_at_once = 0;    // risky search: matches already raised in an immediate alert
};

struct BlockTrack {
  struct Entry {
    EventRef ref;
    std::string category;
  };
  std::deque<Entry> recent;  // blocked requests within the window, at most repeat_threshold
  int64_t quiet_until = 0;
  int64_t last_us = 0;
};

struct SiteTrack {
  std::string agency, site;
  int64_t bucket = -1;  // index of the bucket being counted
  uint32_t total = 0, blocked = 0;
  uint64_t first_blocked_position = 0;
  std::vector<EventRef> refs;  // blocked requests in this bucket, capped
  double baseline = 0;
  uint32_t baseline_buckets = 0;
  int64_t last_us = 0;
};

enum class Due : uint8_t { kSearch, kProxy, kSiteBucket };

struct Deadline {
  int64_t at;
  Due kind;
  std::string key;
  bool operator>(const Deadline& o) const { return at > o.at; }
};

}  // namespace

struct Monitor::State {
  State(const TermsInForce& t, RuleSettings s, Sink k) : terms(t), sink(std::move(k)) { Configure(std::move(s)); }

  void Configure(RuleSettings s) {
    settings = std::move(s);
    proxy_categories = {settings.proxy_categories.begin(), settings.proxy_categories.end()};
    proxy_hosts = {settings.proxy_hosts.begin(), settings.proxy_hosts.end()};
  }

  const TermsInForce& terms;
  RuleSettings settings;
  Sink sink;
  std::shared_ptr<const TermMatcher> matcher;
  MatchScratch scratch;
  std::unordered_set<std::string> proxy_categories, proxy_hosts;

  int64_t now = INT64_MIN;
  uint64_t position = 0;
  MonitorStats stats;

  std::unordered_map<std::string, Pending> searches;  // client key + library id
  std::unordered_map<std::string, Pending> proxies;   // client key
  std::unordered_map<std::string, BlockTrack> blocks;  // client key
  std::unordered_map<std::string, SiteTrack> sites;   // agency + site
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines;

  void Emit(AlertDraft&& draft) {
    ++stats.alerts;
    sink(std::move(draft));
  }

  void AddRef(AlertDraft& d, const EventRef& ref, int64_t time_us) {
    if (d.event_count == 0) d.first_us = time_us;
    d.first_us = std::min(d.first_us, time_us);
    d.last_us = std::max(d.last_us, time_us);
    ++d.event_count;
    if (d.events.size() < settings.max_refs) d.events.push_back(ref);
  }

  Pending& Open(std::unordered_map<std::string, Pending>& map, const std::string& key, Due kind, int64_t window,
                const activity::ActivityEvent& e) {
    auto [it, fresh] = map.try_emplace(key);
    if (fresh) {
      it->second.deadline = now + window;
      it->second.draft.agency = e.agency;
      it->second.draft.site = e.site;
      it->second.draft.client = activity::FormatIp(e.client);
      it->second.draft.user = e.user;
      deadlines.push({it->second.deadline, kind, key});
    }
    return it->second;
  }

  // ---- risky searches ----
  void RiskySearch(const activity::ActivityEvent& e, const EventRef& ref, const std::string& client_key) {
    auto search = ExtractSearch(e.url);
    if (!search) return;
    ++stats.searches;
    if (!matcher) return;
    auto hits = scratch.Scan(*matcher, search->text);
    if (!hits.ok() || hits->empty()) return;
    ++stats.search_matches;
    // One alert per library: each library maps to its own incident category.
    for (size_t i = 0; i < hits->size();) {
      const uint32_t lib_index = (*hits)[i].library;
      const auto& lib = matcher->libraries()[lib_index];
      auto& p = Open(searches, client_key + '\x1f' + lib.id, Due::kSearch, Us(settings.search_window), e);
      auto& d = p.draft;
      if (d.event_count == 0) {
        d.rule = Rule::kRiskySearch;
        d.subject = lib.id;
        d.incident_category = lib.incident_category;
        d.detail["library_title"] = lib.title;
        d.detail["library_version"] = lib.version;
      }
      for (; i < hits->size() && (*hits)[i].library == lib_index; ++i) {
        const auto& term = lib.terms[(*hits)[i].term];
        d.severity = std::max(d.severity, term.risk);
        p.terms.insert(term.text);
      }
      p.engines.insert(search->engine);
      AddRef(d, ref, e.time_us);
      // The most severe cannot wait for the window: raised now, and the window goes
      // on gathering whatever follows into one follow-up alert.
      if (p.raised_at_once == 0 && d.severity >= settings.search_immediate_severity) {
        Pending now_raised = p;
        now_raised.draft.detail["raised_at_once"] = true;
        p.raised_at_once = d.event_count;
        d.event_count = 0;
        d.events.clear();
        d.severity = Severity::kLow;
        p.terms.clear();
        p.engines.clear();
        CompleteSearch(std::move(now_raised));
      }
    }
  }

  void CompleteSearch(Pending&& p) {
    auto& d = p.draft;
    if (d.event_count == 0) return;  // raised at once, and nothing followed in the window
    const std::string when = When(d.first_us, d.last_us);
    if (p.raised_at_once > 0) {
      d.detail["follows_alert_raised_at_once"] = true;
      d.summary = fmt::format(
          "{} further search{} from the same client at site {} matched the '{}' term library (highest risk: {}) {}, "
          "after the alert raised at once.",
          d.event_count, d.event_count == 1 ? "" : "es", d.site.empty() ? "(unknown)" : d.site,
          d.detail.value("library_title", d.subject), SeverityName(d.severity), when);
    } else {
      d.summary = fmt::format(
          "{} search{} from one client at site {} matched the '{}' term library (highest risk: {}) {}.",
          d.event_count, d.event_count == 1 ? "" : "es", d.site.empty() ? "(unknown)" : d.site,
          d.detail.value("library_title", d.subject), SeverityName(d.severity), when);
    }
    d.detail["terms"] = std::vector<std::string>(p.terms.begin(), p.terms.end());
    d.detail["engines"] = std::vector<std::string>(p.engines.begin(), p.engines.end());
    Emit(std::move(d));
  }

  // ---- repeated attempts on blocked categories ----
  void RepeatedBlocks(const activity::ActivityEvent& e, const EventRef& ref, const std::string& client_key) {
    if (e.action != activity::Action::kBlock) return;
    auto& t = blocks[client_key];
    t.last_us = now;
    const int64_t window = Us(settings.repeat_window);
    while (!t.recent.empty() && t.recent.front().ref.time_us < now - window) t.recent.pop_front();
    if (now < t.quiet_until) return;
    t.recent.push_back({ref, e.category});
    if (t.recent.size() > settings.repeat_threshold) t.recent.pop_front();
    if (t.recent.size() < settings.repeat_threshold) return;

    AlertDraft d;
    d.rule = Rule::kRepeatedBlocks;
    d.severity = settings.repeat_severity;
    d.agency = e.agency;
    d.site = e.site;
    d.client = ref.client;
    d.user = e.user;
    d.incident_category = "deliberate_inappropriate";
    std::set<std::string> categories;
    for (const auto& entry : t.recent) {
      AddRef(d, entry.ref, entry.ref.time_us);
      categories.insert(entry.category.empty() ? "uncategorised" : entry.category);
    }
    d.subject = Join(categories, 5);
    d.summary = fmt::format("{} blocked requests from one client at site {} within {} (categories: {}), {}.",
                            d.event_count, d.site.empty() ? "(unknown)" : d.site, Minutes(settings.repeat_window),
                            Join(categories), When(d.first_us, d.last_us));
    d.detail["categories"] = std::vector<std::string>(categories.begin(), categories.end());
    d.detail["threshold"] = settings.repeat_threshold;
    d.detail["window_seconds"] = settings.repeat_window.count();
    t.recent.clear();
    t.quiet_until = now + window;
    Emit(std::move(d));
  }

  // ---- a site's blocked share against its baseline ----
  void SiteRate(const activity::ActivityEvent& e, const EventRef& ref) {
    const int64_t bucket_us = Us(settings.spike_bucket);
    const int64_t bucket = now / bucket_us;
    const auto key = SiteKey(e);
    auto [it, fresh] = sites.try_emplace(key);
    auto& s = it->second;
    if (fresh) {
      s.agency = e.agency;
      s.site = e.site;
    }
    if (s.bucket != bucket) {
      if (s.bucket >= 0) CloseBucket(s);
      s.bucket = bucket;
      deadlines.push({(bucket + 1) * bucket_us, Due::kSiteBucket, key});
    }
    s.last_us = now;
    ++s.total;
    if (e.action == activity::Action::kBlock) {
      ++s.blocked;
      if (s.refs.size() < settings.max_refs) s.refs.push_back(ref);
    }
  }

  void CloseBucket(SiteTrack& s) {
    const int64_t bucket_us = Us(settings.spike_bucket);
    const uint32_t total = s.total, blocked = s.blocked;
    auto refs = std::move(s.refs);
    s.total = s.blocked = 0;
    s.refs.clear();
    const int64_t bucket = s.bucket;
    s.bucket = -1;
    if (total < settings.spike_min_requests) return;
    const double share = static_cast<double>(blocked) / total;
    const bool warm = s.baseline_buckets >= settings.spike_warmup_buckets;
    if (warm && blocked >= settings.spike_min_blocked && share >= settings.spike_factor * s.baseline &&
        share >= s.baseline + settings.spike_min_increase) {
      AlertDraft d;
      d.rule = Rule::kBlockRateSpike;
      d.severity = settings.spike_severity;
      d.agency = s.agency;
      d.site = s.site;
      d.subject = "site";
      d.incident_category = "deliberate_inappropriate";
      for (const auto& r : refs) AddRef(d, r, r.time_us);
      d.event_count = blocked;
      d.first_us = bucket * bucket_us;
      d.last_us = (bucket + 1) * bucket_us - 1;
      d.summary = fmt::format(
          "The blocked share of requests at site {} rose to {:.0f}% ({} of {}) in the {} from {}, against its "
          "baseline of {:.1f}%.",
          s.site.empty() ? "(unknown)" : s.site, share * 100, blocked, total, Minutes(settings.spike_bucket),
          ReadableTime(d.first_us), s.baseline * 100);
      d.detail["blocked"] = blocked;
      d.detail["total"] = total;
      d.detail["share"] = share;
      d.detail["baseline_share"] = s.baseline;
      Emit(std::move(d));
      return;  // a spike does not move the baseline
    }
    s.baseline = s.baseline_buckets == 0 ? share : s.baseline + settings.spike_alpha * (share - s.baseline);
    ++s.baseline_buckets;
  }

  // ---- proxy avoidance and VPN services ----
  bool IsProxy(const activity::ActivityEvent& e) const {
    if (!e.category.empty() && proxy_categories.count(e.category)) return true;
    // Decided through a content proxy (Google Translate, an archive…): the enforcer names
    // it in the reason, "category via translate.google.com".
    if (!ViaHost(e).empty()) return true;
    if (proxy_hosts.empty() || e.host.empty()) return false;
    std::string_view h = e.host;
    while (true) {
      if (proxy_hosts.count(std::string(h))) return true;
      const size_t dot = h.find('.');
      if (dot == std::string_view::npos) return false;
      h.remove_prefix(dot + 1);
    }
  }

  // The content proxy an event went through, from its reason; "" when none.
  static std::string_view ViaHost(const activity::ActivityEvent& e) {
    const size_t at = e.reason.rfind(" via ");
    return at == std::string::npos ? std::string_view() : std::string_view(e.reason).substr(at + 5);
  }

  void Proxy(const activity::ActivityEvent& e, const EventRef& ref, const std::string& client_key) {
    if (!IsProxy(e)) return;
    auto& p = Open(proxies, client_key, Due::kProxy, Us(settings.proxy_window), e);
    auto& d = p.draft;
    if (d.event_count == 0) {
      d.rule = Rule::kProxyAvoidance;
      d.incident_category = "network_misuse";
    }
    if (e.action != activity::Action::kBlock) p.any_allowed = true;
    if (p.hosts.size() < 20) {
      const std::string_view via = ViaHost(e);
      p.hosts.insert(via.empty() ? e.host : std::string(via) + " (" + e.host + ")");
    }
    AddRef(d, ref, e.time_us);
  }

  void CompleteProxy(Pending&& p) {
    auto& d = p.draft;
    d.severity = p.any_allowed ? settings.proxy_allowed_severity : settings.proxy_blocked_severity;
    d.subject = Join(p.hosts, 3);
    d.summary = fmt::format("{} request{} from one client at site {} to proxy-avoidance or VPN services ({}){}, {}.",
                            d.event_count, d.event_count == 1 ? "" : "s", d.site.empty() ? "(unknown)" : d.site,
                            Join(p.hosts), p.any_allowed ? (d.event_count == 1 ? ", not blocked" : ", some not blocked") : (d.event_count == 1 ? ", blocked" : ", all blocked"), When(d.first_us, d.last_us));
    d.detail["hosts"] = std::vector<std::string>(p.hosts.begin(), p.hosts.end());
    d.detail["any_allowed"] = p.any_allowed;
    Emit(std::move(d));
  }

  // ---- the clock ----
  void Advance(int64_t to) {
    while (!deadlines.empty() && deadlines.top().at <= to) {
      Deadline due = deadlines.top();
      deadlines.pop();
      Complete(due);
    }
  }

  void Complete(const Deadline& due) {
    switch (due.kind) {
      case Due::kSearch: {
        auto it = searches.find(due.key);
        if (it == searches.end() || it->second.deadline != due.at) return;
        Pending p = std::move(it->second);
        searches.erase(it);
        CompleteSearch(std::move(p));
        return;
      }
      case Due::kProxy: {
        auto it = proxies.find(due.key);
        if (it == proxies.end() || it->second.deadline != due.at) return;
        Pending p = std::move(it->second);
        proxies.erase(it);
        CompleteProxy(std::move(p));
        return;
      }
      case Due::kSiteBucket: {
        auto it = sites.find(due.key);
        if (it == sites.end() || it->second.bucket < 0) return;
        if ((it->second.bucket + 1) * Us(settings.spike_bucket) != due.at) return;
        CloseBucket(it->second);
        return;
      }
    }
  }

  // Keeps the per-client and per-site maps within max_tracked: stale entries go
  // first, then (rarely, under a flood of new clients) any, counted as evicted.
  template <typename Map>
  void Bound(Map& map, int64_t stale_before) {
    if (map.size() <= settings.max_tracked) return;
    for (auto it = map.begin(); it != map.end();) {
      it = it->second.last_us < stale_before ? map.erase(it) : std::next(it);
    }
    const size_t target = settings.max_tracked - settings.max_tracked / 10;
    while (map.size() > target) {
      map.erase(map.begin());
      ++stats.evicted;
    }
  }

  void Feed(const activity::ActivityEvent& e) {
    ++stats.events;
    if (e.time_us < now) {
      ++stats.out_of_order;
    } else {
      now = e.time_us;
      Advance(now);
    }
    EventRef ref{e.time_us, activity::FormatIp(e.client), position++};
    const auto client_key = ClientKey(ref.client, e.user);
    RiskySearch(e, ref, client_key);
    RepeatedBlocks(e, ref, client_key);
    SiteRate(e, ref);
    Proxy(e, ref, client_key);
    if (blocks.size() > settings.max_tracked) Bound(blocks, now - Us(settings.repeat_window));
    if (sites.size() > settings.max_tracked) Bound(sites, now - 2 * Us(settings.spike_bucket));
  }
};

Monitor::Monitor(const TermsInForce& terms, RuleSettings settings, Sink sink)
    : state_(std::make_unique<State>(terms, std::move(settings), std::move(sink))) {}

Monitor::~Monitor() = default;

void Monitor::Feed(const activity::ActivityEvent& event) {
  state_->matcher = state_->terms.current();
  state_->Feed(event);
}

void Monitor::Feed(std::span<const activity::ActivityEvent> events) {
  // The matcher in force is taken once a batch: a reload applies from the next batch.
  state_->matcher = state_->terms.current();
  for (const auto& e : events) state_->Feed(e);
}

void Monitor::Flush(int64_t now_us) {
  if (now_us > state_->now) state_->now = now_us;
  state_->Advance(now_us);
}

void Monitor::Flush() { state_->Advance(INT64_MAX); }

void Monitor::Reconfigure(RuleSettings settings) { state_->Configure(std::move(settings)); }

MonitorStats Monitor::stats() const {
  auto s = state_->stats;
  s.tracked = state_->blocks.size() + state_->sites.size() + state_->searches.size() + state_->proxies.size();
  return s;
}

std::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kRiskySearch: return "risky_search";
    case Rule::kRepeatedBlocks: return "repeated_blocks";
    case Rule::kBlockRateSpike: return "block_rate_spike";
    case Rule::kProxyAvoidance: return "proxy_avoidance";
  }
  return "risky_search";
}

std::optional<Rule> ParseRule(std::string_view name) {
  for (auto r : {Rule::kRiskySearch, Rule::kRepeatedBlocks, Rule::kBlockRateSpike, Rule::kProxyAvoidance}) {
    if (RuleName(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace esafe::monitoring
