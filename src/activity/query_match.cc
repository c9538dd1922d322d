// Matching a query: against one event, against a segment's index (to skip it), and
// block by block within a sealed segment (activity/query_match.h).
#include "activity/query_match.h"

#include <algorithm>

namespace esafe::activity::internal {

namespace {

bool TextMatches(std::string_view value, const TextFilter& f) {
  switch (f.match) {
    case Match::kExact: return value == f.value;
    case Match::kPrefix: return value.substr(0, f.value.size()) == f.value;
    case Match::kSubstring: return value.find(f.value) != std::string_view::npos;
  }
  return false;
}

bool AnyOf(const std::vector<std::string>& wanted, const std::string& v) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), v) != wanted.end();
}

}  // namespace

bool EventMatches(const ActivityEvent& e, const Query& q) {
  if (q.from_us && e.time_us < *q.from_us) return false;
  if (q.to_us && e.time_us >= *q.to_us) return false;
  if (!q.clients.empty() &&
      std::none_of(q.clients.begin(), q.clients.end(), [&](const IpRange& r) { return r.Contains(e.client); }))
    return false;
  if (q.host && !TextMatches(e.host, *q.host)) return false;
  if (q.url && !TextMatches(e.url, *q.url)) return false;
  if (!AnyOf(q.users, e.user) || !AnyOf(q.sites, e.site) || !AnyOf(q.agencies, e.agency) ||
      !AnyOf(q.categories, e.category) || !AnyOf(q.points, e.point) || !AnyOf(q.reasons, e.reason))
    return false;
  if (q.action && e.action != *q.action) return false;
  return true;
}

bool IndexMayMatch(const SegmentIndex& idx, const Query& q) {
  if (q.from_us && idx.max_time < *q.from_us) return false;
  if (q.to_us && idx.min_time >= *q.to_us) return false;
  if (!q.clients.empty() && std::none_of(q.clients.begin(), q.clients.end(), [&](const IpRange& r) {
        return !(r.last < idx.min_ip || idx.max_ip < r.first);
      }))
    return false;
  auto any_in = [](const std::vector<std::string>& wanted, const std::set<std::string>& have) {
    return wanted.empty() || std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return have.count(w); });
  };
  if (!any_in(q.agencies, idx.agencies) || !any_in(q.categories, idx.categories) || !any_in(q.sites, idx.sites))
    return false;
  if (q.host && q.host->match == Match::kExact && !idx.hosts.MayContain(q.host->value)) return false;
  if (!q.users.empty() &&
      std::none_of(q.users.begin(), q.users.end(), [&](const auto& u) { return idx.users.MayContain(u); }))
    return false;
  return true;
}

// Narrows `rows` (segment-wide row numbers, in time order) to those matching `q`,
// block by block: a block is skipped by its time and address ranges and, for a host
// filter, by the host postings; within a block only the columns the filters need are
// decompressed, and a filter that rejects every row stops the block.
Result<void> FilterSegment(SegmentData& seg, const Query& q, std::vector<uint32_t>& rows) {
  rows.clear();
  const auto& blocks = seg.blocks();
  std::vector<uint8_t> want(blocks.size(), 1);
  for (size_t b = 0; b < blocks.size(); ++b) {
    const auto& bl = blocks[b];
    if ((q.from_us && bl.max_time < *q.from_us) || (q.to_us && bl.min_time >= *q.to_us)) want[b] = 0;
    if (!q.clients.empty() && std::none_of(q.clients.begin(), q.clients.end(), [&bl](const IpRange& r) {
          return !(r.last < bl.min_ip || bl.max_ip < r.first);
        }))
      want[b] = 0;
  }
  if (std::none_of(want.begin(), want.end(), [](uint8_t w) { return w != 0; })) return Ok();

  // Dictionary filters: which ids pass, decided once per distinct value.
  struct DictFilter {
    int col;
    std::vector<uint8_t> ok;
  };
  std::vector<DictFilter> filters;
  bool none = false;
  // A filter no id passes empties the segment; one that passes every id need not run.
  auto keep_filter = [&](DictFilter f, size_t passing) {
    if (passing == 0) none = true;
    if (passing < f.ok.size()) filters.push_back(std::move(f));
  };
  auto add_filter = [&](int col, auto accepts) -> Result<void> {
    if (none) return Ok();
    ESAFE_TRY(seg.LoadDict(col));
    const auto& dict = seg.dict(col);
    DictFilter f{col, std::vector<uint8_t>(dict.size())};
    size_t passing = 0;
    for (size_t i = 0; i < dict.size(); ++i) passing += (f.ok[i] = accepts(dict[i]) ? 1 : 0);
    keep_filter(std::move(f), passing);
    return Ok();
  };
  // An exact or prefix match on a sorted dictionary is an id range found by binary
  // search, without decompressing the dictionary: for one host, the segment's tens of
  // thousands of hosts were a fifth of a 90-day search.
  auto add_range_filter = [&](int col, const std::vector<std::pair<std::string_view, bool>>& keys) -> Result<void> {
    if (none) return Ok();
    DictFilter f{col, std::vector<uint8_t>(seg.dict_size(col))};
    size_t passing = 0;
    for (const auto& [key, prefix] : keys) {
      auto range = seg.DictRange(col, key, prefix);
      if (!range) return range.error();
      for (uint32_t id = range->first; id < range->second; ++id) passing += f.ok[id] ? 0 : (f.ok[id] = 1);
    }
    keep_filter(std::move(f), passing);
    return Ok();
  };
  if (q.host && q.host->match != Match::kSubstring && seg.dict_sorted(kColHost)) {
    ESAFE_TRY(add_range_filter(kColHost, {{q.host->value, q.host->match == Match::kPrefix}}));
  } else if (q.host) {
    ESAFE_TRY(add_filter(kColHost, [&](std::string_view v) { return TextMatches(v, *q.host); }));
  }
  if (q.host) {
    if (!none && !filters.empty() && filters.back().col == kColHost) {
      std::vector<uint8_t> host_blocks;
      ESAFE_TRY(seg.HostBlocks(filters.back().ok, host_blocks));
      for (size_t b = 0; b < blocks.size(); ++b) want[b] &= host_blocks[b];
    }
  }
  auto any_of = [](const std::vector<std::string>& wanted) {
    return [&wanted](std::string_view v) { return std::find(wanted.begin(), wanted.end(), v) != wanted.end(); };
  };
  if (!q.users.empty() && seg.dict_sorted(kColUser)) {
    std::vector<std::pair<std::string_view, bool>> keys;
    for (const auto& u : q.users) keys.emplace_back(u, false);
    ESAFE_TRY(add_range_filter(kColUser, keys));
  } else if (!q.users.empty()) {
    ESAFE_TRY(add_filter(kColUser, any_of(q.users)));
  }
  if (!q.sites.empty()) ESAFE_TRY(add_filter(kColSite, any_of(q.sites)));
  if (!q.agencies.empty()) ESAFE_TRY(add_filter(kColAgency, any_of(q.agencies)));
  if (!q.categories.empty()) ESAFE_TRY(add_filter(kColCategory, any_of(q.categories)));
  if (!q.points.empty()) ESAFE_TRY(add_filter(kColPoint, any_of(q.points)));
  if (!q.reasons.empty()) ESAFE_TRY(add_filter(kColReason, any_of(q.reasons)));
  if (none) return Ok();

  for (size_t b = 0; b < blocks.size(); ++b) {
    if (!want[b]) continue;
    const auto& bl = blocks[b];
    const size_t from = rows.size();
    uint32_t lo = static_cast<uint32_t>(bl.first_row), hi = lo + bl.rows;
    const bool inside = (!q.from_us || bl.min_time >= *q.from_us) && (!q.to_us || bl.max_time < *q.to_us);
    if (!inside) {
      ESAFE_TRY(seg.LoadBlock(b, kColTime));
      while (lo < hi && q.from_us && seg.time(lo) < *q.from_us) ++lo;
      while (hi > lo && q.to_us && seg.time(hi - 1) >= *q.to_us) --hi;
    }
    for (uint32_t r = lo; r < hi; ++r) rows.push_back(r);
    auto keep = [&rows, from](auto pred) {
      rows.erase(std::remove_if(rows.begin() + static_cast<ptrdiff_t>(from), rows.end(),
                                [&](uint32_t r) { return !pred(r); }),
                 rows.end());
    };
    for (const auto& f : filters) {
      if (rows.size() == from) break;
      ESAFE_TRY(seg.LoadBlock(b, f.col));
      keep([&](uint32_t r) { return f.ok[seg.id(f.col, r)] != 0; });
    }
    if (rows.size() > from && !q.clients.empty()) {
      ESAFE_TRY(seg.LoadBlock(b, kColClient));
      keep([&](uint32_t r) {
        return std::any_of(q.clients.begin(), q.clients.end(),
                           [&](const IpRange& x) { return x.Contains(seg.client(r)); });
      });
    }
    if (rows.size() > from && q.action) {
      ESAFE_TRY(seg.LoadBlock(b, kColAction));
      keep([&](uint32_t r) { return seg.action(r) == *q.action; });
    }
    if (rows.size() > from && q.url) {
      ESAFE_TRY(seg.LoadBlock(b, kColUrl));
      keep([&](uint32_t r) { return TextMatches(seg.url(r), *q.url); });
    }
  }
  return Ok();
}

}  // namespace esafe::activity::internal
