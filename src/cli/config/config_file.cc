#include "cli/config/config_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace esafe::cli::config {
namespace {

// The name of the do-nothing validator that marks a path option: CLI11 keeps validators
// on the option, so the mark travels with it and needs no list beside the commands.
constexpr const char* kPathMark = "esafe-path";

std::string Where(const ConfigFile& file, const YAML::Mark& mark) {
  return mark.is_null() ? file.path.string() : fmt::format("{}:{}", file.path.string(), mark.line + 1);
}

// The option a key names: a long name without "--", or a positional's name.
CLI::Option* OptionForKey(CLI::App& command, const std::string& key) {
  for (CLI::Option* option : command.get_options()) {
    if (option == command.get_help_ptr() || option == command.get_help_all_ptr() || !option->get_configurable()) continue;
    const auto& names = option->get_lnames();
    if (std::find(names.begin(), names.end(), key) != names.end()) return option;
    if (!option->nonpositional() && option->get_name() == key) return option;
  }
  return nullptr;
}

// The key of an option in the file (nullopt for help and unnamed ones).
std::optional<std::string> KeyOf(CLI::App& command, CLI::Option& option) {
  if (&option == command.get_help_ptr() || &option == command.get_help_all_ptr() || !option.get_configurable())
    return std::nullopt;
  if (!option.get_lnames().empty()) return option.get_lnames().front();
  if (!option.nonpositional()) return option.get_name();
  return std::nullopt;
}

CLI::App* CommandAt(CLI::App& app, const std::vector<std::string>& path) {
  CLI::App* command = &app;
  for (const auto& name : path) {
    auto found = command->get_subcommands([&](CLI::App* sub) { return sub->get_name() == name; });
    if (found.empty()) return nullptr;
    command = found.front();
  }
  return command;
}

bool IsFlag(const CLI::Option& option) { return option.get_expected_min() == 0; }
bool IsRepeatable(const CLI::Option& option) { return option.get_items_expected_max() > 1; }

// Why `value` cannot be the option's type ("" when it can).
std::string TypeProblem(const CLI::Option& option, const std::string& value) {
  // The type's name, without the validators' descriptions CLI11 adds after it.
  std::string type = option.get_type_name();
  type = type.substr(0, type.find_first_of(": "));
  const char* end = value.data() + value.size();
  if (type == "INT") {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), end, n);
    if (ec != std::errc() || p != end) return "expected a whole number, got '" + value + "'";
  } else if (type == "UINT") {
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), end, n);
    if (ec != std::errc() || p != end) return "expected a whole number of 0 or more, got '" + value + "'";
  } else if (type == "FLOAT") {
    double n = 0;
    auto [p, ec] = std::from_chars(value.data(), end, n);
    if (ec != std::errc() || p != end) return "expected a number, got '" + value + "'";
  }
  return {};
}

// The option's own validators on `value` (a copy: some transform); "" when all accept it.
std::string ValidatorProblem(CLI::Option& option, const std::string& value) {
  for (int i = 0;; ++i) {
    CLI::Validator* validator = nullptr;
    try {
      validator = option.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    std::string copy = value;
    std::string problem;
    try {
      problem = (*validator)(copy);
    } catch (const CLI::Error& e) {
      problem = e.what();
    }
    if (!problem.empty()) return problem;
  }
}

// The option key nearest to a misspelt `key` (at most two edits away), or "".
std::string NearestKey(CLI::App& command, const std::string& key) {
  std::string best;
  size_t best_distance = 3;
  for (CLI::Option* option : command.get_options()) {
    auto candidate = KeyOf(command, *option);
    if (!candidate) continue;
    // Levenshtein distance, one row at a time.
    std::vector<size_t> row(candidate->size() + 1);
    for (size_t j = 0; j < row.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= key.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j < row.size(); ++j) {
        const size_t above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (key[i - 1] == (*candidate)[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    if (row.back() < best_distance) {
      best_distance = row.back();
      best = *candidate;
    }
  }
  return best;
}

bool IsSecretKey(std::string_view key) {
  for (std::string_view word : {"password", "secret", "token"}) {
    if (key.find(word) != std::string_view::npos) return true;
  }
  return false;
}

// A value as YAML: a list for a repeatable option's several values.
void EmitValue(YAML::Emitter& out, const std::vector<std::string>& values, bool list) {
  if (!list) {
    out << (values.empty() ? std::string() : values.front());
    return;
  }
  out << YAML::Flow << YAML::BeginSeq;
  for (const auto& v : values) out << v;
  out << YAML::EndSeq;
}

}  // namespace

const CLI::Validator& PathValue() {
  static const CLI::Validator mark([](std::string&) { return std::string(); }, "", kPathMark);
  return mark;
}

bool IsPathOption(CLI::Option& option) {
  try {
    return option.get_validator(kPathMark) != nullptr;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

std::string ResolvePath(std::string_view value, const std::filesystem::path& base) {
  if (value.empty() || value == "-" || value.find("://") != std::string_view::npos) return std::string(value);
  for (std::string_view scheme : {"sqlite:", "unix:"}) {
    if (value.starts_with(scheme)) return std::string(scheme) + ResolvePath(value.substr(scheme.size()), base);
  }
  std::filesystem::path path(value);
  if (path.is_absolute()) return path.string();
  return (base / path).lexically_normal().string();
}

std::optional<std::string> ConfigFile::SectionText(std::string_view name) const {
  if (!root.IsMap()) return std::nullopt;
  const YAML::Node section = root[std::string(name)];
  if (!section) return std::nullopt;
  const YAML::Mark start = section.Mark();
  if (start.is_null() || start.pos < 0 || static_cast<size_t>(start.pos) > text.size()) return std::nullopt;
  // The section runs to the next top-level key after it (keys are kept in file order,
  // but the nearest is taken so that the order does not matter).
  size_t end = text.size();
  for (const auto& kv : root) {
    const YAML::Mark key = kv.first.Mark();
    if (key.pos > start.pos && static_cast<size_t>(key.pos) < end) end = static_cast<size_t>(key.pos);
  }
  return std::string(static_cast<size_t>(start.line), '\n') + std::string(static_cast<size_t>(start.column), ' ') +
         text.substr(static_cast<size_t>(start.pos), end - static_cast<size_t>(start.pos));
}

Result<ConfigFile> Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound(fmt::format("{}: cannot read the configuration file", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  ConfigFile file;
  file.path = path;
  file.dir = std::filesystem::absolute(path).lexically_normal().parent_path();
  file.text = text.str();
  try {
    file.root = YAML::Load(file.text);
  } catch (const YAML::Exception& e) {
    return Error::Invalid(fmt::format("{}: {}", Where(file, e.mark), e.msg));
  }
  if (!file.root.IsNull() && !file.root.IsMap()) {
    return Error::Invalid(fmt::format("{}: the configuration must be a mapping of sections", Where(file, file.root.Mark())));
  }
  return file;
}

Result<std::optional<std::filesystem::path>> DataDirOf(const ConfigFile& file) {
  if (!file.root.IsMap()) return std::optional<std::filesystem::path>();
  const YAML::Node node = file.root["data-dir"];
  if (!node) return std::optional<std::filesystem::path>();
  if (!node.IsScalar() || node.Scalar().empty()) {
    return Error::Invalid(fmt::format("{}: data-dir: expected a directory", Where(file, node.Mark())));
  }
  return std::optional<std::filesystem::path>(ResolvePath(node.Scalar(), file.dir));
}

Result<std::vector<CLI::ConfigItem>> CheckedItems(const ConfigFile& file, CLI::App& app,
                                                  std::span<const CommandSection> sections,
                                                  std::span<const std::string> other_sections) {
  std::vector<std::string> problems;
  std::vector<CLI::ConfigItem> items;
  auto fail = [&](const YAML::Mark& mark, const std::string& reason) {
    problems.push_back(fmt::format("{}: {}", Where(file, mark), reason));
  };
  if (!file.root.IsMap()) return items;
  for (const auto& top : file.root) {
    const std::string name = top.first.Scalar();
    if (name == "data-dir") {
      if (auto dir = DataDirOf(file); !dir.ok()) problems.push_back(dir.error().message);
      continue;
    }
    if (std::find(other_sections.begin(), other_sections.end(), name) != other_sections.end()) continue;
    auto section = std::find_if(sections.begin(), sections.end(), [&](const auto& s) { return s.name == name; });
    if (section == sections.end()) {
      std::vector<std::string> known{"data-dir"};
      for (const auto& s : sections) known.push_back(s.name);
      known.insert(known.end(), other_sections.begin(), other_sections.end());
      fail(top.first.Mark(), fmt::format("unknown section '{}' (expected one of: {})", name, fmt::join(known, ", ")));
      continue;
    }
    CLI::App* command = CommandAt(app, section->command);
    if (command == nullptr) {
      fail(top.first.Mark(), fmt::format("section '{}' has no command in this build", name));
      continue;
    }
    if (top.second.IsNull()) continue;
    if (!top.second.IsMap()) {
      fail(top.second.Mark(), fmt::format("{}: expected a mapping of options", name));
      continue;
    }
    for (const auto& kv : top.second) {
      const std::string key = kv.first.Scalar();
      const std::string what = name + "." + key;
      CLI::Option* option = OptionForKey(*command, key);
      if (option == nullptr) {
        const std::string nearest = NearestKey(*command, key);
        fail(kv.first.Mark(), fmt::format("unknown key '{}' in section '{}' ({})", key, name,
                                          nearest.empty() ? fmt::format("esafe {} --help lists them",
                                                                        fmt::join(section->command, " "))
                                                          : "did you mean '" + nearest + "'?"));
        continue;
      }
      const YAML::Node& value = kv.second;
      std::vector<std::pair<std::string, YAML::Mark>> values;
      if (value.IsScalar()) {
        values.emplace_back(value.Scalar(), value.Mark());
      } else if (value.IsSequence()) {
        if (!IsRepeatable(*option)) {
          fail(value.Mark(), fmt::format("{}: expected one value, not a list", what));
          continue;
        }
        bool ok = true;
        for (const auto& element : value) {
          if (!element.IsScalar()) {
            fail(element.Mark(), fmt::format("{}: list items must be single values", what));
            ok = false;
            break;
          }
          values.emplace_back(element.Scalar(), element.Mark());
        }
        if (!ok) continue;
      } else if (value.IsMap()) {
        fail(value.Mark(), fmt::format("{}: expected a value, not a mapping", what));
        continue;
      } else {
        fail(kv.first.Mark(), fmt::format("{}: has no value", what));
        continue;
      }
      if (IsFlag(*option)) {
        if (values.size() != 1 || (values[0].first != "true" && values[0].first != "false")) {
          fail(value.Mark(), fmt::format("{}: expected true or false", what));
          continue;
        }
        items.push_back({section->command, key, {values[0].first}});
        continue;
      }
      CLI::ConfigItem item{section->command, key, {}};
      const bool path = IsPathOption(*option);
      bool ok = true;
      for (auto& [text, mark] : values) {
        std::string resolved = path ? ResolvePath(text, file.dir) : text;
        std::string problem = TypeProblem(*option, resolved);
        if (problem.empty()) problem = ValidatorProblem(*option, resolved);
        if (!problem.empty()) {
          // A value is echoed in the reason only when it is not a secret.
          fail(mark, fmt::format("{}: {}", what, IsSecretKey(key) ? "not accepted" : problem));
          ok = false;
          continue;
        }
        item.inputs.push_back(std::move(resolved));
      }
      if (ok) items.push_back(std::move(item));
    }
  }
  if (!problems.empty()) return Error::Invalid(fmt::format("{}", fmt::join(problems, "\n")));
  return items;
}

std::string MaskSecret(std::string_view key, std::string_view value) {
  if (value.empty()) return std::string(value);
  if (IsSecretKey(key) && !key.ends_with("-file") && !key.ends_with("_file") && !key.ends_with("tokens")) {
    return "********";
  }
  // scheme://user:password@host…: the password goes, the rest stays readable.
  const size_t scheme = value.find("://");
  if (scheme == std::string_view::npos) return std::string(value);
  const size_t authority = scheme + 3;
  const size_t at = value.find('@', authority);
  const size_t slash = value.find('/', authority);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) return std::string(value);
  const size_t colon = value.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(value);
  return std::string(value.substr(0, colon + 1)) + "********" + std::string(value.substr(at));
}

std::vector<EffectiveValue> EffectiveValues(const ConfigFile* file, CLI::App& app, const CommandSection& section) {
  std::vector<EffectiveValue> effective;
  CLI::App* command = CommandAt(app, section.command);
  if (command == nullptr) return effective;
  const YAML::Node none;
  const YAML::Node& root = file != nullptr && file->root.IsMap() ? file->root : none;
  const YAML::Node given = root.IsMap() && root[section.name] ? root[section.name] : none;
  for (CLI::Option* option : command->get_options()) {
    auto key = KeyOf(*command, *option);
    if (!key) continue;
    EffectiveValue v{.key = *key, .repeatable = IsRepeatable(*option)};
    if (given.IsMap() && given[*key]) {
      v.from_file = true;
      const YAML::Node node = given[*key];
      if (node.IsSequence()) {
        for (const auto& element : node) v.values.push_back(element.Scalar());
      } else {
        v.values.push_back(node.Scalar());
      }
      if (IsPathOption(*option)) {
        for (auto& value : v.values) value = ResolvePath(value, file->dir);
      }
    } else if (IsFlag(*option)) {
      v.values.push_back("false");
    } else if (!option->get_default_str().empty()) {
      v.values.push_back(option->get_default_str());
    }
    effective.push_back(std::move(v));
  }
  return effective;
}

std::string EffectiveSettings(const ConfigFile* file, CLI::App& app, std::span<const CommandSection> sections) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& section : sections) {
    if (CommandAt(app, section.command) == nullptr) continue;
    out << YAML::Key << section.name << YAML::Value << YAML::BeginMap;
    for (auto& v : EffectiveValues(file, app, section)) {
      for (auto& value : v.values) value = MaskSecret(v.key, value);
      out << YAML::Key << v.key << YAML::Value;
      EmitValue(out, v.values, v.repeatable && v.from_file);
      if (!v.from_file) out << YAML::Comment("default");
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

GlobalArgs ScanGlobalArgs(std::span<const std::string> args) {
  GlobalArgs global;
  size_t i = 0;
  // Global options come before the subcommand.
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") return global;
    std::optional<std::string>* target = nullptr;
    std::string_view name;
    if (arg.starts_with("--config")) {
      target = &global.config;
      name = "--config";
    } else if (arg.starts_with("--data-dir")) {
      target = &global.data_dir;
      name = "--data-dir";
    }
    if (target != nullptr && arg == name) {
      if (i + 1 < args.size()) *target = args[++i];
      continue;
    }
    if (target != nullptr && arg.size() > name.size() && arg[name.size()] == '=') {
      *target = arg.substr(name.size() + 1);
      continue;
    }
    if (!arg.starts_with("-")) break;
  }
  if (i < args.size()) global.command = args[i];
  if (i + 2 < args.size() && args[i] == "config" && args[i + 1] == "check" && !args[i + 2].starts_with("-")) {
    global.check_file = args[i + 2];
  }
  return global;
}

FileChoice ChooseFile(const GlobalArgs& args, const char* env_config) {
  if (args.check_file) return {*args.check_file, true};
  std::optional<std::string> named = args.config;
  if (!named && env_config != nullptr && *env_config) named = env_config;
  if (named == kNoConfigFile) return {{}, false};
  if (named) return {*named, true};
  return {kDefaultConfigFile, false};
}

}  // namespace esafe::cli::config
