// Matching search words against every term library at once with Hyperscan.
//
// Why generated patterns rather than a normalised dictionary lookup: children (and
// people who groom them) misspell, space out and disguise words — "s u i c i d e",
// "k1ll mys3lf", "sooo depressed", "killmyself". Each term becomes one regular
// expression that tolerates exactly those disguises (see TermPattern in monitoring.h),
// and long words additionally tolerate one slip (a letter left out, two swapped) through
// generated misspellings. All expressions go into one database, so the cost of a scan
// does not grow with the number of terms. (Hyperscan's own approximate matching was
// tried first: compiling the shipped libraries with it took 48 s, so the common slips
// are generated as extra expressions instead, which compile in well under a second.)
#include <hs/hs.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {

struct TermMatcher::Database {
  hs_database_t* db = nullptr;
};

namespace {

// The characters commonly typed for a letter ("leetspeak"); listed inside a
// character class, where none of them is special.
std::string_view StandIns(char c) {
  switch (c) {
    case 'a': return "a4@";
    case 'b': return "b8";
    case 'e': return "e3";
    case 'g': return "g9";
    case 'i': return "i1!|";
    case 'l': return "l1|";
    case 'o': return "o0";
    case 's': return "s5$";
    case 't': return "t7+";
    case 'z': return "z2";
    default: return {};
  }
}

constexpr const char* kWordStart = "(?:^|[^a-z0-9])";
constexpr const char* kWordEnd = "(?:[^a-z0-9]|$)";
constexpr const char* kBetweenWords = "[ ._'-]*";

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The common one-slip misspellings of a one-word term, one slip per form:
// a letter left out ("thinspration") or two neighbouring letters swapped
// ("thinspiraiton"). The first letter is kept: people rarely get it wrong, and
// keeping it stops short words from turning into others.
std::vector<std::string> Misspellings(const std::string& text) {
  std::vector<std::string> out;
  // Phrases are left exact: every slip of every word of every phrase multiplied the
  // patterns by thirty and the compile time by as much (8 s for the shipped libraries).
  if (text.find_first_of(" -'") != std::string::npos) return out;
  for (size_t start = 0; start < text.size();) {
    size_t end = start;
    while (end < text.size() && IsLetter(text[end])) ++end;
    if (end - start >= kMisspellingMinLetters) {
      for (size_t i = start + 1; i < end; ++i) out.push_back(text.substr(0, i) + text.substr(i + 1));
      for (size_t i = start + 1; i + 1 < end; ++i) {
        if (text[i] == text[i + 1]) continue;
        std::string swapped = text;
        std::swap(swapped[i], swapped[i + 1]);
        out.push_back(std::move(swapped));
      }
    }
    start = end + 1;
  }
  return out;
}

std::atomic<uint64_t> next_serial{1};

// "s u i c i d e" or "k.i.l.l": three or more single letters separated by single
// separators are joined ("suicide"), so the patterns need no gap between letters —
// gaps everywhere made the compiled database many times slower to build. Returns ""
// when the text has no such run.
std::string JoinSpacedLetters(std::string_view text) {
  auto separator = [](char c) { return c == ' ' || c == '.' || c == '-' || c == '_'; };
  std::string out;
  bool changed = false;
  size_t i = 0;
  while (i < text.size()) {
    // A run: letter (sep letter){2,}, each letter standing alone.
    size_t j = i, letters = 0;
    const bool starts = i == 0 || separator(text[i - 1]);
    while (starts && j < text.size() && !separator(text[j]) && (j + 1 == text.size() || separator(text[j + 1]))) {
      ++letters;
      if (j + 2 < text.size() && separator(text[j + 1]) && !separator(text[j + 2])) {
        j += 2;
      } else {
        ++j;
        break;
      }
    }
    if (letters >= 3) {
      for (size_t k = i; k < j; ++k) {
        if (!separator(text[k])) out += text[k];
      }
      changed = true;
      i = j;
      continue;
    }
    out += text[i++];
  }
  return changed ? out : std::string();
}

}  // namespace

std::string TermPattern(std::string_view text, bool prefix) {
  std::string out = kWordStart;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == ' ' || c == '-') {
      out += kBetweenWords;
      ++i;
      continue;
    }
    if (c == '\'') {
      out += "'?";
      ++i;
      continue;
    }
    size_t run = 1;
    while (i + run < text.size() && text[i + run] == c) ++run;
    auto alt = StandIns(c);
    out += alt.empty() ? std::string(1, c) : "[" + std::string(alt) + "]";
    out += '+';
    i += run;
  }
  if (!prefix) out += kWordEnd;
  return out;
}

Result<std::shared_ptr<const TermMatcher>> TermMatcher::Build(std::vector<TermLibrary> libraries) {
  std::shared_ptr<TermMatcher> m(new TermMatcher());
  m->libraries_ = std::move(libraries);
  m->serial_ = next_serial++;

  std::vector<std::string> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (uint32_t l = 0; l < m->libraries_.size(); ++l) {
    const auto& lib = m->libraries_[l];
    for (uint32_t t = 0; t < lib.terms.size(); ++t) {
      const auto& term = lib.terms[t];
      std::vector<std::string> spellings = {term.text};
      spellings.insert(spellings.end(), term.variants.begin(), term.variants.end());
      std::set<std::string> forms;
      for (const auto& s : spellings) {
        forms.insert(s);
        for (auto& typo : Misspellings(s)) forms.insert(std::move(typo));
      }
      for (const auto& form : forms) {
        patterns.push_back(TermPattern(form, term.prefix));
        flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
        ids.push_back(static_cast<unsigned>(m->ids_.size()));
      }
      m->ids_.push_back({l, t});
    }
  }
  if (patterns.empty()) return Error::Invalid("no terms to match: every library is empty");

  std::vector<const char*> expr;
  for (const auto& p : patterns) expr.push_back(p.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(expr.data(), flags.data(), ids.data(), static_cast<unsigned>(expr.size()), HS_MODE_BLOCK,
                       nullptr, &db, &err) != HS_SUCCESS) {
    std::string message = err && err->message ? err->message : "unknown error";
    std::string where;
    if (err && err->expression >= 0 && static_cast<size_t>(err->expression) < patterns.size()) {
      const auto hit = m->ids_[ids[static_cast<size_t>(err->expression)]];
      const auto& lib = m->libraries_[hit.library];
      where = fmt::format("{}:{}: term '{}': ", lib.file, lib.terms[hit.term].line, lib.terms[hit.term].text);
    }
    if (err) hs_free_compile_error(err);
    return Error::Invalid(where + "the matcher refused it: " + message);
  }
  m->db_ = new Database{db};
  return std::shared_ptr<const TermMatcher>(std::move(m));
}

TermMatcher::~TermMatcher() {
  if (db_) {
    hs_free_database(db_->db);
    delete db_;
  }
}

MatchScratch::~MatchScratch() {
  if (scratch_) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
}

Result<std::vector<TermHit>> MatchScratch::Scan(const TermMatcher& matcher, std::string_view text) {
  std::vector<TermHit> hits;
  if (!matcher.db_ || text.empty()) return hits;
  if (fitted_serial_ != matcher.serial_) {
    auto* s = static_cast<hs_scratch_t*>(scratch_);
    if (hs_alloc_scratch(matcher.db_->db, &s) != HS_SUCCESS) return Error::Internal("cannot allocate match scratch");
    scratch_ = s;
    fitted_serial_ = matcher.serial_;
  }
  struct Context {
    const TermMatcher* matcher;
    std::vector<TermHit>* hits;
  } context{&matcher, &hits};
  auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
    auto* c = static_cast<Context*>(ctx);
    c->hits->push_back(c->matcher->ids_[id]);
    return 0;
  };
  const std::string joined = JoinSpacedLetters(text);
  for (std::string_view t : {text, std::string_view(joined)}) {
    if (t.empty()) continue;
    const auto length = static_cast<unsigned>(std::min<size_t>(t.size(), 1u << 20));
    if (hs_scan(matcher.db_->db, t.data(), length, 0, static_cast<hs_scratch_t*>(scratch_), on_match, &context) !=
        HS_SUCCESS) {
      return Error::Internal("term scan failed");
    }
  }
  std::sort(hits.begin(), hits.end(), [](const TermHit& a, const TermHit& b) {
    return a.library != b.library ? a.library < b.library : a.term < b.term;
  });
  hits.erase(std::unique(hits.begin(), hits.end(),
                         [](const TermHit& a, const TermHit& b) { return a.library == b.library && a.term == b.term; }),
             hits.end());
  return hits;
}

Result<void> TermsInForce::Reload(const std::string& dir) {
  auto libraries = LoadTermLibraries(dir);
  if (!libraries.ok()) return libraries.error();
  return Set(std::move(*libraries));
}

Result<void> TermsInForce::Set(std::vector<TermLibrary> libraries) {
  auto matcher = TermMatcher::Build(std::move(libraries));
  if (!matcher.ok()) return matcher.error();
  std::lock_guard lock(mutex_);
  current_ = std::move(*matcher);
  return Ok();
}

std::shared_ptr<const TermMatcher> TermsInForce::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace esafe::monitoring
