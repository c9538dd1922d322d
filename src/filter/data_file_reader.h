// DataFileReader: walks the YAML tree of a filtering data file (profiles, content proxies)
// and collects every problem as FILE:LINE: reason, so that one run shows a person every
// mistake in their file. Internal to src/filter.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "filter/profile_set.h"

namespace esafe::filter::internal {

// Every check reports and carries on.
class DataFileReader {
 public:
  DataFileReader(std::string source, std::vector<ProfileProblem>& problems)
      : source_(std::move(source)), problems_(problems) {}

  void Problem(const YAML::Node& at, std::string reason) {
    const size_t line = at.Mark().line >= 0 ? static_cast<size_t>(at.Mark().line) + 1 : 0;
    problems_.push_back({source_, line, std::move(reason)});
  }
  static size_t Line(const YAML::Node& node) {
    return node.Mark().line >= 0 ? static_cast<size_t>(node.Mark().line) + 1 : 0;
  }

  // Reports keys of `map` not in `known`.
  void OnlyKeys(const YAML::Node& map, std::initializer_list<std::string_view> known, std::string_view what) {
    for (const auto& item : map) {
      const std::string key = item.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string expected;
        for (auto k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
        Problem(item.first, "unknown key '" + key + "' in " + std::string(what) + "; expected one of: " + expected);
      }
    }
  }

  std::optional<std::string> Text(const YAML::Node& map, const char* key, bool required, std::string_view what) {
    const YAML::Node node = map[key];
    if (!node) {
      if (required) Problem(map, std::string(what) + " needs '" + key + "'");
      return std::nullopt;
    }
    if (!node.IsScalar() || node.Scalar().empty()) {
      Problem(node, "'" + std::string(key) + "' must be a non-empty text value");
      return std::nullopt;
    }
    return node.Scalar();
  }

  bool Bool(const YAML::Node& map, const char* key) {
    const YAML::Node node = map[key];
    if (!node) return false;
    const std::string& v = node.Scalar();
    if (node.IsScalar() && (v == "true" || v == "yes")) return true;
    if (node.IsScalar() && (v == "false" || v == "no")) return false;
    Problem(node, "'" + std::string(key) + "' must be true or false");
    return false;
  }

  std::vector<CategoryRef> Categories(const YAML::Node& map, const char* key) {
    std::vector<CategoryRef> out;
    const YAML::Node node = map[key];
    if (!node) return out;
    if (!node.IsSequence()) {
      Problem(node, "'" + std::string(key) + "' must be a list of category names, e.g. [adult, gambling]");
      return out;
    }
    for (const auto& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        Problem(item, "a category name must be text");
        continue;
      }
      out.push_back({item.Scalar(), Line(item)});
    }
    return out;
  }

  std::vector<std::string> Strings(const YAML::Node& map, const char* key) {
    std::vector<std::string> out;
    const YAML::Node node = map[key];
    if (!node) return out;
    if (!node.IsSequence()) {
      Problem(node, "'" + std::string(key) + "' must be a list");
      return out;
    }
    for (const auto& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        Problem(item, "'" + std::string(key) + "' entries must be text");
        continue;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::optional<int64_t> Integer(const YAML::Node& map, const char* key) {
    const YAML::Node node = map[key];
    if (!node) return std::nullopt;
    try {
      return node.as<int64_t>();
    } catch (const YAML::Exception&) {
      Problem(node, "'" + std::string(key) + "' must be a whole number");
      return std::nullopt;
    }
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<ProfileProblem>& problems_;
};

}  // namespace esafe::filter::internal
