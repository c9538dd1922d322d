#include "monitoring/yaml_reader.h"

#include <fmt/format.h>

#include <charconv>

#include "core/text.h"

namespace esafe::monitoring::internal {
namespace {

constexpr size_t kMaxProblems = 50;

}  // namespace

std::optional<YAML::Node> YamlReader::ParseMap(std::string_view text, std::string_view what) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Fail(e.mark, e.msg);
    return std::nullopt;
  }
  if (!root.IsMap()) {
    Fail(root.Mark(), fmt::format("{} must be a map of keys and values", what));
    return std::nullopt;
  }
  return root;
}

void YamlReader::Fail(const YAML::Mark& mark, std::string reason) {
  if (problems_.size() >= kMaxProblems) return;
  problems_.push_back(fmt::format("{}:{}: {}", file_, mark.is_null() ? 0 : mark.line + 1, reason));
}

void YamlReader::CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                           std::string_view where) {
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      Fail(kv.first.Mark(), fmt::format("{}: keys must be plain words", where));
      continue;
    }
    const auto key = kv.first.Scalar();
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      Fail(kv.first.Mark(), fmt::format("{}: unknown key '{}' (expected one of: {})", where,
                                        key.substr(0, 40), list));
    }
  }
}

std::optional<std::string> YamlReader::Text(const YAML::Node& map, std::string_view key, bool required,
                                            size_t max_length) {
  const auto v = map[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) Fail(map.Mark(), fmt::format("'{}' is required", key));
    return std::nullopt;
  }
  if (!v.IsScalar()) {
    Fail(v.Mark(), fmt::format("'{}' must be text, not a list or map", key));
    return std::nullopt;
  }
  const std::string& s = v.Scalar();
  if (!text::IsValidUtf8(s)) {
    Fail(v.Mark(), fmt::format("'{}' is not valid UTF-8", key));
    return std::nullopt;
  }
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      Fail(v.Mark(), fmt::format("'{}' contains control characters", key));
      return std::nullopt;
    }
  }
  if (s.size() > max_length) {
    Fail(v.Mark(), fmt::format("'{}' is longer than {} characters", key, max_length));
    return std::nullopt;
  }
  if (required && s.empty()) {
    Fail(v.Mark(), fmt::format("'{}' must not be empty", key));
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> YamlReader::Integer(const YAML::Node& map, std::string_view key, bool required, int64_t min,
                                           int64_t max) {
  const auto v = map[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) Fail(map.Mark(), fmt::format("'{}' is required", key));
    return std::nullopt;
  }
  int64_t n = 0;
  if (!v.IsScalar()) {
    Fail(v.Mark(), fmt::format("'{}' must be a whole number", key));
    return std::nullopt;
  }
  const std::string& s = v.Scalar();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) {
    Fail(v.Mark(), fmt::format("'{}' must be a whole number", key));
    return std::nullopt;
  }
  if (n < min || n > max) {
    Fail(v.Mark(), fmt::format("'{}' must be from {} to {}", key, min, max));
    return std::nullopt;
  }
  return n;
}

std::optional<double> YamlReader::Number(const YAML::Node& map, std::string_view key, double min, double max) {
  const auto v = map[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  double d = 0;
  bool parsed = false;
  if (v.IsScalar()) {
    const std::string& s = v.Scalar();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    parsed = ec == std::errc() && end == s.data() + s.size();
  }
  if (!parsed) {
    Fail(v.Mark(), fmt::format("'{}' must be a number", key));
    return std::nullopt;
  }
  if (!(d >= min && d <= max)) {
    Fail(v.Mark(), fmt::format("'{}' must be from {} to {}", key, min, max));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> YamlReader::Boolean(const YAML::Node& map, std::string_view key) {
  const auto v = map[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  if (v.IsScalar() && (v.Scalar() == "true" || v.Scalar() == "false")) return v.Scalar() == "true";
  Fail(v.Mark(), fmt::format("'{}' must be true or false", key));
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlReader::TextList(const YAML::Node& map, std::string_view key,
                                                             size_t max_items, size_t max_length) {
  const auto v = map[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  if (!v.IsSequence()) {
    Fail(v.Mark(), fmt::format("'{}' must be a list (lines starting with '- ')", key));
    return std::nullopt;
  }
  if (v.size() > max_items) {
    Fail(v.Mark(), fmt::format("'{}' has more than {} items", key, max_items));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.IsScalar() || item.Scalar().empty() || item.Scalar().size() > max_length ||
        !text::IsValidUtf8(item.Scalar())) {
      Fail(item.Mark(), fmt::format("'{}': each item must be text of 1 to {} characters", key, max_length));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

Error YamlReader::ToError() const {
  std::string message;
  for (const auto& p : problems_) message += (message.empty() ? "" : "\n") + p;
  return Error::Invalid(message);
}

}  // namespace esafe::monitoring::internal
