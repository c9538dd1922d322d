#include <sys/resource.h>

#include <sodium.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "access/access.h"
#include "activity/activity.h"
#include "activity/pg_follow.h"
#include "cli/commands.h"
#include "cli/config/config_file.h"
#include "core/data_dir.h"
#include "core/hangup.h"
#include "core/text.h"
#include "directory/directory.h"
#include "filter/mandatory_lists.h"
#include "filter/profile_set.h"
#include "health/health.h"
#include "monitoring/live_activity.h"
#include "plan/plan.h"
#include "standards/standards.h"
#include "store/database.h"
#include "surveys/surveys.h"
#include "web/app.h"
#include "web/http_server.h"

namespace esafe::cli {
namespace {

[[noreturn]] void FailServeCommand(const Error& e) {
  std::cerr << "esafe: " << e.message << (e.field.empty() ? "" : " (" + e.field + ")") << "\n";
  throw CLI::RuntimeError(e.kind == ErrorKind::kInvalid ? 2 : 1);
}

std::unique_ptr<store::Database> OpenOrFail(const std::string& url) {
  auto db = store::Open(url);
  if (!db.ok()) FailServeCommand(db.error());
  return std::move(*db);
}

// The demo admin password is made once per database and kept beside it, so
// that no password is written into the code or the README.
std::string DemoPassword(const std::string& db_url) {
  std::filesystem::path dir = "var";
  if (db_url.starts_with("sqlite:")) dir = std::filesystem::path(db_url.substr(7)).parent_path();
  if (dir.empty()) dir = ".";
  auto file = dir / "demo-login.txt";
  std::ifstream in(file);
  std::string password;
  if (in && std::getline(in, password) && password.size() >= 10) return password;
  unsigned char bytes[9];
  randombytes_buf(bytes, sizeof bytes);
  char b64[sodium_base64_ENCODED_LEN(9, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  password = std::string("demo-") + b64;
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(file, std::ios::trunc);
    out << password << "\n";
  }
  ::chmod(file.c_str(), 0600);
  return password;
}

// The demonstration partnership: directory, accounts, the plan's
// objectives, actions and training, and two annual audit rounds. True when it was loaded now.
bool LoadDemo(store::Database& db, const std::string& password) {
  auto loaded = directory::LoadDemo(db, password);
  if (!loaded.ok()) FailServeCommand(loaded.error());
  if (*loaded) {
    auto plan = plan::LoadPlanDemo(db);
    if (!plan.ok()) FailServeCommand(plan.error());
    auto audit = standards::LoadStandardsDemo(db);
    if (!audit.ok()) FailServeCommand(audit.error());
    auto survey_demo = surveys::LoadSurveysDemo(db);
    if (!survey_demo.ok()) FailServeCommand(survey_demo.error());
  }
  return *loaded;
}

// The filtering profile a demonstration site's users get, from its kind of setting.
std::string DemoProfile(const std::string& site_type, const std::string& name) {
  if (site_type == "school") return name.find("Primary") != std::string::npos ? "primary" : "secondary";
  if (site_type.starts_with("post-16")) return "sixth_form";
  if (site_type == "office") return "staff";
  if (site_type == "children's centre") return "early_years";
  return "secondary";
}

// With --demo, a fortnight of filtering decisions at the demonstration sites goes into an
// activity log that has none yet, through the store's ordinary append path, so that the
// activity pages have something to search. Small segments, so that a report's progress
// moves in visible steps.
void LoadDemoActivity(store::Database& db, const std::string& dir, monitoring::LiveActivity& live) {
  auto reader = activity::LogReader::Open(dir);
  if (reader.ok() && reader->event_count() > 0) return;
  access::Principal system;
  system.username = "demo-loader";
  system.role = access::Role::kPartnershipAdmin;
  auto sites = directory::Directory(db).List(directory::Kind::kSite, system, {});
  if (!sites.ok()) FailServeCommand(sites.error());
  std::vector<activity::DemoSite> demo_sites;
  for (const auto& s : *sites) {
    if (!s.contains("ip_ranges") || !s["ip_ranges"].is_array() || s["ip_ranges"].empty()) continue;
    const std::string name = s.value("name", "");
    demo_sites.push_back({std::to_string(s["agency_id"].get<int64_t>()), name,
                          s["ip_ranges"][0].get<std::string>(), DemoProfile(s.value("site_type", ""), name)});
  }
  if (demo_sites.empty()) return;
  std::filesystem::create_directories(dir);
  auto store = activity::Store::Open(dir, {.segment_events = 4096});
  if (!store.ok()) FailServeCommand(store.error());
  (*store)->SetBatchObserver(live.Observer());
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  auto written = activity::WriteDemoLog(**store, demo_sites, now, 14, 40000, 20261123);
  if (!written.ok()) FailServeCommand(written.error());
  std::cout << fmt::format("wrote {} demonstration filtering decisions to the activity log {}", *written, dir)
            << std::endl;
}

// The profiles file's names and mandatory lists, or why the file could not be loaded.
// When only the mandatory lists fail, the names still load (sites can be given profiles)
// and `mandatory_problem` says why no unblock request can be approved.
Result<web::FilteringProfiles> LoadFilteringProfiles(const std::string& file, std::string& mandatory_problem) {
  std::vector<filter::ProfileProblem> problems;
  auto set = filter::LoadProfileSet(file, problems);
  if (!set) return Error::Invalid("filtering profiles not loaded (" + set.error().message + ")");
  web::FilteringProfiles loaded;
  for (const auto& profile : set->profiles) loaded.names.push_back(profile.name);
  mandatory_problem.clear();
  if (auto mandatory = filter::MandatoryLists::FromSet(*set); mandatory.ok()) {
    loaded.mandatory_lists = std::move(*mandatory);
  } else {
    mandatory_problem = "mandatory lists not loaded (" + mandatory.error().message + ")";
  }
  return loaded;
}

// Data every partnership starts with, whether or not it is a demo.
void EnsureShippedData(store::Database& db) {
  auto audit = standards::Standards(db).EnsureDefaultTemplate();
  if (!audit.ok()) FailServeCommand(audit.error());
}

}  // namespace

void RegisterServeCommands(CLI::App& app) {
  static std::string db_url = "sqlite:var/esafe.db";
  static std::string listen = "127.0.0.1:8080";
  static bool demo = false, secure_cookies = false, insecure_cookies = false;
  static bool require_totp = false, no_require_totp = false;
  static std::string public_url;
  static std::string tls_cert, tls_key, http_redirect;
  static std::vector<std::string> trusted_proxies;
  static int threads = 4;
  static std::string profiles = core::DataPath("filter/profiles.yaml");
  static std::string activity_log;
  static monitoring::LiveActivityOptions live_options;
  live_options.terms_dir = core::DataPath("monitoring/terms");
  static std::string activity_postgres, activity_postgres_schema = "esafe_activity";

  auto* serve = app.add_subcommand("serve", "Run the web application and API");
  serve->add_option("--db", db_url, "sqlite:PATH or postgresql://…")->capture_default_str()
      ->check(config::PathValue());
  serve->add_option("--listen", listen, "HOST:PORT to listen on")->capture_default_str();
  serve->add_flag("--demo", demo, "Load a demonstration partnership into an empty database");
  serve->add_flag("--require-totp", require_totp,
                  "Partnership administrators and leads, and disclosure handlers, must sign in with a TOTP code "
                  "as well as the password; until they set it up they can do nothing else (the default, except "
                  "with --demo)");
  serve->add_flag("--no-require-totp", no_require_totp,
                  "Do not require two-step sign-in of anyone (those who set it up still use it)");
  serve->add_flag("--secure-cookies", secure_cookies,
                  "Mark the session cookie Secure (the default unless --listen is a loopback address)");
  serve->add_flag("--insecure-cookies", insecure_cookies,
                  "Do not mark the session cookie Secure even though --listen is not loopback (plain HTTP on a "
                  "network: session cookies travel in clear; for a trial only)");
  serve->add_option("--public-url", public_url,
                    "The address people use, e.g. https://esafe.example.org: changes are accepted only from pages "
                    "of this origin (default: the request's own Host)");
  serve->add_option("--tls-cert", tls_cert,
                    "Serve HTTPS with this certificate chain (PEM; reread on SIGHUP). Every response then carries "
                    "Strict-Transport-Security")
      ->check(config::PathValue());
  serve->add_option("--tls-key", tls_key, "The private key (PEM) of --tls-cert; reread on SIGHUP with it")
      ->check(config::PathValue());
  serve->add_option("--http-redirect", http_redirect,
                    "With --tls-cert: also listen in plain HTTP on HOST:PORT and redirect every request to HTTPS "
                    "(to --public-url when set, else to the request's host at the HTTPS port)");
  serve->add_option("--trusted-proxy", trusted_proxies,
                    "A reverse proxy's address or CIDR (repeatable): from these peers only, the client address is "
                    "taken from X-Forwarded-For and HTTPS from X-Forwarded-Proto");
  serve->add_option("--threads", threads, "Request handler threads (reading and writing the network has two of its own)")->check(CLI::Range(1, 64))->capture_default_str();
  serve->add_option("--profiles", profiles,
                    "Filtering profiles YAML: the profiles a site may be given, and the mandatory lists review "
                    "requests are checked against")
      ->capture_default_str()
      ->check(config::PathValue());
  serve->add_option("--activity-log", activity_log,
                    "The activity log directory to search and report on (with --demo, filled with a "
                    "demonstration fortnight when it has no events)")
      ->check(config::PathValue());
  serve->add_option("--ingest-socket", live_options.ingest_socket,
                    "With --activity-log: accept filtering decisions on this Unix socket (as esafe log ingest "
                    "--socket does) and evaluate the early-warning rules on them as they arrive")
      ->check(config::PathValue());
  AddIngestEndpointOptions(serve, live_options.ingest);
  serve->add_option("--activity-postgres", activity_postgres,
                    "With --activity-log: keep a copy of the log's sealed segments in this PostgreSQL database "
                    "(postgresql://…), time-partitioned, for the partnership's own tools (as esafe log mirror "
                    "--follow does)");
  serve->add_option("--activity-postgres-schema", activity_postgres_schema, "Schema of that copy")
      ->capture_default_str();
  static int seal_interval = 300;
  static int retention_days = 90;
  serve->add_option("--seal-interval", seal_interval,
                    "With --ingest-socket: seal the activity log's new events every SECONDS, so the hash chain "
                    "covers every event within minutes")
      ->check(CLI::Range(1, 86400))->capture_default_str();
  serve->add_option("--activity-retention-days", retention_days,
                    "With --ingest-socket: delete activity-log events older than this, once a day (Annex A: at "
                    "least 90 days; legal holds keep events longer)")
      ->check(CLI::Range(1, 36500))->capture_default_str();
  serve->add_option("--monitor-terms", live_options.terms_dir, "Term libraries for the risky-search rule")
      ->capture_default_str()
      ->check(config::PathValue());
  serve->add_option("--monitor-rules", live_options.rules_file, "Rule settings YAML (default: the built-in thresholds)")
      ->check(config::PathValue());
  serve->add_option("--smtp", live_options.smtp_file,
                    "SMTP settings YAML: the most severe alerts are e-mailed at once, the rest in an hourly digest")
      ->check(config::PathValue());
  serve->callback([&app] {
    auto db = OpenOrFail(db_url);
    EnsureShippedData(*db);
    std::string demo_login;
    if (demo) {
      std::string password = DemoPassword(db_url);
      LoadDemo(*db, password);
      demo_login = fmt::format("sign in as admin with password {} (also in the file demo-login.txt beside the "
                               "database); the agency e-safety officers library.eslo and riverside.eslo use the "
                               "same password", password);
    }
    // Demo accounts share one password printed on the console: they sign in only while
    // the server runs as a demonstration.
    auto demo_accounts = access::SetDemoAccountsActive(*db, demo);
    if (!demo_accounts.ok()) FailServeCommand(demo_accounts.error());
    if (*demo_accounts > 0) {
      std::cout << (demo ? fmt::format("enabled {} demo accounts again (running with --demo)", *demo_accounts)
                         : fmt::format("disabled {} demo accounts: they sign in only while the server runs with --demo",
                                       *demo_accounts))
                << std::endl;
    }
    if (require_totp && no_require_totp)
      FailServeCommand(Error::Invalid("give --require-totp or --no-require-totp, not both", "require-totp"));
    if ((!live_options.ingest_socket.empty() || !live_options.ingest.listen.empty()) && activity_log.empty()) {
      FailServeCommand(Error::Invalid("--ingest-socket and --ingest-listen need --activity-log DIR", "ingest-socket"));
    }
    if (!activity_postgres.empty() && activity_log.empty()) {
      FailServeCommand(Error::Invalid("--activity-postgres needs --activity-log DIR", "activity-postgres"));
    }
    std::unique_ptr<monitoring::LiveActivity> live;
    if (!activity_log.empty()) {
      live_options.log_dir = activity_log;
      // A --smtp or --monitor-rules file beats the configuration file's inline section.
      if (live_options.smtp_file.empty()) live_options.smtp = InlineSmtpSettings();
      if (live_options.rules_file.empty()) live_options.rules = InlineRuleSettings();
      live_options.maintenance.seal_interval = std::chrono::seconds(seal_interval);
      live_options.maintenance.daily_retention = activity::RetentionPolicy{.default_days = retention_days};
      auto started = monitoring::LiveActivity::Start(*db, live_options);
      if (!started.ok()) FailServeCommand(started.error());
      live = std::move(*started);
    }
    if (live) {
      // systemctl reload: the term libraries and rule settings are read again at once.
      hangup::OnHangup([raw = live.get()] {
        spdlog::info("SIGHUP: reloading the monitoring term libraries and rule settings");
        raw->Reload();
      });
    } else {
      hangup::OnHangup([] { spdlog::info("SIGHUP: nothing to reload (no --activity-log, so no monitoring)"); });
    }
    if (demo && live) LoadDemoActivity(*db, activity_log, *live);
    if (live) {
      if (auto ingest = live->StartIngest(); !ingest.ok()) FailServeCommand(ingest.error());
      if (!live_options.ingest_socket.empty()) {
        std::cout << "accepting filtering decisions on " << live_options.ingest_socket << std::endl;
      }
      if (!live_options.ingest.listen.empty()) {
        std::cout << "accepting filtering decisions over TLS on port " << live->ingest_port() << std::endl;
      }
    }
    std::unique_ptr<activity::PgMirrorFollower> mirror;
    if (!activity_postgres.empty()) {
      activity::PgMirrorOptions mirror_options;
      mirror_options.schema = activity_postgres_schema;
      auto started = activity::PgMirrorFollower::Start(
          activity_postgres, mirror_options, activity_log, std::chrono::seconds(5),
          [](const Result<activity::PgMirrorReport>& pass) {
            if (!pass.ok()) {
              spdlog::error("activity mirror: a pass failed and is retried in 5 s: {}", pass.error().message);
            } else if (pass->segments_copied || pass->segments_removed) {
              spdlog::info("activity mirror: copied {} events, removed {}; {} events in PostgreSQL",
                           pass->events_copied, pass->events_removed, pass->events_mirrored);
            }
          });
      if (!started.ok()) FailServeCommand(started.error());
      mirror = std::move(*started);
      std::cout << "copying the activity log's sealed segments to PostgreSQL, schema " << activity_postgres_schema
                << std::endl;
    }
    web::AppOptions options;
    // The demo signs in as admin with a password only, so its browser tests and visitors
    // need no authenticator app.
    options.login_policy.require_totp = require_totp || (!demo && !no_require_totp);
    // A session cookie goes over TLS only, unless the server is plainly for this machine
    // (loopback HTTP, as `make run` starts it).
    const std::string listen_host = listen.substr(0, listen.rfind(':'));
    const bool loopback = listen_host.rfind("127.", 0) == 0 || listen_host == "[::1]" || listen_host == "::1" ||
                          listen_host == "localhost";
    if (secure_cookies && insecure_cookies)
      FailServeCommand(Error::Invalid("give --secure-cookies or --insecure-cookies, not both", "secure-cookies"));
    options.secure_cookies = secure_cookies || (!loopback && !insecure_cookies);
    if (!public_url.empty()) {
      auto origin = web::OriginOf(public_url);
      if (!origin) FailServeCommand(Error::Invalid("--public-url must be http(s)://HOST[:PORT], got " + public_url,
                                                   "public-url"));
      options.public_origin = *origin;
    }
    if (tls_cert.empty() != tls_key.empty())
      FailServeCommand(Error::Invalid("give both --tls-cert and --tls-key", tls_cert.empty() ? "tls-cert" : "tls-key"));
    if (!http_redirect.empty() && tls_cert.empty())
      FailServeCommand(Error::Invalid("--http-redirect needs --tls-cert and --tls-key", "http-redirect"));
    if (!http_redirect.empty() && !options.public_origin.empty() && !options.public_origin.starts_with("https://"))
      FailServeCommand(Error::Invalid("--http-redirect redirects to --public-url, which must then be https://",
                                      "public-url"));
    auto proxies = web::TrustedProxies::Parse(trusted_proxies);
    if (!proxies.ok()) FailServeCommand(proxies.error());
    options.activity_log_dir = activity_log;
    // The health route checks what this server runs with: the file's view, then the flags.
    options.deployment = ConfiguredDeployment(app);
    options.deployment.db_url = db_url;
    options.deployment.activity_log_dir = activity_log;
    options.deployment.seal_interval = std::chrono::seconds(seal_interval);
    options.deployment.ingest_tokens_file = live_options.ingest.tokens_file;
    options.deployment.profiles_file = profiles;
    options.deployment.activity_postgres = activity_postgres;
    options.deployment.activity_postgres_schema = activity_postgres_schema;
    options.deployment.tls_cert = tls_cert;
    options.deployment.demo = demo;
    // Run as root, the route checks that the files belong to the account serving them.
    if (const passwd* self = ::getpwuid(::geteuid())) options.deployment.service_user = self->pw_name;
    if (live) {
      options.live_monitoring = [raw = live.get()] { return monitoring::StatusJson(raw->status()); };
      options.activity_writer = [raw = live.get()] { return raw->store(); };
      options.activity_retention = live_options.maintenance.daily_retention.value_or(activity::RetentionPolicy{});
    }
    // The profiles file: the names a site may be given, and the mandatory lists review
    // requests are checked against. Read again on SIGHUP; a broken file keeps what is in force.
    std::string mandatory_problem;
    auto initial_profiles = LoadFilteringProfiles(profiles, mandatory_problem);
    if (initial_profiles.ok()) {
      options.profile_names = initial_profiles->names;
      options.mandatory_lists = initial_profiles->mandatory_lists;
    } else {
      std::cerr << "esafe serve: " << initial_profiles.error().message
                << "; no site's filtering profile can be set until they are\n";
    }
    if (!mandatory_problem.empty()) {
      // The web app still serves; only approvals of unblock requests wait for the lists.
      std::cerr << "esafe serve: " << mandatory_problem << "; unblock requests cannot be approved until they are\n";
    }
    web::App web_app(*db, options);
    // The registration lives as long as the process, the App only as long as this scope:
    // it holds a weak reference, so a SIGHUP during shutdown finds nothing to reload.
    auto reload_profiles = std::make_shared<std::function<void()>>([&web_app, file = profiles] {
      std::string problem;
      auto reloaded = LoadFilteringProfiles(file, problem);
      if (!reloaded.ok() || !problem.empty()) {
        spdlog::error("SIGHUP: {}; the filtering profiles in force are kept",
                      reloaded.ok() ? problem : reloaded.error().message);
        return;
      }
      spdlog::info("SIGHUP: reloaded the filtering profiles from {}", file);
      web_app.ReplaceFilteringProfiles(std::move(*reloaded));
    });
    hangup::OnHangup([weak = std::weak_ptr<std::function<void()>>(reload_profiles)] {
      if (auto reload = weak.lock()) (*reload)();
    });
    web::HttpServer server(web_app, options.max_upload_body);
    server.TrustProxies(std::move(*proxies));
    if (!tls_cert.empty()) {
      if (auto tls = server.UseTls(tls_cert, tls_key); !tls.ok()) FailServeCommand(tls.error());
    }
    auto listening = server.Listen(listen);
    if (!listening.ok()) FailServeCommand(listening.error());
    if (!http_redirect.empty()) {
      auto redirecting = server.ListenRedirect(http_redirect, options.public_origin);
      if (!redirecting.ok()) FailServeCommand(redirecting.error());
    }
    std::string host = listen.substr(0, listen.rfind(':'));
    std::cout << fmt::format("esafe is running at {}://{}:{}/", tls_cert.empty() ? "http" : "https", host,
                             server.port())
              << std::endl;
    if (!http_redirect.empty()) {
      std::cout << fmt::format("redirecting plain HTTP on {}:{} to HTTPS", http_redirect.substr(0, http_redirect.rfind(':')),
                               server.redirect_port())
                << std::endl;
    }
    if (!demo_login.empty()) std::cout << demo_login << std::endl;
    std::cout << "press Ctrl-C to stop" << std::endl;
    auto retention = StartDailyRetentionRun(*db);
    // Every open connection is a descriptor: take what the system allows, so the
    // connection caps, not the descriptor limit, decide who is served.
    if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
      files.rlim_cur = files.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &files);
    }
    server.Run(threads);
  });

  static std::string username, display_name, role, agency;
  auto* user = app.add_subcommand("user", "Manage accounts");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "Create an account; the password is read from standard input");
  add->add_option("--db", db_url, "sqlite:PATH or postgresql://…")->capture_default_str();
  add->add_option("--username", username, "Sign-in name")->required();
  add->add_option("--name", display_name, "Name shown in the app")->required();
  add->add_option("--role", role, "Role")->required()->check(CLI::IsMember(access::RoleNames()));
  add->add_option("--agency-id", agency, "Agency id, for agency roles");
  add->callback([] {
    auto db = OpenOrFail(db_url);
    std::string password;
    if (!std::getline(std::cin, password)) FailServeCommand(Error::Invalid("give the password on standard input", "password"));
    if (!password.empty() && password.back() == '\r') password.pop_back();
    access::NewAccount a{.username = username, .display_name = display_name, .password = password,
                         .role = *access::ParseRole(role)};
    if (!agency.empty()) {
      try {
        a.agency_id = std::stoll(agency);
      } catch (...) {
        FailServeCommand(Error::Invalid("--agency-id must be a number", "agency-id"));
      }
    }
    auto id = access::AddAccount(*db, a, nullptr);
    if (!id.ok()) FailServeCommand(id.error());
    std::cout << fmt::format("created account {} (id {}) with role {}", username, *id, role) << std::endl;
  });

  // The account subcommands that act on one account by its sign-in name, run by the
  // operator (audited as "system"): the way back in when no administrator can sign in.
  static std::string target_username;
  auto account_command = [&](const char* name, const char* help, std::function<std::string(store::Database&, int64_t)> act) {
    auto* cmd = user->add_subcommand(name, help);
    cmd->add_option("--db", db_url, "sqlite:PATH or postgresql://…")->capture_default_str();
    cmd->add_option("username", target_username, "Sign-in name")->required();
    cmd->callback([act] {
      auto db = OpenOrFail(db_url);
      auto id = access::AccountIdByUsername(*db, target_username);
      if (!id.ok()) FailServeCommand(id.error());
      std::cout << act(*db, *id) << std::endl;
    });
  };
  account_command("unlock", "Clear an account's failed sign-ins (audited), so it can sign in at once",
                  [](store::Database& db, int64_t id) {
                    auto cleared = access::ClearLoginFailures(db, nullptr, id);
                    if (!cleared.ok()) FailServeCommand(cleared.error());
                    return fmt::format("cleared {} failed sign-ins for {}", *cleared, target_username);
                  });
  for (const bool disable : {true, false}) {
    account_command(disable ? "disable" : "enable",
                    disable ? "Disable an account (audited): it cannot sign in and its sessions end at once"
                            : "Enable a disabled account (audited)",
                    [disable](store::Database& db, int64_t id) {
                      auto done = access::SetAccountDisabled(db, nullptr, id, disable);
                      if (!done.ok()) FailServeCommand(done.error());
                      return fmt::format("{} {}", disable ? "disabled" : "enabled", target_username);
                    });
  }
  account_command("reset-password",
                  "Give an account a one-time password, printed once, to be changed at its next sign-in (audited)",
                  [](store::Database& db, int64_t id) {
                    auto password = access::ResetPassword(db, nullptr, id);
                    if (!password.ok()) FailServeCommand(password.error());
                    return fmt::format("temporary password for {}: {} (it must be changed at the next sign-in)",
                                       target_username, *password);
                  });
  account_command("reset-totp", "Switch an account's two-step sign-in off, e.g. after a lost phone (audited)",
                  [](store::Database& db, int64_t id) {
                    auto done = access::ResetTotp(db, nullptr, id);
                    if (!done.ok()) FailServeCommand(done.error());
                    return fmt::format("two-step sign-in switched off for {}", target_username);
                  });

  auto* demo_cmd = app.add_subcommand("demo", "Demonstration data");
  demo_cmd->require_subcommand(1);
  auto* load = demo_cmd->add_subcommand("load", "Load the demonstration partnership into an empty database");
  load->add_option("--db", db_url, "sqlite:PATH or postgresql://…")->capture_default_str();
  load->callback([] {
    auto db = OpenOrFail(db_url);
    EnsureShippedData(*db);
    std::string password = DemoPassword(db_url);
    bool loaded = LoadDemo(*db, password);
    std::cout << (loaded ? "demo partnership loaded; admin password: " + password
                          : std::string("the database already holds agencies; nothing loaded"))
              << std::endl;
  });
}

}  // namespace esafe::cli
