// The configuration file, esafe.yaml: one file for the options of the long-running
// commands, the way PostgreSQL, Squid and Unbound administrators keep theirs. Start here.
//
//   data-dir: /usr/share/esafe          # the shipped data (core/data_dir.h)
//   serve:        {listen: 127.0.0.1:8080, db: sqlite:/var/lib/esafe/esafe.db, …}
//   icap:         {…}                   # every long option of `esafe icap`, without --
//   squid-helper: {…}
//   log-ingest:   {…}                   # `esafe log ingest`
//   smtp:         {…}                   # the keys of the --smtp file, inline
//   monitoring:   {…}                   # the keys of the --monitor-rules file, inline
//
// Nothing here names an option: a command section's keys are its CLI11 command's options,
// so an option added to a command later has a key at once. Values are checked as the
// command line's are (type, number of values, the option's validators), every problem
// reported as FILE:LINE: reason; then CLI11 is handed the values through its config
// mechanism (CheckedConfig), which gives a value only to an option the command line did
// not, so a flag always beats the file. Relative paths in the file resolve against the
// file's own directory, for the options marked with PathOption.
//
// Thread safety: none needed; all of it runs in main() before a command starts.
#pragma once

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace esafe::cli::config {

// Where esafe looks when neither --config nor $ESAFE_CONFIG names a file.
inline constexpr const char* kDefaultConfigFile = "/etc/esafe/esafe.yaml";

// Marks an option as a path (or sqlite:PATH, unix:PATH), `->check(config::PathValue())`:
// a relative value in the file is resolved against the file's directory. It accepts
// every value; CLI11 keeps it on the option, so the mark needs no list of names.
const CLI::Validator& PathValue();
bool IsPathOption(CLI::Option& option);

// `value` made absolute against `base`: a plain path, or the path of sqlite:PATH and
// unix:PATH. URLs (scheme://…), "-" and "" are returned unchanged.
std::string ResolvePath(std::string_view value, const std::filesystem::path& base);

// A section whose keys are the options (and positionals, by name) of a command, given as
// its path of subcommand names from the root: {"log-ingest", {"log", "ingest"}}.
struct CommandSection {
  std::string name;
  std::vector<std::string> command;
};

// A configuration file as read: its text and YAML tree. Never holds an error.
struct ConfigFile {
  std::filesystem::path path;  // as named (for messages)
  std::filesystem::path dir;   // absolute: what relative paths resolve against
  std::string text;
  YAML::Node root;  // a map, or null for an empty file

  // The text of top-level section `name`, padded with blank lines and spaces so that a
  // parser of its own reports the file's lines and columns; nullopt when absent.
  std::optional<std::string> SectionText(std::string_view name) const;
};

// Reads and parses `path`. NotFound when it cannot be read; Invalid("FILE:LINE: reason")
// when it is not YAML or its top level is not a mapping.
Result<ConfigFile> Load(const std::filesystem::path& path);

// The top-level `data-dir`, resolved against the file's directory; nullopt when absent.
// Invalid("FILE:LINE: …") when it is not a single value.
Result<std::optional<std::filesystem::path>> DataDirOf(const ConfigFile& file);

// Checks the whole file against the registered commands of `app`: a top-level key must
// be data-dir, a command section or one of `other_sections` (checked by their own
// parsers); a command section's keys must be options of its command, each value of the
// option's type and shape (true/false for a flag, a list only for a repeatable option)
// and accepted by its validators. Returns what CLI11 is to apply (path values resolved),
// or Invalid whose message is every problem, one "FILE:LINE: reason" a line.
Result<std::vector<CLI::ConfigItem>> CheckedItems(const ConfigFile& file, CLI::App& app,
                                                  std::span<const CommandSection> sections,
                                                  std::span<const std::string> other_sections);

// The CLI11 config formatter that hands CLI11 the items CheckedItems returned, whatever
// file CLI11 opens (it opens the same one). CLI11 applies an item to an option only when
// the command line gave it no value.
class CheckedConfig : public CLI::Config {
 public:
  explicit CheckedConfig(std::vector<CLI::ConfigItem> checked) : checked_(std::move(checked)) {}
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }
  std::vector<CLI::ConfigItem> from_config(std::istream&) const override { return checked_; }

 private:
  std::vector<CLI::ConfigItem> checked_;
};

// One option of a command section and its effective value: the file's (paths resolved),
// else the option's default ("false" for an unset flag); nothing masked.
struct EffectiveValue {
  std::string key;
  std::vector<std::string> values;
  bool from_file = false;
  bool repeatable = false;
};
std::vector<EffectiveValue> EffectiveValues(const ConfigFile* file, CLI::App& app, const CommandSection& section);

// Every option of every command section with its effective value (the file's, resolved,
// else the option's default), as YAML with "# default" beside defaults. Passwords,
// secrets and tokens, and the password in a URL's user part, print as ********.
// `file` may be null (no file: all defaults).
std::string EffectiveSettings(const ConfigFile* file, CLI::App& app, std::span<const CommandSection> sections);

// `value` with anything secret in it replaced by ********: the whole value when `key`
// names a password, secret or token (not a file holding one), else a URL's password.
std::string MaskSecret(std::string_view key, std::string_view value);

// What main() needs from the command line before CLI11 parses it: the global --config
// and --data-dir (given before the subcommand), and the FILE of `esafe config check FILE`.
struct GlobalArgs {
  std::optional<std::string> config;
  std::optional<std::string> data_dir;
  std::optional<std::string> check_file;
  std::string command;  // the first word after the global options ("serve", "doctor"), "" when none
};
GlobalArgs ScanGlobalArgs(std::span<const std::string> args);

// The file to read: `config check FILE`, else --config, else `env_config` ($ESAFE_CONFIG),
// else kDefaultConfigFile. `required` is false only for that default: when it is missing
// esafe runs on its flags alone. kNoConfigFile as --config or $ESAFE_CONFIG chooses no
// file (an empty path), so the tests on a machine with esafe installed ignore its
// /etc/esafe/esafe.yaml.
inline constexpr std::string_view kNoConfigFile = "none";
struct FileChoice {
  std::filesystem::path path;
  bool required = false;
};
FileChoice ChooseFile(const GlobalArgs& args, const char* env_config);

}  // namespace esafe::cli::config
