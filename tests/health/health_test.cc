// The deployment checks (src/health/health.h) on real files, a real SQLite database, a
// real activity log and real sockets on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "access/access.h"
#include "activity/activity.h"
#include "health/health.h"
#include "store/database.h"

namespace esafe::health {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using Clock = std::chrono::system_clock;

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("esafe-health-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// A self-signed certificate valid for `days`, made by the openssl command.
std::string MakeCert(const fs::path& dir, int days) {
  const auto cert = dir / ("cert" + std::to_string(days) + ".pem");
  const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=esafe.test -days " +
                              std::to_string(days) + " -keyout " + (dir / "key.pem").string() + " -out " +
                              cert.string() + " 2>/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0);
  return cert.string();
}

TEST_F(HealthTest, CertificateExpiry) {
  Deployment d;
  EXPECT_EQ(CheckTlsCertificate(d, Clock::now()).status, Status::kNotConfigured);
  d.tls_cert = MakeCert(dir_, 1);
  const auto soon = CheckTlsCertificate(d, Clock::now());
  EXPECT_EQ(soon.status, Status::kWarning) << soon.detail;
  EXPECT_NE(soon.advice.find("renew"), std::string::npos);
  const auto expired = CheckTlsCertificate(d, Clock::now() + hours(48));
  EXPECT_EQ(expired.status, Status::kProblem) << expired.detail;
  EXPECT_NE(expired.detail.find("expired"), std::string::npos);
  d.tls_cert = MakeCert(dir_, 400);
  EXPECT_EQ(CheckTlsCertificate(d, Clock::now()).status, Status::kOk);
  d.tls_cert = (dir_ / "missing.pem").string();
  EXPECT_EQ(CheckTlsCertificate(d, Clock::now()).status, Status::kProblem);
}

TEST_F(HealthTest, StaleListThresholds) {
  Deployment d;
  EXPECT_EQ(CheckListFiles(d, Clock::now()).front().status, Status::kNotConfigured);
  fs::create_directories(dir_ / "lists" / "adult");
  std::ofstream(dir_ / "lists" / "adult" / "domains") << "adult.example\n";
  d.list_dirs = {(dir_ / "lists").string()};
  // The file was written now: look at it from later and later.
  const auto at = [&](int days) { return CheckListFiles(d, Clock::now() + hours(24 * days)).front(); };
  EXPECT_EQ(at(0).status, Status::kOk);
  EXPECT_EQ(at(13).status, Status::kOk);
  EXPECT_EQ(at(15).status, Status::kWarning);
  const auto stale = at(31);
  EXPECT_EQ(stale.status, Status::kProblem);
  EXPECT_NE(stale.detail.find("31 days"), std::string::npos) << stale.detail;
  EXPECT_NE(stale.advice.find("update the lists"), std::string::npos);
  d.list_dirs = {(dir_ / "empty").string()};
  EXPECT_EQ(CheckListFiles(d, Clock::now()).front().status, Status::kProblem);
}

TEST_F(HealthTest, DatabaseModesMigrationsAndDemoAccounts) {
  const auto path = (dir_ / "esafe.db").string();
  Deployment d;
  d.db_url = "sqlite:" + path;
  EXPECT_EQ(CheckDatabase(d).status, Status::kProblem);  // no file yet: doctor must not create it
  EXPECT_FALSE(fs::exists(path));
  {
    auto db = store::Open(d.db_url);
    ASSERT_TRUE(db.ok()) << db.error().message;
    EXPECT_EQ(CheckDatabase(d).status, Status::kOk);
    EXPECT_EQ(CheckDemoAccounts(d).status, Status::kOk);
    auto added = access::AddAccount(**db, {.username = "demo1", .display_name = "Demo", .password = "demo-password-1",
                                           .role = access::Role::kBoardMember, .demo = true},
                                    nullptr);
    ASSERT_TRUE(added.ok()) << added.error().message;
    const auto enabled = CheckDemoAccounts(d);
    EXPECT_EQ(enabled.status, Status::kProblem) << enabled.detail;
    ASSERT_TRUE(access::SetDemoAccountsActive(**db, false).ok());
    EXPECT_EQ(CheckDemoAccounts(d).status, Status::kWarning);
    d.demo = true;
    EXPECT_EQ(CheckDemoAccounts(d).status, Status::kWarning);
  }
  ::chmod(path.c_str(), 0640);
  auto modes = CheckFileModes(d, false);
  ASSERT_FALSE(modes.empty());
  EXPECT_EQ(modes.front().status, Status::kOk) << modes.front().detail;
  ::chmod(path.c_str(), 0644);
  modes = CheckFileModes(d, false);
  ASSERT_FALSE(modes.empty());
  EXPECT_EQ(modes.front().status, Status::kProblem);
  EXPECT_EQ(modes.front().advice, "chmod 0640 " + path + ": it is readable by every user on the server");
  // Run as root, doctor wants the database to belong to the account serve runs as.
  ::chmod(path.c_str(), 0640);
  d.service_user = "nobody";
  modes = CheckFileModes(d, true);
  ASSERT_FALSE(modes.empty());
  EXPECT_EQ(modes.front().status, Status::kProblem);
  EXPECT_EQ(modes.front().advice, "chown nobody: " + path + ": esafe runs as nobody and must own what it writes");
  EXPECT_EQ(CheckFileModes(d, false).front().status, Status::kOk);  // not root: owners are not checked
  // A database esafe never opened has no schema.
  const auto empty = (dir_ / "other.db").string();
  std::ofstream(empty).flush();
  d.db_url = "sqlite:" + empty;
  EXPECT_EQ(CheckDatabase(d).status, Status::kProblem);
}

// A one-connection SMTP relay on 127.0.0.1: greets, answers EHLO.
class FakeRelay {
 public:
  FakeRelay() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 1);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      const std::string hello = "220 relay ESMTP\r\n";
      (void)::send(c, hello.data(), hello.size(), MSG_NOSIGNAL);
      char buf[256];
      (void)::recv(c, buf, sizeof buf, 0);
      const std::string ehlo = "250-relay\r\n250 8BITMIME\r\n";
      (void)::send(c, ehlo.data(), ehlo.size(), MSG_NOSIGNAL);
      (void)::recv(c, buf, sizeof buf, 0);
      ::close(c);
    });
  }
  ~FakeRelay() {
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(HealthTest, SmtpRelay) {
  Deployment d;
  EXPECT_EQ(CheckSmtp(d).status, Status::kNotConfigured);
  d.smtp_host = "127.0.0.1";
  {
    FakeRelay relay;
    d.smtp_port = relay.port();
    const auto ok = CheckSmtp(d);
    EXPECT_EQ(ok.status, Status::kOk) << ok.detail;
  }
  // Nobody listens there now.
  const auto started = Clock::now();
  const auto down = CheckSmtp(d);
  EXPECT_EQ(down.status, Status::kProblem);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
}

TEST_F(HealthTest, NodesAndLogVerification) {
  Deployment d;
  EXPECT_EQ(CheckActivityLog(d, Clock::now()).status, Status::kNotConfigured);
  d.activity_log_dir = (dir_ / "log").string();
  const auto now = Clock::now();
  const auto us = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  };
  {
    auto store = activity::Store::Open(d.activity_log_dir);
    ASSERT_TRUE(store.ok()) << store.error().message;
    activity::ActivityEvent fresh{.time_us = us(now - std::chrono::minutes(5)), .url = "http://a.example/",
                                  .host = "a.example", .node = "proxy-1"};
    activity::ActivityEvent old = fresh;
    old.time_us = us(now - hours(3));
    old.node = "proxy-2";
    std::vector<activity::ActivityEvent> batch{fresh, old};
    ASSERT_TRUE((*store)->Append(batch).ok());
    ASSERT_TRUE((*store)->Seal().ok());
  }
  const auto nodes = CheckNodes(d, now);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "enforcement point proxy-1");
  EXPECT_EQ(nodes[0].status, Status::kOk) << nodes[0].detail;
  EXPECT_EQ(nodes[1].name, "enforcement point proxy-2");
  EXPECT_EQ(nodes[1].status, Status::kProblem);
  const auto log = CheckActivityLog(d, now);
  EXPECT_EQ(log.status, Status::kOk) << log.detail;
  // A sealed segment changed behind the chain's back.
  for (const auto& entry : fs::directory_iterator(d.activity_log_dir)) {
    if (entry.path().extension() == ".esl") {
      std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(20);
      f.put('\x7f');
    }
  }
  const auto tampered = CheckActivityLog(d, now);
  EXPECT_EQ(tampered.status, Status::kProblem) << tampered.detail;
}

// The mirror check against a real PostgreSQL (ctest -L postgres gives ESAFE_TEST_DB): a
// log of four sealed segments, and a mirror's segments table holding all, then one, of them.
TEST_F(HealthTest, PostgresMirrorLag) {
  const char* url = std::getenv("ESAFE_TEST_DB");
  if (url == nullptr || !std::string_view(url).starts_with("postgresql://")) {
    GTEST_SKIP() << "needs ESAFE_TEST_DB=postgresql://… (ctest -L postgres)";
  }
  Deployment d;
  d.activity_log_dir = (dir_ / "log").string();
  d.activity_postgres = url;
  d.activity_postgres_schema = "health_mirror_" + std::to_string(::getpid());
  EXPECT_EQ(CheckMirror(Deployment{}).status, Status::kNotConfigured);
  {
    auto store = activity::Store::Open(d.activity_log_dir);
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (int i = 0; i < 4; ++i) {
      std::vector<activity::ActivityEvent> batch{
          {.time_us = 1'800'000'000'000'000 + i, .url = "http://a.example/", .host = "a.example", .node = "proxy-1"}};
      ASSERT_TRUE((*store)->Append(batch).ok());
      ASSERT_TRUE((*store)->Seal().ok());
    }
  }
  auto db = store::Open(url);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto sql = [&](const std::string& script) {
    auto done = (*db)->Transaction<void>([&](store::Connection& c) { return c.ExecuteScript(script); });
    ASSERT_TRUE(done.ok()) << script << ": " << done.error().message;
  };
  const std::string schema = d.activity_postgres_schema;
  sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  const auto missing = CheckMirror(d);
  EXPECT_EQ(missing.status, Status::kProblem) << missing.detail;  // esafe serve never made the schema
  sql("CREATE SCHEMA " + schema + "; CREATE TABLE " + schema + ".segments (seq BIGINT PRIMARY KEY); INSERT INTO " +
      schema + ".segments VALUES (1), (2), (3), (4)");
  const auto caught_up = CheckMirror(d);
  EXPECT_EQ(caught_up.status, Status::kOk) << caught_up.detail;
  sql("DELETE FROM " + schema + ".segments WHERE seq > 1");
  const auto behind = CheckMirror(d);
  EXPECT_EQ(behind.status, Status::kProblem) << behind.detail;
  EXPECT_NE(behind.detail.find("3 sealed segments not yet copied"), std::string::npos) << behind.detail;
  sql("DROP SCHEMA " + schema + " CASCADE");
  Deployment unreachable = d;
  unreachable.activity_postgres = "postgresql://esafe@127.0.0.1:1/esafe";
  EXPECT_EQ(CheckMirror(unreachable).status, Status::kProblem);
}

TEST_F(HealthTest, JsonTextAndWorst) {
  std::vector<Check> checks{{"a", Status::kOk, "fine", ""}, {"b", Status::kWarning, "old", "renew"}};
  EXPECT_EQ(Worst(checks), Status::kWarning);
  checks.push_back({"c", Status::kProblem, "broken", "fix it"});
  const auto json = ToJson(checks);
  EXPECT_EQ(json["status"], "problem");
  EXPECT_EQ(json["checks"][2]["advice"], "fix it");
  EXPECT_NE(ToText(checks).find("problem        c: broken — fix it"), std::string::npos);
  access::Principal board;
  board.role = access::Role::kBoardMember;
  EXPECT_EQ(DeploymentHealth(board, {}).error().kind, ErrorKind::kForbidden);
}

}  // namespace
}  // namespace esafe::health
