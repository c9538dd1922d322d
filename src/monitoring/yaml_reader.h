// YamlReader: reads a small YAML configuration file and collects every problem as
// "FILE:LINE: reason", so that a person fixing a broken file sees all of it at once.
// Used by the term-library, rules and SMTP settings loaders. Internal to monitoring.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace esafe::monitoring::internal {

class YamlReader {
 public:
  explicit YamlReader(std::string_view file) : file_(file) {}

  // Parses `text` into a map root; records a problem and returns nullopt otherwise.
  std::optional<YAML::Node> ParseMap(std::string_view text, std::string_view what);

  void Fail(const YAML::Mark& mark, std::string reason);
  // Records a problem for every key of `map` not in `allowed`.
  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed, std::string_view where);

  // The scalar at `key` as text (nullopt when absent, or a problem when not a scalar,
  // not valid UTF-8, holding control characters or longer than `max_length`).
  std::optional<std::string> Text(const YAML::Node& map, std::string_view key, bool required, size_t max_length);
  // The scalar at `key` as an integer in [min, max].
  std::optional<int64_t> Integer(const YAML::Node& map, std::string_view key, bool required, int64_t min, int64_t max);
  std::optional<double> Number(const YAML::Node& map, std::string_view key, double min, double max);
  std::optional<bool> Boolean(const YAML::Node& map, std::string_view key);
  // A list of text scalars at `key`.
  std::optional<std::vector<std::string>> TextList(const YAML::Node& map, std::string_view key, size_t max_items,
                                                   size_t max_length);

  bool ok() const { return problems_.empty(); }
  // Invalid("FILE:LINE: reason\n…"), for when !ok().
  Error ToError() const;

 private:
  std::string file_;
  std::vector<std::string> problems_;
};

// Line (1-based) of a node, 0 when unknown.
inline int LineOf(const YAML::Node& node) {
  auto mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

}  // namespace esafe::monitoring::internal
