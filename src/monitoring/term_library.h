// monitoring: term libraries of risky search terms (data/monitoring/terms/*.yaml).
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "monitoring/severity.h"

namespace esafe::monitoring {

// One risky term. `text` is lower-case letters, digits, spaces, hyphens and
// apostrophes, 2 to 80 characters; spacing and case in the searched text do not
// matter (see TermMatcher for the tolerance).
struct Term {
  std::string text;
  Severity risk = Severity::kMedium;
  bool prefix = false;                   // also matches longer words ("suicid" → suicidal)
  std::vector<std::string> variants;     // extra spellings matched as the same term
  int line = 0;                          // where it was written, for messages
};

struct TermLibrary {
  std::string id;                 // "self-harm-and-suicide": a slug, unique among libraries
  int64_t version = 0;            // >= 1
  std::string title;
  std::string incident_category;  // an incidents::Categories() key, for triage
  std::string source;             // the public guidance it was written from
  std::vector<Term> terms;
  std::string file;               // where it was loaded from
};

// Parses and validates one library. Fails kInvalid with "FILE:LINE: reason" (every
// problem found, one a line) on YAML errors, unknown or missing keys, a bad slug,
// version, severity or incident category, a term with characters outside the
// allowed set, a duplicate term, or an empty library.
Result<TermLibrary> ParseTermLibrary(std::string_view yaml, std::string_view file_name);
// Loads every *.yaml in `dir` (sorted by name). Fails when any one file fails (the
// message lists each "FILE:LINE: reason"), when two files share an id, or when the
// folder holds no library.
Result<std::vector<TermLibrary>> LoadTermLibraries(const std::string& dir);

}  // namespace esafe::monitoring
