// Verify: proves the sealed log is what the chain says it is.
#include <dirent.h>

#include <algorithm>

#include "activity/internal.h"

namespace esafe::activity {

using namespace internal;

namespace {
constexpr int64_t kDayUs = 86400LL * 1000000LL;

uint64_t SeqOfSegmentName(const std::string& name) {
  if (name.size() != 16 || name.rfind("seg-", 0) != 0 || name.substr(12) != ".esl") return 0;
  uint64_t v = 0;
  for (char c : name.substr(4, 8)) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}
}  // namespace

Result<VerifyReport> Verify(const std::string& dir, const std::string& expect_head) {
  if (DIR* d = ::opendir(dir.c_str())) {
    ::closedir(d);
  } else {
    return Error::NotFound("no activity log at " + dir);
  }
  VerifyReport report;
  std::vector<std::pair<uint64_t, std::pair<std::string, std::string>>> problems;  // seq → (file, text)
  auto problem = [&](uint64_t seq, const std::string& file, const std::string& text) {
    problems.push_back({seq, {file, text}});
  };

  auto chain = ReadChain(dir);
  if (!chain) return chain.error();
  if (!chain->problem.empty()) problem(chain->problem_seq, "chain.log", chain->problem);
  ChainState state;
  std::vector<const ChainEntry*> removals;
  for (const auto& e : chain->entries) {
    auto applied = ApplyEntry(state, e);
    if (!applied) {
      problem(e.seq, "chain.log", applied.error().message);
      break;
    }
    const std::string kind = e.json.value("kind", "");
    if (kind == "delete" || kind == "rewrite") removals.push_back(&e);
    ++report.entries;
  }
  report.head_hash = state.head;

  // Each removal must have been allowed by the rule it names.
  for (const ChainEntry* e : removals) {
    const auto& j = e->json;
    bool lawful = false;
    try {
      int64_t min_days = j.at("policy").at("default_days").get<int64_t>();
      for (const auto& [a, days] : j.at("policy").at("agency_days").items())
        min_days = std::min(min_days, days.get<int64_t>());
      const int64_t at = j.at("at").get<int64_t>();
      const int64_t removed_min = j.at("kind").get<std::string>() == "delete"
                                      ? j.at("min_time").get<int64_t>()
                                      : j.at("replaced_range").at(0).get<int64_t>();
      lawful = removed_min < at - min_days * kDayUs;
    } catch (const nlohmann::json::exception&) {
      lawful = false;
    }
    if (lawful) {
      ++report.lawful_deletions;
    } else {
      problem(e->seq, "chain.log",
              "chain entry " + std::to_string(e->seq) + " removed events its retention rule does not allow");
    }
  }

  for (const auto& [seq, live] : state.live) {
    auto file = ReadFile(dir + "/" + live.file);
    if (!file) {
      problem(seq, live.file, "segment " + std::to_string(seq) + " (" + live.file +
                                  ") is missing and no retention entry removed it");
      continue;
    }
    if (Sha256Hex(*file) != live.sha256) {
      auto idx = ReadSegmentIndex(*file);
      if (idx && idx->seq != seq) {
        problem(seq, live.file, "segment " + std::to_string(seq) + " (" + live.file + ") holds segment " +
                                    std::to_string(idx->seq) + "'s content: segments reordered or swapped");
      } else {
        problem(seq, live.file, "segment " + std::to_string(seq) + " (" + live.file +
                                    ") was altered: its SHA-256 does not match the chain");
      }
      continue;
    }
    auto data = SegmentData::Parse(std::move(*file));
    Result<void> loaded = data ? data->LoadAll() : Result<void>(data.error());
    if (!loaded) {
      problem(seq, live.file, "segment " + std::to_string(seq) + " cannot be decoded: " + loaded.error().message);
      continue;
    }
    const auto& idx = data->index();
    const auto times = data->Times();
    if (idx.seq != seq || idx.count != live.events || idx.min_time != live.min_time ||
        idx.max_time != live.max_time || times.front() != idx.min_time || times.back() != idx.max_time ||
        !std::is_sorted(times.begin(), times.end())) {
      problem(seq, live.file, "segment " + std::to_string(seq) + " disagrees with its chain entry");
      continue;
    }
    ++report.segments;
    report.events += idx.count;
  }

  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* ent = ::readdir(d)) {
      const std::string name = ent->d_name;
      const uint64_t seq = SeqOfSegmentName(name);
      if (seq == 0 || state.live.count(seq) || state.removed_by.count(seq)) continue;
      problem(seq, name, "segment file " + name + " is not in the chain (inserted, or left by a crash during a " +
                             "seal; opening the store removes the latter)");
    }
    ::closedir(d);
  }

  auto wal = ReadWal(dir + "/" + WalFileName(state.max_wal_gen + 1));
  if (wal) report.wal_events = wal->events.size();

  if (!expect_head.empty() && expect_head != state.head)
    problem(state.length + 1, "chain.log",
            "the chain does not end at the expected head hash " + expect_head +
                " (entries removed from its end, or the chain rewritten)");

  std::stable_sort(problems.begin(), problems.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& p : problems) report.problems.push_back(p.second.second);
  if (!problems.empty()) {
    report.ok = false;
    report.first_bad_seq = problems.front().first;
    report.first_bad_file = problems.front().second.first;
  }
  return report;
}

}  // namespace esafe::activity
