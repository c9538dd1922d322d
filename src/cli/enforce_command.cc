// The enforcement points (docs/enforce.md):
//
//   esafe squid-helper [--mode rewrite|acl] [--profiles FILE] --lists DIR [--db URL]
//                      [--decision-log FILE] [--log-to ADDRESS --spool DIR] [--block-page URL]
//                      [--threads N]
//     Squid url_rewrite_program / external_acl_type helper on standard input and output.
//   esafe icap [--listen HOST:PORT] [--profiles FILE] --lists DIR [--db URL]
//              [--decision-log FILE] [--log-to ADDRESS --spool DIR] [--review-url URL]
//              [--service NAME]
//     ICAP REQMOD service (icap://HOST:PORT/NAME).
//   esafe rpz export --profile P [--profiles FILE] --lists DIR [--origin NAME] [--ttl S]
//     A response policy zone for the profile, on standard output.
//   esafe enforce make-ca --out DIR [--name ORGANISATION] [--days N]
//     The deployment's interception CA for Squid's ssl_bump (enforce/interception_ca.h).
//
// --log-to sends every decision to the activity log host (unix:PATH or tls://HOST:PORT with
// --log-token-file and --log-ca) through the spool at --spool (activity/shipper.h).
//
// squid-helper and icap reload profiles, lists and site ranges on SIGHUP (core/hangup.h;
// systemctl reload) and reopen a rotated --decision-log; a reload that fails leaves the
// previous policy in force and says why on standard error.
//
// With --db they also poll the database's newest override version (an officer approving a
// review request writes one; enforce/override_versions.h) every --poll-overrides seconds
// and reload when it changes. Polling, rather than PostgreSQL's LISTEN/NOTIFY or a signal
// from the web app, because it works the same on SQLite and PostgreSQL, needs the web app
// to know nothing about where enforcement points run, and costs one indexed read per
// interval; a missed change is picked up on the next poll. The reload builds the new
// policy beside the old and installs it in one atomic swap, so requests in flight finish
// on the version they started with.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/config/config_file.h"
#include "core/data_dir.h"
#include "core/hangup.h"
#include "enforce/decision_sink.h"
#include "enforce/enforcer.h"
#include "enforce/icap_server.h"
#include "enforce/interception_ca.h"
#include "enforce/override_versions.h"
#include "enforce/rpz_zone.h"
#include "enforce/squid_helper.h"
#include "store/database.h"

namespace esafe::cli {
namespace {

struct CommonOptions {
  std::string profiles = core::DataPath("filter/profiles.yaml");
  std::string lists;
  std::string db;
  std::string decision_log;
  std::string log_to;
  std::string log_token_file;
  std::string log_ca;
  std::string node;
  std::string spool;
  uint64_t spool_max_mb = 256;
  std::string spool_full = "drop-new";
  std::string block_page = "http://127.0.0.1:8080/blocked";
  std::string review_url = "http://127.0.0.1:8080/blocked";
  double poll_overrides = 5;  // seconds; 0: do not poll
};

[[noreturn]] void Fail(std::string_view command, const Error& error) {
  std::cerr << "esafe " << command << ": " << error.message << (error.field.empty() ? "" : " (" + error.field + ")")
            << "\n";
  throw CLI::RuntimeError(error.kind == ErrorKind::kInvalid || error.kind == ErrorKind::kNotFound ? 2 : 1);
}

void AddCommon(CLI::App* command, CommonOptions& options, bool block_page) {
  command->add_option("--profiles", options.profiles, "Filtering profiles YAML")->capture_default_str()
      ->check(config::PathValue());
  command->add_option("--lists", options.lists, "squidGuard/UT1 list directory (a folder per category)")->required()
      ->check(config::PathValue());
  command->add_option("--db", options.db, "Database whose sites' address ranges map clients to profiles")
      ->check(config::PathValue());
  command->add_option("--decision-log", options.decision_log, "Append every decision as a JSON line to FILE")
      ->check(config::PathValue());
  command->add_option("--log-to", options.log_to,
                      "Send every decision to the activity log host: unix:PATH (esafe serve --ingest-socket) or "
                      "tls://HOST:PORT (--ingest-listen)")
      ->check(config::PathValue());
  command->add_option("--log-token-file", options.log_token_file, "With tls://: the file holding this node's token")
      ->check(config::PathValue());
  command->add_option("--log-ca", options.log_ca,
                      "With tls://: the CA certificate that signed the log host's (default: the system's CAs)")
      ->check(config::PathValue());
  command->add_option("--node", options.node, "This enforcement point's name on a Unix socket (default: host name)");
  command->add_option("--spool", options.spool,
                      "With --log-to: directory keeping decisions until the log host has them (required)")
      ->check(config::PathValue());
  command->add_option("--spool-max-mb", options.spool_max_mb, "With --log-to: the spool's size limit in MB")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  command->add_option("--spool-full", options.spool_full,
                      "With --log-to, when the spool is full: drop-new (keep the oldest decisions) or drop-oldest")
      ->check(CLI::IsMember({"drop-new", "drop-oldest"}))
      ->capture_default_str();
  if (block_page) {
    command->add_option("--block-page", options.block_page, "Block page URL blocked requests are redirected to")
        ->capture_default_str();
  }
  command->add_option("--review-url", options.review_url, "Base URL of the block page's 'request a review' link")
      ->capture_default_str();
  command->add_option("--poll-overrides", options.poll_overrides,
                      "With --db: seconds between checks for a new override version (0: never)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
}

enforce::Enforcement LoadOrFail(std::string_view command, const CommonOptions& options) {
  filter::LoadReport report;
  std::vector<filter::ProfileProblem> problems;
  auto loaded = enforce::LoadEnforcement({options.profiles, options.lists, options.db}, report, problems);
  for (size_t i = 1; i < problems.size(); ++i) std::cerr << "esafe " << command << ": " << FormatProblem(problems[i]) << "\n";
  if (!loaded) Fail(command, loaded.error());
  if (report.bad_lines > 0) {
    std::cerr << "esafe " << command << ": skipped " << report.bad_lines << " bad list line(s)\n";
  }
  return std::move(*loaded);
}

// Where decisions go: the decision file, the log host, both or neither.
std::unique_ptr<enforce::DecisionSink> SinkOrFail(std::string_view command, const CommonOptions& options) {
  std::vector<std::unique_ptr<enforce::DecisionSink>> sinks;
  if (!options.decision_log.empty()) {
    auto sink = enforce::JsonLinesSink::Open(options.decision_log);
    if (!sink) Fail(command, sink.error());
    sinks.push_back(std::move(*sink));
  }
  if (!options.log_to.empty()) {
    activity::ShipperOptions shipper;
    shipper.address = options.log_to;
    shipper.token_file = options.log_token_file;
    shipper.ca_file = options.log_ca;
    shipper.node = options.node;
    shipper.spool_dir = options.spool;
    shipper.spool_max_bytes = options.spool_max_mb << 20;
    shipper.when_full =
        options.spool_full == "drop-oldest" ? activity::SpoolFullPolicy::kDropOldest : activity::SpoolFullPolicy::kDropNew;
    auto started = activity::LogShipper::Start(shipper);
    if (!started) Fail(command, started.error());
    sinks.push_back(std::make_unique<enforce::ShipperSink>(std::move(*started)));
  } else if (!options.spool.empty() || !options.log_token_file.empty()) {
    Fail(command, Error::Invalid("--spool and --log-token-file go with --log-to", "log-to"));
  }
  if (sinks.empty()) return std::make_unique<enforce::NullSink>();
  if (sinks.size() == 1) return std::move(sinks.front());
  return std::make_unique<enforce::FanOutSink>(std::move(sinks));
}

// On SIGHUP (systemctl reload, logrotate): reloads profiles, lists and site ranges, keeping
// the policy in force when the new one fails to load, and reopens a rotated decision log.
void ReloadOnSighup(std::string command, CommonOptions options, enforce::Enforcer& enforcer,
                    enforce::DecisionSink& sink) {
  hangup::OnHangup([command, options, &enforcer, &sink] {
    sink.Reopen();
    filter::LoadReport report;
    std::vector<filter::ProfileProblem> problems;
    auto loaded = enforce::LoadEnforcement({options.profiles, options.lists, options.db}, report, problems);
    if (!loaded) {
      std::cerr << "esafe " << command << ": SIGHUP: reload failed, previous policy stays in force: "
                << loaded.error().message << (loaded.error().field.empty() ? "" : " (" + loaded.error().field + ")")
                << "\n";
      return;
    }
    enforcer.Install(std::move(*loaded));
    std::cerr << "esafe " << command << ": SIGHUP: reloaded profiles " << options.profiles << ", lists "
              << options.lists << (options.db.empty() ? "" : ", site address ranges")
              << (options.decision_log.empty() ? "" : "; decision log reopened if rotated") << ": "
              << enforcer.Current()->policy->Version() << "\n";
  });
}

// With --db, reloads whenever the database's newest override version differs from the
// one in force; from a thread of its own, holding its own database connection.
void ReloadOnNewOverrides(std::string command, CommonOptions options, enforce::Enforcer& enforcer) {
  if (options.db.empty() || options.poll_overrides <= 0) return;
  auto db = store::Open(options.db);
  if (!db) Fail(command, db.error());
  std::thread([command, options, &enforcer, db = std::shared_ptr<store::Database>(std::move(*db))] {
    int64_t failed = -1;  // a version whose reload failed is not retried until it changes
    for (;;) {
      std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_overrides));
      auto version = enforce::CurrentOverrideVersion(*db);
      if (!version) {
        std::cerr << "esafe " << command << ": cannot read the override version: " << version.error().message << "\n";
        continue;
      }
      if (*version == enforcer.Current()->policy->profiles->override_version || *version == failed) continue;
      filter::LoadReport report;
      std::vector<filter::ProfileProblem> problems;
      auto loaded = enforce::LoadEnforcement({options.profiles, options.lists, options.db}, report, problems);
      if (!loaded) {
        failed = *version;
        std::cerr << "esafe " << command << ": reload for override version " << *version
                  << " failed, previous policy stays in force: " << loaded.error().message << "\n";
        continue;
      }
      enforcer.Install(std::move(*loaded));
      std::cerr << "esafe " << command << ": reloaded " << enforcer.Current()->policy->Version() << "\n";
    }
  }).detach();
}

}  // namespace

void RegisterEnforceCommands(CLI::App& app) {
  // squid-helper
  {
    auto options = std::make_shared<CommonOptions>();
    auto mode = std::make_shared<std::string>("rewrite");
    auto channels = std::make_shared<std::string>("auto");
    auto threads = std::make_shared<size_t>(2);
    auto* command = app.add_subcommand("squid-helper", "Squid url_rewrite_program / external_acl_type helper");
    AddCommon(command, *options, true);
    command->add_option("--mode", *mode, "rewrite (url_rewrite_program) or acl (external_acl_type %ru %>a %un %>rm)")
        ->check(CLI::IsMember({"rewrite", "acl"}))
        ->capture_default_str();
    command->add_option("--channels", *channels, "Request lines start with a channel ID: auto, yes or no")
        ->check(CLI::IsMember({"auto", "yes", "no"}))
        ->capture_default_str();
    command->add_option("--threads", *threads, "Deciding threads when channel IDs are in use")->capture_default_str();
    command->callback([=] {
      // Standard output carries Squid's answers, written by this thread only: std::cerr,
      // written by the reload threads, must not flush std::cout (its tie) from theirs, a
      // data race that can send Squid a stale answer a second time. Both set before any
      // other thread starts.
      std::ios::sync_with_stdio(false);
      std::cerr.tie(nullptr);
      auto sink = SinkOrFail("squid-helper", *options);
      enforce::EnforcerOptions enforcer_options;
      enforcer_options.point = "squid-helper";
      enforcer_options.block_page_url = options->block_page;
      enforcer_options.review_url = options->review_url;
      enforce::Enforcer enforcer(LoadOrFail("squid-helper", *options), *sink, enforcer_options);
      ReloadOnSighup("squid-helper", *options, enforcer, *sink);
      ReloadOnNewOverrides("squid-helper", *options, enforcer);
      enforce::SquidHelperOptions helper;
      helper.mode = *mode == "acl" ? enforce::SquidMode::kAcl : enforce::SquidMode::kRewrite;
      helper.channels = *channels == "yes" ? enforce::SquidChannels::kYes
                        : *channels == "no" ? enforce::SquidChannels::kNo
                                            : enforce::SquidChannels::kAuto;
      helper.threads = *threads;
      enforce::RunSquidHelper(std::cin, std::cout, enforcer, helper);
    });
  }
  // icap
  {
    auto options = std::make_shared<CommonOptions>();
    auto listen = std::make_shared<std::string>("127.0.0.1:1344");
    auto service = std::make_shared<std::string>("reqmod");
    auto* command = app.add_subcommand("icap", "ICAP REQMOD service (RFC 3507) that filters requests");
    AddCommon(command, *options, false);
    command->add_option("--listen", *listen, "HOST:PORT to listen on")->capture_default_str();
    command->add_option("--service", *service, "Service name: icap://HOST:PORT/NAME")->capture_default_str();
    command->callback([=] {
      auto sink = SinkOrFail("icap", *options);
      enforce::EnforcerOptions enforcer_options;
      enforcer_options.point = "icap";
      enforcer_options.review_url = options->review_url;
      enforce::Enforcer enforcer(LoadOrFail("icap", *options), *sink, enforcer_options);
      ReloadOnSighup("icap", *options, enforcer, *sink);
      ReloadOnNewOverrides("icap", *options, enforcer);
      enforce::IcapServerOptions server_options;
      const size_t colon = listen->rfind(':');
      if (colon == std::string::npos) Fail("icap", Error::Invalid("--listen must be HOST:PORT", "listen"));
      server_options.address = listen->substr(0, colon);
      if (server_options.address.size() > 2 && server_options.address.front() == '[') {
        server_options.address = server_options.address.substr(1, server_options.address.size() - 2);
      }
      try {
        server_options.port = static_cast<uint16_t>(std::stoul(listen->substr(colon + 1)));
      } catch (...) {
        Fail("icap", Error::Invalid("--listen must be HOST:PORT", "listen"));
      }
      server_options.service.service = *service;
      enforce::IcapServer server(enforcer, server_options);
      auto port = server.Listen();
      if (!port) Fail("icap", port.error());
      std::cerr << "esafe icap: icap://" << server_options.address << ":" << *port << "/" << *service << " ("
                << enforcer.Current()->policy->Version() << ")\n";
      server.Run();
    });
  }
  // enforce make-ca
  {
    auto out = std::make_shared<std::string>();
    auto ca = std::make_shared<enforce::InterceptionCaOptions>();
    auto* group = app.add_subcommand("enforce", "Enforcement point set-up");
    group->require_subcommand(1);
    auto* command = group->add_subcommand(
        "make-ca", "Make the deployment's interception CA for Squid ssl_bump (key, PEM and DER certificate)");
    command->add_option("--out", *out, "Folder for esafe-ca.key (0600), esafe-ca.pem and esafe-ca.cer")->required();
    command->add_option("--name", ca->organisation, "Organisation named in the certificate")->capture_default_str();
    command->add_option("--days", ca->days, "Days the CA is valid")->capture_default_str();
    command->callback([=] {
      auto files = enforce::MakeInterceptionCa(*out, *ca);
      if (!files) Fail("enforce make-ca", files.error());
      std::cout << "key (Squid tls-key=, keep it secret):  " << files->key.string() << "\n"
                << "certificate (Squid tls-cert=):         " << files->certificate.string() << "\n"
                << "certificate for devices (DER):         " << files->der.string() << "\n"
                << "subject:                               " << files->subject << "\n"
                << "SHA-256 fingerprint:                   " << files->sha256_fingerprint << "\n";
    });
  }
  // rpz export
  {
    auto options = std::make_shared<CommonOptions>();
    auto profile = std::make_shared<std::string>();
    auto rpz = std::make_shared<enforce::RpzOptions>();
    auto* rpz_command = app.add_subcommand("rpz", "DNS response policy zones");
    rpz_command->require_subcommand(1);
    auto* command = rpz_command->add_subcommand("export", "Print the response policy zone for a profile");
    command->add_option("--profile", *profile, "Filtering profile")->required();
    command->add_option("--profiles", options->profiles, "Filtering profiles YAML")->capture_default_str();
    command->add_option("--lists", options->lists, "squidGuard/UT1 list directory")->required();
    command->add_option("--origin", rpz->origin, "Zone name (for the comment; records are relative)")
        ->capture_default_str();
    command->add_option("--ttl", rpz->ttl, "TTL of the zone's records, seconds")->capture_default_str();
    command->add_flag("!--no-doh-canary", rpz->doh_canary,
                      "Leave out use-application-dns.net (by default NXDOMAIN, so browsers do not switch to "
                      "DNS-over-HTTPS around the filter)");
    command->callback([=] {
      filter::LoadReport report;
      std::vector<filter::ProfileProblem> problems;
      auto state = filter::LoadPolicyState(options->profiles, options->lists, report, problems);
      if (!state) Fail("rpz export", state.error());
      std::ios::sync_with_stdio(false);
      auto stats = enforce::ExportRpz(**state, *profile, *rpz, std::cout);
      if (!stats) Fail("rpz export", stats.error());
      std::cout.flush();
      std::cerr << "esafe rpz export: " << stats->blocked_domains << " blocked domain(s), " << stats->passthru
                << " pass-through, " << stats->safe_search << " safe-search name(s), " << stats->skipped
                << " entr(ies) with no DNS form skipped\n";
    });
  }
}

}  // namespace esafe::cli
