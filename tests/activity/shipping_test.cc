// Enforcement points sending to the log host: batch marks (a resent batch is stored
// once, across WAL replay and seals), the TLS listener with node tokens, and the
// shipper's spool while the log host is away or its spool is full.
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "activity/shipper.h"
#include "activity_test_util.h"
#include "support/wait_for.h"

namespace esafe::activity {
namespace {

using testing::All;
using testing::EventGen;
using testing::Lines;
using testing::TempDir;

std::vector<ActivityEvent> Events(uint64_t seed, size_t n) { return EventGen(seed).Batch(n); }

TEST(BatchMarks, AResentBatchIsStoredOnceAcrossReplayAndSeal) {
  TempDir dir;
  const auto first = Events(1, 10), second = Events(2, 7);
  const BatchMark one{"school-a", "g1", 1}, two{"school-a", "g1", 2};
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto appended = (*store)->AppendOnce(first, one);
    ASSERT_TRUE(appended.ok() && *appended);
    appended = (*store)->AppendOnce(first, one);
    ASSERT_TRUE(appended.ok());
    EXPECT_FALSE(*appended) << "the same batch again is a duplicate";
    EXPECT_EQ((*store)->LastBatch("g1"), 1u);
    EXPECT_EQ((*store)->LastBatch("other"), 0u);
  }
  {  // After a restart the WAL remembers the mark.
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->LastBatch("g1"), 1u);
    EXPECT_FALSE(*(*store)->AppendOnce(first, one));
    EXPECT_TRUE(*(*store)->AppendOnce(second, two));
    ASSERT_TRUE((*store)->Seal().ok());
  }
  {  // After the seal the WAL is gone and the chain remembers it.
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->LastBatch("g1"), 2u);
    EXPECT_FALSE(*(*store)->AppendOnce(second, two));
    EXPECT_FALSE(*(*store)->AppendOnce(first, one));
    // Another generation (another spool) is independent.
    EXPECT_TRUE(*(*store)->AppendOnce(first, BatchMark{"school-b", "g2", 1}));
  }
  std::vector<ActivityEvent> expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  expected.insert(expected.end(), first.begin(), first.end());
  EXPECT_EQ(Lines(All(dir.path())), Lines(expected));
  auto report = Verify(dir.path());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

TEST(BatchMarks, BadMarksAreRefused) {
  TempDir dir;
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->AppendOnce(Events(1, 1), {"n", "", 1}).ok());
  EXPECT_FALSE((*store)->AppendOnce(Events(1, 1), {"n", "bad generation", 1}).ok());
  EXPECT_FALSE((*store)->AppendOnce(Events(1, 1), {"n", "g", 0}).ok());
  EXPECT_TRUE(All(dir.path()).empty());
}

// A CA, and a certificate for 127.0.0.1 and localhost signed by it, made with the
// openssl command as an operator would.
struct TestPki {
  explicit TestPki(const TempDir& dir) : ca(dir.sub("ca.pem")), cert(dir.sub("log.pem")), key(dir.sub("log.key")) {
    const std::string d = dir.path();
    const std::string script =
        "cd " + d + " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
        "-out ca.pem -days 2 -subj '/CN=esafe test CA' && openssl req -newkey ec -pkeyopt "
        "ec_paramgen_curve:P-256 -nodes -keyout log.key -out log.csr -subj '/CN=localhost' && printf "
        "'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext && openssl x509 -req -in log.csr -CA ca.pem -CAkey "
        "ca.key -CAcreateserial -out log.pem -days 2 -extfile ext";
    ok = std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
  }
  std::string ca, cert, key;
  bool ok = false;
};

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Generous: two busy cores under the sanitizer build.
template <typename Done>
bool WaitFor(Done done) {
  return testing_support::WaitFor(done, std::chrono::seconds(20));
}

class RunningServer {
 public:
  RunningServer(Store& store, const IngestOptions& options) {
    auto created = IngestServer::Create(store, options);
    if (!created.ok()) {
      error = created.error().message;
      return;
    }
    server = std::move(*created);
    thread = std::thread([this] { server->Run(); });
  }
  ~RunningServer() {
    if (server) {
      server->Stop();
      thread.join();
    }
  }
  std::unique_ptr<IngestServer> server;
  std::thread thread;
  std::string error;
};

const std::string kToken = "tok-school-a-0123456789abcdefghijklmnop";

TEST(IngestOverTls, NodesWithTheirTokensAreStoredOnceAndAWrongTokenIsRefused) {
  TempDir dir;
  TestPki pki(dir);
  ASSERT_TRUE(pki.ok) << "openssl could not make the test certificates";
  WriteText(dir.sub("tokens"), "# node token\nschool-a " + kToken + "\n");
  WriteText(dir.sub("a.token"), kToken + "\n");
  WriteText(dir.sub("wrong.token"), "tok-not-listed-0123456789abcdefghijklmnop\n");
  auto store = Store::Open(dir.sub("log"));
  ASSERT_TRUE(store.ok());
  IngestOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_cert_file = pki.cert;
  options.tls_key_file = pki.key;
  options.tokens_file = dir.sub("tokens");
  options.socket_path = dir.sub("ingest.sock");
  RunningServer running(**store, options);
  ASSERT_TRUE(running.server) << running.error;
  const uint16_t port = running.server->port();
  ASSERT_NE(port, 0);

  const auto tls_events = Events(3, 2500), unix_events = Events(4, 1200);
  {
    ShipperOptions tls;
    tls.address = "tls://127.0.0.1:" + std::to_string(port);
    tls.token_file = dir.sub("a.token");
    tls.ca_file = pki.ca;
    tls.spool_dir = dir.sub("spool-a");
    tls.batch_events = 700;
    auto shipper = LogShipper::Start(tls);
    ASSERT_TRUE(shipper.ok()) << shipper.error().message;
    ShipperOptions local;
    local.address = "unix:" + options.socket_path;
    local.node = "proxy-1";
    local.spool_dir = dir.sub("spool-b");
    auto local_shipper = LogShipper::Start(local);
    ASSERT_TRUE(local_shipper.ok()) << local_shipper.error().message;
    for (const auto& e : tls_events) (*shipper)->Send(FormatEventJson(e));
    for (const auto& e : unix_events) (*local_shipper)->Send(FormatEventJson(e));
    EXPECT_TRUE(WaitFor([&] { return (*shipper)->stats().delivered == tls_events.size(); }))
        << (*shipper)->stats().last_error;
    EXPECT_TRUE(WaitFor([&] { return (*local_shipper)->stats().delivered == unix_events.size(); }))
        << (*local_shipper)->stats().last_error;
    EXPECT_EQ((*shipper)->stats().spool_batches, 0u);
    EXPECT_GE((*shipper)->stats().batches_sent, 4u);
  }
  {
    ShipperOptions wrong;
    wrong.address = "tls://127.0.0.1:" + std::to_string(port);
    wrong.token_file = dir.sub("wrong.token");
    wrong.ca_file = pki.ca;
    wrong.spool_dir = dir.sub("spool-c");
    auto shipper = LogShipper::Start(wrong);
    ASSERT_TRUE(shipper.ok());
    (*shipper)->Send(FormatEventJson(Events(5, 1).front()));
    EXPECT_TRUE(WaitFor([&] { return running.server->stats().refused >= 1; }));
    EXPECT_TRUE(WaitFor([&] { return (*shipper)->stats().last_error.find("refused") != std::string::npos; }))
        << (*shipper)->stats().last_error;
    EXPECT_EQ((*shipper)->stats().delivered, 0u);
    EXPECT_EQ((*shipper)->stats().spool_batches, 1u) << "the refused batch stays in the spool";
  }
  {  // A client that trusts another CA does not send to this host.
    TempDir other;
    TestPki other_pki(other);
    ASSERT_TRUE(other_pki.ok);
    ShipperOptions untrusted;
    untrusted.address = "tls://127.0.0.1:" + std::to_string(port);
    untrusted.token_file = dir.sub("a.token");
    untrusted.ca_file = other_pki.ca;
    untrusted.spool_dir = dir.sub("spool-d");
    auto shipper = LogShipper::Start(untrusted);
    ASSERT_TRUE(shipper.ok());
    (*shipper)->Send(FormatEventJson(Events(6, 1).front()));
    EXPECT_TRUE(WaitFor([&] { return !(*shipper)->stats().last_error.empty(); }));
    EXPECT_NE((*shipper)->stats().last_error.find("TLS"), std::string::npos) << (*shipper)->stats().last_error;
    EXPECT_EQ((*shipper)->stats().delivered, 0u);
  }
  running.server->Stop();
  running.thread.join();
  running.server.reset();
  store->reset();
  // Each event is attributed to the node its connection names, whatever the line said:
  // over TLS the token's node, on the socket the name the sender gave.
  std::vector<ActivityEvent> expected;
  for (auto e : tls_events) expected.push_back((e.node = "school-a", e));
  for (auto e : unix_events) expected.push_back((e.node = "proxy-1", e));
  EXPECT_EQ(Lines(All(dir.sub("log"))), Lines(expected));
}

TEST(IngestOverTls, RefusesToStartWithoutCertificateOrTokens) {
  TempDir dir;
  auto store = Store::Open(dir.sub("log"));
  ASSERT_TRUE(store.ok());
  IngestOptions options;
  options.listen = "127.0.0.1:0";
  EXPECT_FALSE(IngestServer::Create(**store, options).ok());
  options.tls_cert_file = dir.sub("missing.pem");
  options.tls_key_file = dir.sub("missing.key");
  options.tokens_file = dir.sub("tokens");
  WriteText(options.tokens_file, "school-a short\n");
  auto created = IngestServer::Create(**store, options);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("tokens:1"), std::string::npos) << created.error().message;
}

TEST(Shipper, SpoolsWhileTheLogHostIsAwayAndDeliversInOrderOnce) {
  TempDir dir;
  const std::string socket = dir.sub("ingest.sock");
  ShipperOptions options;
  options.address = "unix:" + socket;
  options.spool_dir = dir.sub("spool");
  options.node = "proxy-2";
  options.batch_events = 100;
  options.retry_max = std::chrono::milliseconds(300);
  auto events = Events(7, 1000);
  for (auto& e : events) e.node = "proxy-2";
  {
    auto shipper = LogShipper::Start(options);
    ASSERT_TRUE(shipper.ok()) << shipper.error().message;
    for (size_t i = 0; i < 600; ++i) (*shipper)->Send(FormatEventJson(events[i]));
    EXPECT_TRUE(WaitFor([&] { return (*shipper)->stats().spooled == 600; }));
    EXPECT_GE((*shipper)->stats().spool_batches, 6u);
    EXPECT_FALSE((*shipper)->stats().connected);
  }  // the process ends with the log host still away: the spool keeps the batches
  auto slots = ReadSpoolStatus(options.spool_dir);
  ASSERT_TRUE(slots.ok());
  ASSERT_EQ(slots->size(), 1u);
  EXPECT_GE((*slots)[0].batches, 6u);
  EXPECT_FALSE((*slots)[0].running);

  auto store = Store::Open(dir.sub("log"));
  ASSERT_TRUE(store.ok());
  {
    auto shipper = LogShipper::Start(options);  // resumes the slot
    ASSERT_TRUE(shipper.ok());
    for (size_t i = 600; i < events.size(); ++i) (*shipper)->Send(FormatEventJson(events[i]));
    RunningServer running(**store, IngestOptions{.socket_path = socket});
    ASSERT_TRUE(running.server) << running.error;
    EXPECT_TRUE(WaitFor([&] { return running.server->stats().accepted == events.size(); }))
        << running.server->stats().accepted;
    EXPECT_TRUE(WaitFor([&] { return (*shipper)->stats().spool_batches == 0; }));
  }
  store->reset();
  EXPECT_EQ(Lines(All(dir.sub("log"))), Lines(events));
}

TEST(Shipper, AFullSpoolDropsAndSaysSo) {
  TempDir dir;
  ShipperOptions options;
  options.address = "unix:" + dir.sub("nobody.sock");
  options.spool_dir = dir.sub("spool");
  options.spool_max_bytes = 1 << 20;
  options.batch_events = 500;
  auto shipper = LogShipper::Start(options);
  ASSERT_TRUE(shipper.ok());
  const std::string line = FormatEventJson(Events(8, 1).front());
  const size_t n = (2u << 20) / line.size();
  for (size_t i = 0; i < n; ++i) (*shipper)->Send(line);
  EXPECT_TRUE(WaitFor([&] { return (*shipper)->stats().queued == n && (*shipper)->stats().dropped > 0; }));
  const auto s = (*shipper)->stats();
  EXPECT_TRUE(s.spool_full);
  EXPECT_LE(s.spool_bytes, options.spool_max_bytes);
  EXPECT_TRUE(WaitFor([&] {
    auto slots = ReadSpoolStatus(options.spool_dir);
    return slots.ok() && !slots->empty() && (*slots)[0].status_json.find("\"spool_full\":true") != std::string::npos;
  }));
}

}  // namespace
}  // namespace esafe::activity
