// Term libraries: YAML the partnership owns, validated before anything is compiled
// from it, so a mistake in one file is refused with its line and never half-loaded.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "incidents/vocabulary.h"
#include "monitoring/monitoring.h"
#include "monitoring/yaml_reader.h"

namespace esafe::monitoring {
namespace {

constexpr size_t kMaxTerms = 5000;
constexpr size_t kMaxTermLength = 80;
constexpr size_t kMaxVariants = 10;
constexpr size_t kMaxFileBytes = 4 << 20;

bool ValidSlug(std::string_view s) {
  if (s.empty() || s.size() > 60 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// Terms are restricted to what the pattern generator understands, so no term can
// smuggle regular-expression syntax into the compiled database.
std::optional<std::string> TermTextProblem(std::string_view s) {
  if (s.size() < 2 || s.size() > kMaxTermLength) return fmt::format("must be 2 to {} characters", kMaxTermLength);
  int letters = 0;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      ++letters;
    } else if (c >= 'A' && c <= 'Z') {
      return std::string("must be written in lower case");
    } else if (c != ' ' && c != '-' && c != '\'') {
      return fmt::format("may hold only letters a-z, digits, spaces, hyphens and apostrophes (found '{}')",
                         c >= 0x20 && c < 0x7f ? std::string(1, c) : std::string("a non-ASCII character"));
    }
  }
  if (letters < 2) return std::string("needs at least two letters or digits");
  if (s.front() == ' ' || s.back() == ' ' || s.find("  ") != std::string_view::npos) {
    return std::string("must not start or end with a space or hold two spaces together");
  }
  return std::nullopt;
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "low";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (auto s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (SeverityName(s) == name) return s;
  }
  return std::nullopt;
}

Result<TermLibrary> ParseTermLibrary(std::string_view yaml, std::string_view file_name) {
  internal::YamlReader in(file_name);
  if (yaml.size() > kMaxFileBytes) {
    return Error::Invalid(fmt::format("{}:0: the file is larger than {} bytes", file_name, kMaxFileBytes));
  }
  auto root = in.ParseMap(yaml, "a term library");
  if (!root) return in.ToError();
  in.CheckKeys(*root, {"id", "version", "title", "incident_category", "source", "terms"}, "library");

  TermLibrary lib;
  lib.file = std::string(file_name);
  if (auto id = in.Text(*root, "id", true, 60)) {
    if (ValidSlug(*id)) {
      lib.id = *id;
    } else {
      in.Fail((*root)["id"].Mark(), "'id' must be a slug: lower-case letters, digits and hyphens");
    }
  }
  if (auto v = in.Integer(*root, "version", true, 1, 1000000000)) lib.version = *v;
  if (auto t = in.Text(*root, "title", true, 200)) lib.title = *t;
  if (auto s = in.Text(*root, "source", true, 2000)) lib.source = *s;
  if (auto c = in.Text(*root, "incident_category", true, 60)) {
    if (incidents::Contains(incidents::Categories(), *c)) {
      lib.incident_category = *c;
    } else {
      in.Fail((*root)["incident_category"].Mark(),
              fmt::format("'incident_category' '{}' is not an incident category", c->substr(0, 40)));
    }
  }

  const auto terms = (*root)["terms"];
  if (!terms.IsDefined() || terms.IsNull()) {
    in.Fail(root->Mark(), "'terms' is required");
  } else if (!terms.IsSequence()) {
    in.Fail(terms.Mark(), "'terms' must be a list (lines starting with '- ')");
  } else if (terms.size() == 0) {
    in.Fail(terms.Mark(), "'terms' must hold at least one term");
  } else if (terms.size() > kMaxTerms) {
    in.Fail(terms.Mark(), fmt::format("'terms' has more than {} terms", kMaxTerms));
  } else {
    std::set<std::string> seen;
    for (const auto& node : terms) {
      if (!node.IsMap()) {
        in.Fail(node.Mark(), "each term must be a map with 'term' and 'risk'");
        continue;
      }
      in.CheckKeys(node, {"term", "risk", "prefix", "variants"}, "term");
      Term term;
      term.line = internal::LineOf(node);
      auto text = in.Text(node, "term", true, kMaxTermLength);
      if (text) {
        if (auto problem = TermTextProblem(*text)) {
          in.Fail(node["term"].Mark(), fmt::format("term '{}' {}", text->substr(0, 40), *problem));
          text.reset();
        } else if (!seen.insert(*text).second) {
          in.Fail(node["term"].Mark(), fmt::format("term '{}' is listed twice", *text));
          text.reset();
        }
      }
      if (auto risk = in.Text(node, "risk", true, 20)) {
        if (auto s = ParseSeverity(*risk)) {
          term.risk = *s;
        } else {
          in.Fail(node["risk"].Mark(), "'risk' must be low, medium, high or critical");
        }
      }
      if (auto p = in.Boolean(node, "prefix")) term.prefix = *p;
      if (auto variants = in.TextList(node, "variants", kMaxVariants, kMaxTermLength)) {
        for (const auto& v : *variants) {
          if (auto problem = TermTextProblem(v)) {
            in.Fail(node["variants"].Mark(), fmt::format("variant '{}' {}", v.substr(0, 40), *problem));
          } else {
            term.variants.push_back(v);
          }
        }
      }
      if (text) {
        term.text = *text;
        lib.terms.push_back(std::move(term));
      }
    }
  }
  if (!in.ok()) return in.ToError();
  return lib;
}

Result<std::vector<TermLibrary>> LoadTermLibraries(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error::Invalid(fmt::format("{}:0: not a folder of term libraries", dir));
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  if (ec) return Error::Invalid(fmt::format("{}:0: cannot read the folder: {}", dir, ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) return Error::Invalid(fmt::format("{}:0: holds no term library (*.yaml)", dir));

  std::vector<TermLibrary> out;
  std::string problems;
  std::map<std::string, std::string> ids;
  for (const auto& path : files) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    if (!file.good() && !file.eof()) {
      problems += fmt::format("{}{}:0: cannot read the file", problems.empty() ? "" : "\n", path.string());
      continue;
    }
    auto lib = ParseTermLibrary(text.str(), path.string());
    if (!lib.ok()) {
      problems += (problems.empty() ? "" : "\n") + lib.error().message;
      continue;
    }
    auto [it, fresh] = ids.emplace(lib->id, path.string());
    if (!fresh) {
      problems += fmt::format("{}{}:1: library id '{}' is already used by {}", problems.empty() ? "" : "\n",
                              path.string(), lib->id, it->second);
      continue;
    }
    out.push_back(std::move(*lib));
  }
  if (!problems.empty()) return Error::Invalid(problems);
  return out;
}

}  // namespace esafe::monitoring
