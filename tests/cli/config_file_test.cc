#include "cli/config/config_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace esafe::cli::config {
namespace {

namespace fs = std::filesystem;

// A command tree shaped like esafe's: `serve` and `log ingest`, with each kind of option.
struct TestCommands {
  CLI::App app{"test"};
  std::string listen = "127.0.0.1:8080", db = "sqlite:var/esafe.db", profiles, mode = "rewrite", dir;
  int threads = 4;
  double poll = 5;
  uint64_t spool_mb = 256;
  bool demo = false;
  std::vector<std::string> cidrs;
  std::string lists;

  TestCommands() {
    auto* serve = app.add_subcommand("serve");
    serve->add_option("--listen", listen)->capture_default_str();
    serve->add_option("--db", db)->capture_default_str()->check(PathValue());
    serve->add_option("--profiles", profiles)->check(PathValue());
    serve->add_option("--threads", threads)->check(CLI::Range(1, 64))->capture_default_str();
    serve->add_option("--poll", poll);
    serve->add_option("--spool-max-mb", spool_mb);
    serve->add_option("--mode", mode)->check(CLI::IsMember({"rewrite", "acl"}));
    serve->add_flag("--demo", demo);
    serve->add_option("--cidr", cidrs);
    serve->add_option("--lists", lists)->required()->check(PathValue());
    auto* log = app.add_subcommand("log");
    auto* ingest = log->add_subcommand("ingest");
    ingest->add_option("dir", dir)->required()->check(PathValue());
  }
};

const std::vector<CommandSection> kSections{{"serve", {"serve"}}, {"log-ingest", {"log", "ingest"}}};
const std::vector<std::string> kOther{"smtp"};

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("esafe-config-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "etc");
  }
  void TearDown() override { fs::remove_all(dir_); }

  ConfigFile Write(const std::string& text) {
    const auto path = dir_ / "etc" / "esafe.yaml";
    std::ofstream(path) << text;
    auto loaded = Load(path);
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
    return loaded.ok() ? *loaded : ConfigFile{};
  }

  // The problems CheckedItems reports for `text`, or "" when it accepts it.
  std::string Problems(const std::string& text) {
    TestCommands commands;
    auto file = Write(text);
    auto items = CheckedItems(file, commands.app, kSections, kOther);
    return items.ok() ? "" : items.error().message;
  }

  // Parses `args` with the file's values applied the way main() applies them.
  void Parse(TestCommands& commands, const std::string& text, std::vector<std::string> args) {
    auto file = Write(text);
    auto items = CheckedItems(file, commands.app, kSections, kOther);
    ASSERT_TRUE(items.ok()) << items.error().message;
    commands.app.config_formatter(std::make_shared<CheckedConfig>(*items));
    commands.app.set_config("--config", file.path.string());
    std::reverse(args.begin(), args.end());
    commands.app.parse(args);
  }

  fs::path dir_;
};

TEST_F(ConfigFileTest, FileValuesReachTheOptionsAndTheCommandLineWins) {
  TestCommands commands;
  Parse(commands, "serve:\n  listen: 127.0.0.1:9000\n  threads: 8\n  demo: true\n  lists: lists\n",
        {"serve", "--listen", "127.0.0.1:9100"});
  EXPECT_EQ(commands.listen, "127.0.0.1:9100");  // the flag beats the file
  EXPECT_EQ(commands.threads, 8);
  EXPECT_TRUE(commands.demo);
  EXPECT_EQ(commands.lists, (dir_ / "etc" / "lists").string());  // a required option given by the file
}

TEST_F(ConfigFileTest, FlagOnTheCommandLineBeatsFalseInTheFile) {
  TestCommands commands;
  Parse(commands, "serve:\n  demo: false\n  lists: /l\n", {"serve", "--demo"});
  EXPECT_TRUE(commands.demo);
}

TEST_F(ConfigFileTest, ListsFillRepeatableOptionsAndTheCommandLineReplacesThem) {
  TestCommands commands;
  Parse(commands, "serve:\n  lists: /l\n  cidr: [10.0.0.0/8, 192.168.0.0/16]\n", {"serve"});
  EXPECT_EQ(commands.cidrs, (std::vector<std::string>{"10.0.0.0/8", "192.168.0.0/16"}));
  TestCommands again;
  Parse(again, "serve:\n  lists: /l\n  cidr: [10.0.0.0/8, 192.168.0.0/16]\n", {"serve", "--cidr", "172.16.0.0/12"});
  EXPECT_EQ(again.cidrs, (std::vector<std::string>{"172.16.0.0/12"}));
}

TEST_F(ConfigFileTest, PositionalsAreKeysByNameInNestedSections) {
  TestCommands commands;
  Parse(commands, "log-ingest:\n  dir: ../activity\n", {"log", "ingest"});
  EXPECT_EQ(commands.dir, (dir_ / "activity").string());
}

TEST_F(ConfigFileTest, UnknownSectionsAndKeysNameTheirLines) {
  const std::string problems = Problems("serve:\n  listen: 127.0.0.1:1\n  lisen: x\nserv:\n  a: 1\n");
  EXPECT_NE(problems.find("esafe.yaml:3: unknown key 'lisen' in section 'serve' (did you mean 'listen'?)"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("esafe.yaml:4: unknown section 'serv'"), std::string::npos) << problems;
}

TEST_F(ConfigFileTest, WrongTypesAndShapesNameTheirLines) {
  const std::string problems = Problems(
      "serve:\n"
      "  threads: four\n"      // 2
      "  poll: soon\n"         // 3
      "  spool-max-mb: -1\n"   // 4
      "  demo: yes\n"          // 5
      "  listen: [a, b]\n"     // 6
      "  db: {url: x}\n"       // 7
      "  profiles:\n");        // 8
  EXPECT_NE(problems.find(":2: serve.threads: expected a whole number"), std::string::npos) << problems;
  EXPECT_NE(problems.find(":3: serve.poll: expected a number"), std::string::npos) << problems;
  EXPECT_NE(problems.find(":4: serve.spool-max-mb: expected a whole number of 0 or more"), std::string::npos)
      << problems;
  EXPECT_NE(problems.find(":5: serve.demo: expected true or false"), std::string::npos) << problems;
  EXPECT_NE(problems.find(":6: serve.listen: expected one value, not a list"), std::string::npos) << problems;
  EXPECT_NE(problems.find(":7: serve.db: expected a value, not a mapping"), std::string::npos) << problems;
  EXPECT_NE(problems.find(":8: serve.profiles: has no value"), std::string::npos) << problems;
}

TEST_F(ConfigFileTest, TheOptionsValidatorsRunOnFileValues) {
  const std::string problems = Problems("serve:\n  lists: /l\n  threads: 0\n  mode: proxy\n");
  EXPECT_NE(problems.find("esafe.yaml:3: serve.threads: Value 0 not in range 1 to 64"), std::string::npos) << problems;
  EXPECT_NE(problems.find("esafe.yaml:4: serve.mode:"), std::string::npos) << problems;
  EXPECT_EQ(Problems("serve:\n  threads: 64\n  mode: acl\n"), "");
}

TEST_F(ConfigFileTest, OtherSectionsAndDataDirAreLeftToTheirOwnParsers) {
  EXPECT_EQ(Problems("data-dir: ../share\nsmtp:\n  anything: here\n"), "");
  EXPECT_NE(Problems("data-dir: [a]\n").find("esafe.yaml:1: data-dir"), std::string::npos);
}

TEST_F(ConfigFileTest, RelativePathsResolveAgainstTheFilesDirectory) {
  const fs::path base = "/etc/esafe";
  EXPECT_EQ(ResolvePath("profiles.yaml", base), "/etc/esafe/profiles.yaml");
  EXPECT_EQ(ResolvePath("../lib/esafe", base), "/etc/lib/esafe");
  EXPECT_EQ(ResolvePath("/var/lib/esafe", base), "/var/lib/esafe");
  EXPECT_EQ(ResolvePath("sqlite:esafe.db", base), "sqlite:/etc/esafe/esafe.db");
  EXPECT_EQ(ResolvePath("sqlite:/var/lib/esafe/esafe.db", base), "sqlite:/var/lib/esafe/esafe.db");
  EXPECT_EQ(ResolvePath("unix:run/ingest.sock", base), "unix:/etc/esafe/run/ingest.sock");
  EXPECT_EQ(ResolvePath("postgresql://esafe@db/esafe", base), "postgresql://esafe@db/esafe");
  EXPECT_EQ(ResolvePath("tls://loghost:6514", base), "tls://loghost:6514");

  TestCommands commands;
  auto file = Write("serve:\n  db: sqlite:data/esafe.db\n  profiles: profiles.yaml\n  listen: here:1\n  lists: /l\n");
  auto items = CheckedItems(file, commands.app, kSections, kOther);
  ASSERT_TRUE(items.ok()) << items.error().message;
  for (const auto& item : *items) {
    if (item.name == "db") {
      EXPECT_EQ(item.inputs.at(0), "sqlite:" + (dir_ / "etc/data/esafe.db").string());
    } else if (item.name == "profiles") {
      EXPECT_EQ(item.inputs.at(0), (dir_ / "etc/profiles.yaml").string());
    } else if (item.name == "listen") {
      EXPECT_EQ(item.inputs.at(0), "here:1");  // not a path: left alone
    }
  }
}

TEST_F(ConfigFileTest, LoadReportsMissingFilesAndBadYamlWithLines) {
  auto missing = Load(dir_ / "nope.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  std::ofstream(dir_ / "bad.yaml") << "serve:\n  listen: x\n  db: [unclosed\n";
  auto bad = Load(dir_ / "bad.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.yaml:"), std::string::npos) << bad.error().message;
  std::ofstream(dir_ / "list.yaml") << "- serve\n";
  EXPECT_FALSE(Load(dir_ / "list.yaml").ok());
}

TEST_F(ConfigFileTest, SectionTextKeepsTheFilesLines) {
  auto file = Write("# comment\nserve:\n  listen: x\nsmtp:\n  host: relay\n  port: 25\nmonitoring: {a: 1}\n");
  auto smtp = file.SectionText("smtp");
  ASSERT_TRUE(smtp.has_value());
  auto node = YAML::Load(*smtp);
  ASSERT_TRUE(node.IsMap());
  EXPECT_EQ(node["port"].as<int>(), 25);
  EXPECT_EQ(node["port"].Mark().line + 1, 6);
  auto monitoring = file.SectionText("monitoring");
  ASSERT_TRUE(monitoring.has_value());
  EXPECT_EQ(YAML::Load(*monitoring)["a"].Mark().line + 1, 7);
  EXPECT_FALSE(file.SectionText("icap").has_value());
}

TEST_F(ConfigFileTest, EffectiveSettingsShowFileValuesAndDefaultsWithSecretsMasked) {
  TestCommands commands;
  auto file = Write("serve:\n  db: postgresql://esafe:s3cret@db.example/esafe\n  threads: 8\n");
  const std::string out = EffectiveSettings(&file, commands.app, kSections);
  EXPECT_NE(out.find("db: postgresql://esafe:********@db.example/esafe"), std::string::npos) << out;
  EXPECT_EQ(out.find("s3cret"), std::string::npos) << out;
  EXPECT_NE(out.find("threads: 8"), std::string::npos) << out;
  EXPECT_NE(out.find("listen: 127.0.0.1:8080  # default"), std::string::npos) << out;
  EXPECT_NE(out.find("log-ingest:"), std::string::npos) << out;
}

TEST_F(ConfigFileTest, MaskSecret) {
  EXPECT_EQ(MaskSecret("smtp-password", "hunter2"), "********");
  EXPECT_EQ(MaskSecret("api-token", "abc"), "********");
  EXPECT_EQ(MaskSecret("log-token-file", "/etc/esafe/token"), "/etc/esafe/token");  // a file holding one
  EXPECT_EQ(MaskSecret("ingest-tokens", "/etc/esafe/tokens"), "/etc/esafe/tokens");
  EXPECT_EQ(MaskSecret("db", "postgresql://u:p@h/d"), "postgresql://u:********@h/d");
  EXPECT_EQ(MaskSecret("db", "postgresql://u@h/d"), "postgresql://u@h/d");
  EXPECT_EQ(MaskSecret("public-url", "https://h/a:b@c"), "https://h/a:b@c");
}

TEST(GlobalArgsTest, ScansGlobalOptionsBeforeTheSubcommand) {
  std::vector<std::string> args{"--config", "/x/esafe.yaml", "--data-dir=/d", "serve", "--config", "no"};
  auto global = ScanGlobalArgs(args);
  EXPECT_EQ(global.config.value_or(""), "/x/esafe.yaml");
  EXPECT_EQ(global.data_dir.value_or(""), "/d");
  EXPECT_FALSE(global.check_file.has_value());

  std::vector<std::string> check{"config", "check", "a.yaml"};
  auto checked = ScanGlobalArgs(check);
  EXPECT_EQ(checked.check_file.value_or(""), "a.yaml");
  EXPECT_EQ(ChooseFile(checked, "/env.yaml").path, "a.yaml");

  EXPECT_EQ(ChooseFile(global, "/env.yaml").path, "/x/esafe.yaml");
  auto from_env = ChooseFile(ScanGlobalArgs(std::vector<std::string>{"serve"}), "/env.yaml");
  EXPECT_EQ(from_env.path, "/env.yaml");
  EXPECT_TRUE(from_env.required);
  auto fallback = ChooseFile(ScanGlobalArgs(std::vector<std::string>{"serve"}), nullptr);
  EXPECT_EQ(fallback.path, kDefaultConfigFile);
  EXPECT_FALSE(fallback.required);  // a missing /etc/esafe/esafe.yaml is not an error
  auto none_from_env = ChooseFile(ScanGlobalArgs(std::vector<std::string>{"serve"}), "none");
  EXPECT_TRUE(none_from_env.path.empty());  // not even /etc/esafe/esafe.yaml
  EXPECT_FALSE(none_from_env.required);
  auto none_flag = ChooseFile(ScanGlobalArgs(std::vector<std::string>{"--config", "none", "serve"}), "/env.yaml");
  EXPECT_TRUE(none_flag.path.empty());
}

}  // namespace
}  // namespace esafe::cli::config
