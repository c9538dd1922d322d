// monitoring: every term compiled into one Hyperscan database, and the matcher in force.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "monitoring/search_terms.h"
#include "monitoring/term_library.h"

namespace esafe::monitoring {

struct TermHit {
  uint32_t library = 0;  // index into TermMatcher::libraries()
  uint32_t term = 0;     // index into that library's terms
};

// The Hyperscan pattern that TermMatcher compiles for `term` (exposed for tests and
// the fuzz target). Each letter becomes a class with its common digit/symbol
// stand-ins and may repeat ("sooo", "5uicide"); a run of one letter collapses to one
// ("kil" and "killl" match "kill"); words may be separated by any run of spaces, dots,
// dashes, underscores or apostrophes, or none ("killmyself"). Matches start at a word
// start and, unless `prefix`, end at a word end. Spaced-out letters ("s u i c i d e")
// are joined in the text before scanning (MatchScratch::Scan), not in the pattern.
std::string TermPattern(std::string_view text, bool prefix);

// Every term of a set of libraries, compiled. Immutable once built; Scan needs a
// scratch space per thread (MatchScratch).
class TermMatcher {
 public:
  // Compiles the libraries. Each word of at least kMisspellingMinLetters letters also
  // matches with one slip: a letter left out or two neighbouring letters swapped
  // (after the first letter). Fails kInvalid when Hyperscan refuses a pattern (naming
  // the library file, line and term).
  static Result<std::shared_ptr<const TermMatcher>> Build(std::vector<TermLibrary> libraries);
  ~TermMatcher();
  TermMatcher(const TermMatcher&) = delete;
  TermMatcher& operator=(const TermMatcher&) = delete;

  const std::vector<TermLibrary>& libraries() const { return libraries_; }
  size_t term_count() const { return ids_.size(); }

  struct Database;
 private:
  friend class MatchScratch;
  TermMatcher() = default;
  std::vector<TermLibrary> libraries_;
  std::vector<TermHit> ids_;  // Hyperscan expression id → term
  Database* db_ = nullptr;    // owns the hs_database_t
  uint64_t serial_ = 0;       // unique per built matcher, so scratch knows what it fits
};

inline constexpr size_t kMisspellingMinLetters = 7;

// Hyperscan scratch space for one thread, grown to fit whichever matcher it scans with.
class MatchScratch {
 public:
  MatchScratch() = default;
  ~MatchScratch();
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;

  // The terms found in `text` (each at most once), in library then term order.
  // Fails kInternal only when Hyperscan cannot allocate scratch space.
  Result<std::vector<TermHit>> Scan(const TermMatcher& matcher, std::string_view text);

 private:
  void* scratch_ = nullptr;  // hs_scratch_t
  uint64_t fitted_serial_ = 0;
};

// The term matcher in force, swapped whole on reload.
class TermsInForce {
 public:
  // Loads `dir` and puts it in force. On failure returns the error (FILE:LINE:
  // reason) and the matcher in force, if any, stays in force.
  Result<void> Reload(const std::string& dir);
  // Puts already-loaded libraries in force (same rule on failure).
  Result<void> Set(std::vector<TermLibrary> libraries);
  // The matcher in force; nullptr before the first successful load.
  std::shared_ptr<const TermMatcher> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const TermMatcher> current_;
};

}  // namespace esafe::monitoring
