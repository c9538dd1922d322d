// esafe.yaml in force (cli/config/config_file.h) and `esafe config check [FILE]`:
//
//   esafe [--config FILE] [--data-dir DIR] COMMAND …
//     FILE: --config, else $ESAFE_CONFIG, else /etc/esafe/esafe.yaml when it exists.
//   esafe config check [FILE]
//     Checks the file (default: the one --config would use) and prints the effective
//     settings of every section, secrets masked; exit 0, or 2 with FILE:LINE: reason.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/config/config_file.h"
#include "core/data_dir.h"
#include "monitoring/monitoring.h"

namespace esafe::cli {
namespace {

// The sections whose keys are a command's options.
const std::vector<config::CommandSection>& CommandSections() {
  static const std::vector<config::CommandSection> sections{
      {"serve", {"serve"}}, {"icap", {"icap"}}, {"squid-helper", {"squid-helper"}}, {"log-ingest", {"log", "ingest"}}};
  return sections;
}

// The sections with parsers of their own: the --smtp file's keys and the --monitor-rules file's.
const std::vector<std::string>& OtherSections() {
  static const std::vector<std::string> sections{"smtp", "monitoring"};
  return sections;
}

struct InForce {
  std::optional<config::ConfigFile> file;
  config::FileChoice choice;
  std::optional<monitoring::SmtpSettings> smtp;
  std::optional<monitoring::RuleSettings> rules;
  // `esafe doctor` reports a wrong file as one of its checks instead of exiting 2.
  bool keep_going = false;
  std::vector<std::string> problems;  // FILE:LINE: reason, when keep_going
};

// Under `esafe doctor`, remembers `text` (one problem a line) and carries on; otherwise
// prints it and answers false (esafe exits 2).
bool Refuse(InForce& state, const std::string& text) {
  if (!state.keep_going) {
    std::cerr << text;
    return false;
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) state.problems.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return true;
}

InForce& State() {
  static InForce state;
  return state;
}

// Parses the inline sections with the parsers of the files they stand for; the padded
// text keeps the file's line numbers, and names the file, so that relative paths in them
// (password_file, ca_file) resolve beside it.
// Returns every problem, one a line ("" when both parse).
std::string ParseInlineSections(InForce& state) {
  const auto& file = *state.file;
  const std::string name = (file.dir / file.path.filename()).string();
  std::string problems;
  if (auto text = file.SectionText("smtp")) {
    auto parsed = monitoring::ParseSmtpSettings(*text, name);
    if (parsed.ok()) {
      state.smtp = std::move(*parsed);
    } else {
      problems += parsed.error().message + "\n";
    }
  }
  if (auto text = file.SectionText("monitoring")) {
    auto parsed = monitoring::ParseRuleSettings(*text, name);
    if (parsed.ok()) {
      state.rules = std::move(*parsed);
    } else {
      problems += parsed.error().message + "\n";
    }
  }
  return problems;
}

}  // namespace

bool LoadConfiguration(std::span<const std::string> args) {
  auto& state = State();
  const auto global = config::ScanGlobalArgs(args);
  state.choice = config::ChooseFile(global, std::getenv("ESAFE_CONFIG"));
  state.keep_going = global.command == "doctor";
  std::error_code ec;
  if (!state.choice.path.empty() && (state.choice.required || std::filesystem::exists(state.choice.path, ec))) {
    auto loaded = config::Load(state.choice.path);
    if (!loaded.ok()) return Refuse(state, "esafe: " + loaded.error().message + "\n");
    state.file = std::move(*loaded);
  }
  std::optional<std::filesystem::path> data_dir;
  if (global.data_dir) data_dir = *global.data_dir;
  if (!data_dir && state.file) {
    auto from_file = config::DataDirOf(*state.file);
    if (!from_file.ok()) return Refuse(state, "esafe: " + from_file.error().message + "\n");
    data_dir = *from_file;
  }
  if (data_dir) core::SetDataDir(*data_dir);
  return true;
}

bool ApplyConfiguration(CLI::App& app) {
  auto& state = State();
  app.add_option("--data-dir", "Where the shipped data is (profiles, term libraries); default: $ESAFE_DATA_DIR, "
                               "else ../share/esafe beside the binary, else the source tree's data/")
      ->default_str(core::DataDir().string());
  // CLI11 reads the file named here (or by --config) through CheckedConfig.
  app.set_config("--config", state.file ? state.file->path.string() : "",
                                "Configuration file (default: $ESAFE_CONFIG, else " +
                                    std::string(config::kDefaultConfigFile) + " when it exists)");
  // Under doctor CLI11 must not read a refused file itself (its own formatter is not YAML's).
  if (state.keep_going) app.config_formatter(std::make_shared<config::CheckedConfig>(std::vector<CLI::ConfigItem>{}));
  if (!state.file) return true;
  auto items = config::CheckedItems(*state.file, app, CommandSections(), OtherSections());
  std::string problems = items.ok() ? "" : items.error().message + "\n";
  problems += ParseInlineSections(state);
  if (!problems.empty()) return Refuse(state, problems);
  app.config_formatter(std::make_shared<config::CheckedConfig>(std::move(*items)));
  return true;
}

const config::ConfigFile* ConfigurationFile() { return State().file ? &*State().file : nullptr; }
std::optional<monitoring::SmtpSettings> InlineSmtpSettings() { return State().smtp; }
std::vector<std::string> ConfigurationProblems() { return State().problems; }
std::string ConfigurationPath() {
  const auto& state = State();
  if (state.file) return state.file->path.string();
  return state.problems.empty() ? std::string() : state.choice.path.string();
}
std::vector<config::EffectiveValue> EffectiveSectionSettings(CLI::App& app, std::string_view section) {
  for (const auto& s : CommandSections()) {
    if (s.name == section) return config::EffectiveValues(ConfigurationFile(), app, s);
  }
  return {};
}
std::optional<monitoring::RuleSettings> InlineRuleSettings() { return State().rules; }

void RegisterConfigCommands(CLI::App& app) {
  auto* group = app.add_subcommand("config", "The configuration file");
  group->require_subcommand(1);
  static std::string file_argument;
  auto* check = group->add_subcommand(
      "check", "Check a configuration file and print the effective settings (secrets masked); exit 2 when it is wrong");
  check->add_option("file", file_argument, "The file (default: the one --config would use)");
  check->callback([&app] {
    // main() has read and checked the file already (a problem exits 2 before this).
    const auto& state = State();
    if (state.file) {
      std::cout << "# " << state.file->path.string() << ": OK\n";
    } else if (state.choice.path.empty()) {
      std::cout << "# no configuration file (" << config::kNoConfigFile << " was chosen): the defaults\n";
    } else {
      std::cout << "# no configuration file at " << state.choice.path.string() << ": the defaults\n";
    }
    std::cout << "data-dir: " << core::DataDir().string() << "\n";
    std::cout << config::EffectiveSettings(ConfigurationFile(), app, CommandSections());
    if (state.smtp) {
      const auto& s = *state.smtp;
      std::cout << "smtp:\n  host: " << s.host << "\n  port: " << s.port << "\n  from: " << s.from
                << "\n  helo: " << s.helo << "\n  timeout_ms: " << s.timeout.count()
                << "\n  immediate_from: " << monitoring::SeverityName(s.immediate_from)
                << "\n  starttls: " << (s.starttls ? "true" : "false");
      if (!s.alert_url_base.empty()) std::cout << "\n  alert_url_base: " << s.alert_url_base;
      if (!s.ca_file.empty()) std::cout << "\n  ca_file: " << s.ca_file;
      if (!s.username.empty()) std::cout << "\n  username: " << s.username;
      if (!s.password.empty()) std::cout << "\n  password: ********";
      std::cout << "\n";
    }
    if (state.rules) {
      // The rule settings have many keys with defaults of their own: the ones given are echoed.
      std::cout << "monitoring:";
      for (const auto& kv : state.file->root["monitoring"]) {
        YAML::Emitter value;
        value << YAML::Flow << kv.second;
        std::cout << "\n  " << kv.first.Scalar() << ": " << config::MaskSecret(kv.first.Scalar(), value.c_str());
      }
      std::cout << "\n";
    }
  });
}

}  // namespace esafe::cli
