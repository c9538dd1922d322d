// Integration tests of the enforcement points against the real servers they sit beside:
// Squid 5 with `esafe squid-helper`, Squid 5 with `esafe icap`, and Unbound loading
// `esafe rpz export`. Everything runs on loopback, from a temporary folder; nothing needs
// the network.
//
//   enforce_integration_test PATH/TO/esafe [--gtest_filter=…]
//
// Clients are told apart by source address: 127.0.0.2 is a pupil, 127.0.0.3 staff. A
// tiny origin server on 127.0.0.1 answers for any Host; Squid's hosts_file points the
// test names at it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "filter/url_hash.h"

namespace fs = std::filesystem;

namespace {

std::string g_esafe;  // the esafe binary under test

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A temporary folder every user can write (Squid's helpers run as `proxy`).
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "esafe-enforce-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
    fs::permissions(path, fs::perms::all);
  }
  ~TempDir() {
    if (!std::getenv("ESAFE_KEEP_TEMP")) {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  }
};

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A child process with its output in files; stopped (TERM, then KILL) when destroyed.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(o, 1);
      ::dup2(e, 2);
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Process() { Stop(); }

  // Waits for the process to exit by itself; returns its exit status (-1 on timeout).
  int Wait(int seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);  // the group: Squid's helpers go too
    if (Wait(10) == -1) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

bool CanConnect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool WaitForPort(uint16_t port, Process& process, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (CanConnect(port)) return true;
    if (!process.Running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Answers every HTTP request with 200 and "origin: <Host>", for any Host.
class OriginServer {
 public:
  OriginServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 64);
    socklen_t length = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OriginServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  void Serve() {
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) {
        if (stop_) return;
        continue;
      }
      std::thread([client] {
        timeval timeout{5, 0};
        ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        std::string request;
        char buffer[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
          if (n <= 0) break;
          request.append(buffer, static_cast<size_t>(n));
        }
        std::string host = "?";
        if (size_t at = request.find("\nHost: "); at != std::string::npos) {
          host = request.substr(at + 7, request.find('\r', at) - at - 7);
        }
        const std::string body = "origin: " + host + "\n";
        const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
        ::close(client);
      }).detach();
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct HttpResponse {
  int status = 0;
  std::string head;
  std::string body;
  std::string Header(const std::string& name) const {
    const size_t at = head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    const size_t start = at + name.size() + 4;
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

// Sends `request` to the proxy on 127.0.0.1:`port` from source address `from` and reads
// the answer (for CONNECT, just the proxy's answer head).
HttpResponse Ask(const std::string& from, uint16_t port, const std::string& request) {
  HttpResponse response;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local), 0) << "bind " << from;
  sockaddr_in proxy{};
  proxy.sin_family = AF_INET;
  proxy.sin_port = htons(port);
  proxy.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&proxy), sizeof proxy) != 0) {
    ::close(fd);
    return response;
  }
  timeval timeout{15, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  const bool connect = request.starts_with("CONNECT");
  std::string data;
  char buffer[8192];
  for (;;) {
    if (connect && data.find("\r\n\r\n") != std::string::npos) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
    const size_t end = data.find("\r\n\r\n");
    if (end != std::string::npos) {
      // Stop once Content-Length bytes have arrived.
      const size_t cl = data.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) {
        const size_t length = std::stoul(data.substr(cl + 16));
        if (data.size() >= end + 4 + length) break;
      }
    }
  }
  ::close(fd);
  const size_t end = data.find("\r\n\r\n");
  response.head = data.substr(0, end == std::string::npos ? data.size() : end + 2);
  if (end != std::string::npos) response.body = data.substr(end + 4);
  if (data.starts_with("HTTP/1.")) response.status = std::atoi(data.c_str() + 9);
  return response;
}

std::string Get(const std::string& url) {
  const size_t host_start = url.find("://") + 3;
  const std::string host = url.substr(host_start, url.find('/', host_start) - host_start);
  return "GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: esafe-test\r\nConnection: close\r\n\r\n";
}

std::string Connect(const std::string& authority) {
  return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n";
}

// Lists, profiles and mandatory list for the tests. The staff profile's override tries
// to allow the mandatory-listed host; it must not work.
void WritePolicy(const fs::path& dir) {
  // some-adult.test and 127.0.0.10 for the content-proxy corpus (content_proxy_corpus.txt).
  Write(dir / "lists/adult/domains", "adult.test\nsome-adult.test\n127.0.0.10\n");
  Write(dir / "lists/gambling/domains", "casino.test\n");
  Write(dir / "iwf.hashes", esafe::filter::DigestToHex(esafe::filter::Sha256("mandatory.test/hidden")) + "\n");
  Write(dir / "profiles.yaml", R"(version: "integration-1"
default_profile: pupil
content_proxies: )" ESAFE_TEST_SOURCE_DIR R"(/data/filter/content-proxies.yaml
mandatory:
  - {category: iwf, file: iwf.hashes, format: hashes}
profiles:
  - name: pupil
    safe_search: true
    block: [adult, gambling]
  - name: staff
    block: [gambling]
    overrides:
      allow: [mandatory.test, casino.test]
clients:
  - {cidr: 127.0.0.2/32, profile: pupil}
  - {cidr: 127.0.0.3/32, profile: staff}
)");
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    fs::permissions(entry.path(), entry.is_directory() ? fs::perms::all : fs::perms(0644));
  }
}

std::string SquidConfig(const fs::path& dir, uint16_t port, const std::string& extra) {
  std::string config = "http_port 127.0.0.1:" + std::to_string(port) + "\n" +
                       "pid_filename " + (dir / "squid.pid").string() + "\n" +
                       "cache_log " + (dir / "cache.log").string() + "\n" +
                       "access_log " + (dir / "access.log").string() + "\n" +
                       "coredump_dir " + dir.string() + "\n" +
                       "hosts_file " + (dir / "hosts").string() + "\n" +
                       "dns_nameservers 127.0.0.1\n"
                       "cache deny all\n"
                       "cache_mem 8 MB\n"
                       "shutdown_lifetime 1 seconds\n"
                       "netdb_filename none\n"
                       "acl clients src 127.0.0.0/8\n" + extra +
                       "http_access allow clients\n"
                       "http_access deny all\n";
  if (::geteuid() == 0) config += "cache_effective_user proxy\n";
  return config;
}

// One line of the content-proxy corpus: a URL (or CONNECT authority) and whether it must
// be blocked for the pupil profile.
struct CorpusCase {
  std::string url;
  bool connect = false;
  bool block = false;
};

std::vector<CorpusCase> ProxyCorpus() {
  std::vector<CorpusCase> cases;
  std::ifstream in(ESAFE_TEST_SOURCE_DIR "/tests/integration/enforce/content_proxy_corpus.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string expect, url;
    fields >> expect >> url;
    cases.push_back({url, expect.starts_with("connect-"), expect.ends_with("block")});
  }
  return cases;
}

// The corpus's host names, for Squid's hosts_file (all on 127.0.0.1; nothing listens on
// port 80 there, so an allowed request fails fast instead of waiting on DNS).
std::string CorpusHosts() {
  std::set<std::string> hosts;
  for (const auto& c : ProxyCorpus()) {
    std::string authority = c.connect ? c.url : c.url.substr(c.url.find("://") + 3);
    authority = authority.substr(0, authority.find_first_of("/?"));
    if (authority.empty() || authority[0] == '[') continue;
    hosts.insert(authority.substr(0, authority.find(':')));
  }
  std::string line = "127.0.0.1";
  for (const auto& host : hosts) line += " " + host;
  return line + "\n";
}

// Each class has at least five blocked forms and as many near misses (issue 22).
TEST(ProxyCorpus, HasFiveFormsPerClassAndAsManyNearMisses) {
  const auto cases = ProxyCorpus();
  size_t blocked = 0;
  for (const auto& c : cases) blocked += c.block;
  EXPECT_GE(blocked, 20u);
  EXPECT_GE(cases.size() - blocked, blocked);
}

// `esafe filter check --profile pupil` blocks every blocked form and no near miss.
TEST(ProxyCorpus, FilterCheck) {
  TempDir dir;
  WritePolicy(dir.path);
  const auto cases = ProxyCorpus();
  ASSERT_FALSE(cases.empty());
  std::string input;
  for (const auto& c : cases) input += c.url + "\n";
  Write(dir.path / "urls.txt", input);
  const std::string command = g_esafe + " filter check --profile pupil --profiles " +
                              (dir.path / "profiles.yaml").string() + " --lists " + (dir.path / "lists").string() +
                              " < " + (dir.path / "urls.txt").string() + " > " + (dir.path / "out.jsonl").string() +
                              " 2> " + (dir.path / "err.txt").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << Slurp(dir.path / "err.txt");
  std::istringstream out(Slurp(dir.path / "out.jsonl"));
  std::string line;
  size_t i = 0, blocked = 0;
  for (; i < cases.size() && std::getline(out, line); ++i) {
    const bool is_block = line.find("\"action\":\"block\"") != std::string::npos;
    EXPECT_EQ(is_block, cases[i].block) << cases[i].url << " -> " << line;
    blocked += is_block && cases[i].block;
  }
  EXPECT_EQ(i, cases.size());
  std::printf("filter check: %zu blocked forms blocked of %zu cases\n", blocked, cases.size());
}

// `esafe filter check` fails closed on hosts the WHATWG host parser rejects (issue 24),
// and still allows a valid IDN host whose deleted code point UTS-46 drops.
TEST(FilterCheck, InvalidHostIsBlocked) {
  TempDir dir;
  WritePolicy(dir.path);
  Write(dir.path / "urls.txt", "http://a%00b.example/\nhttp://xn--pokxncvks.example/\nhttp://a%20b.example/\n"
                               "http://ok%C2%ADsite.example/\n");
  const std::string command = g_esafe + " filter check --profile pupil --profiles " +
                              (dir.path / "profiles.yaml").string() + " --lists " + (dir.path / "lists").string() +
                              " < " + (dir.path / "urls.txt").string() + " > " + (dir.path / "out.jsonl").string() +
                              " 2> " + (dir.path / "err.txt").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << Slurp(dir.path / "err.txt");
  std::istringstream out(Slurp(dir.path / "out.jsonl"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(out, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << Slurp(dir.path / "out.jsonl");
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NE(lines[i].find("\"action\":\"block\""), std::string::npos) << lines[i];
    EXPECT_NE(lines[i].find("\"reason\":\"invalid host\""), std::string::npos) << lines[i];
  }
  EXPECT_NE(lines[3].find("\"canonical\":\"http://oksite.example/\""), std::string::npos) << lines[3];
}

// The squid.conf lines that send every request to an ICAP REQMOD service on `port`.
std::string IcapSquidLines(uint16_t port) {
  return "icap_enable on\n"
         "icap_preview_enable on\n"
         "adaptation_send_client_ip on\n"
         "icap_service esafe_req reqmod_precache icap://127.0.0.1:" + std::to_string(port) +
         "/reqmod bypass=off\n"
         "adaptation_access esafe_req allow all\n";
}

class SquidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/sbin/squid")) GTEST_SKIP() << "squid is not installed";
    WritePolicy(dir_.path);
    Write(dir_.path / "hosts", "127.0.0.1 adult.test www.adult.test casino.test mandatory.test ok.test\n" +
                                   CorpusHosts());
    fs::permissions(dir_.path / "hosts", fs::perms(0644));
    squid_port_ = FreePort();
  }

  void StartSquid(const std::string& extra) {
    Write(dir_.path / "squid.conf", SquidConfig(dir_.path, squid_port_, extra));
    squid_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/squid", "-N", "-f", (dir_.path / "squid.conf").string()},
        dir_.path / "squid.out", dir_.path / "squid.err");
    ASSERT_TRUE(WaitForPort(squid_port_, *squid_, 30))
        << "squid did not start:\n" << Slurp(dir_.path / "squid.err") << Slurp(dir_.path / "cache.log");
  }

  // Squid adapting every request through `esafe icap` (REQMOD, no bypass) on icap_port_.
  void StartSquidWithIcap() {
    icap_port_ = FreePort();
    icap_ = std::make_unique<Process>(
        std::vector<std::string>{g_esafe, "icap", "--listen", "127.0.0.1:" + std::to_string(icap_port_),
                                 "--profiles", (dir_.path / "profiles.yaml").string(), "--lists",
                                 (dir_.path / "lists").string(), "--review-url", "https://esafe.test/review",
                                 "--decision-log", (dir_.path / "decisions.jsonl").string()},
        dir_.path / "esafe.out", dir_.path / "esafe.err");
    ASSERT_TRUE(WaitForPort(icap_port_, *icap_, 20)) << Slurp(dir_.path / "esafe.err");
    StartSquid(IcapSquidLines(icap_port_));
  }

  // Squid with `esafe squid-helper` as its URL rewriter and, for CONNECT, its external ACL.
  void StartSquidWithHelper() {
    const std::string common = " --profiles " + (dir_.path / "profiles.yaml").string() + " --lists " +
                               (dir_.path / "lists").string() + " --decision-log " +
                               (dir_.path / "decisions.jsonl").string();
    StartSquid("url_rewrite_program " + g_esafe + " squid-helper --block-page http://blocked.test/blocked" + common +
               "\nurl_rewrite_children 2 startup=1 idle=1 concurrency=20\n"
               "external_acl_type esafe_acl ttl=0 negative_ttl=0 children-max=2 concurrency=20 %ru %>a %un %>rm " +
               g_esafe + " squid-helper --mode acl" + common +
               "\nacl esafe_ok external esafe_acl\n"
               "http_access deny CONNECT !esafe_ok\n"
               "url_rewrite_access deny CONNECT\n");
  }

  std::string Url(const std::string& host, const std::string& path = "/page") {
    return "http://" + host + ":" + std::to_string(origin_.port()) + path;
  }
  std::string Diagnostics() { return Slurp(dir_.path / "cache.log") + Slurp(dir_.path / "esafe.err"); }

  // The decisions the helper or service wrote.
  std::string Decisions() { return Slurp(dir_.path / "decisions.jsonl"); }

  TempDir dir_;
  OriginServer origin_;
  uint16_t squid_port_ = 0;
  std::unique_ptr<Process> squid_;
  uint16_t icap_port_ = 0;
  std::unique_ptr<Process> icap_;  // set by StartSquidWithIcap
};

TEST_F(SquidTest, SquidHelper) {
  StartSquidWithHelper();
  if (HasFatalFailure()) return;

  // A pupil asking for a listed adult site is sent to the block page.
  const HttpResponse pupil = Ask("127.0.0.2", squid_port_, Get(Url("adult.test")));
  EXPECT_EQ(pupil.status, 302) << pupil.head << Diagnostics();
  const std::string location = pupil.Header("Location");
  EXPECT_TRUE(location.starts_with("http://blocked.test/blocked?url=http%3A%2F%2Fadult.test")) << location;
  EXPECT_NE(location.find("&category=adult"), std::string::npos) << location;
  EXPECT_EQ(pupil.body.find("origin:"), std::string::npos);

  // The same URL from a staff address passes.
  const HttpResponse staff = Ask("127.0.0.3", squid_port_, Get(Url("adult.test")));
  EXPECT_EQ(staff.status, 200) << staff.head << Diagnostics();
  EXPECT_NE(staff.body.find("origin: adult.test"), std::string::npos) << staff.body;

  // The mandatory list is blocked for every profile, even with an override that allows it.
  for (const char* from : {"127.0.0.2", "127.0.0.3"}) {
    const HttpResponse mandatory = Ask(from, squid_port_, Get(Url("mandatory.test", "/hidden/item")));
    EXPECT_EQ(mandatory.status, 302) << from << "\n" << mandatory.head;
    EXPECT_NE(mandatory.Header("Location").find("category=mandatory"), std::string::npos) << mandatory.head;
  }
  // The override does open what it names when it is not mandatory.
  EXPECT_EQ(Ask("127.0.0.3", squid_port_, Get(Url("casino.test"))).status, 200);
  EXPECT_EQ(Ask("127.0.0.2", squid_port_, Get(Url("casino.test"))).status, 302);

  // HTTPS without interception: a CONNECT to a listed host is refused for the pupil, and
  // the tunnel opens for staff.
  const HttpResponse tunnel = Ask("127.0.0.2", squid_port_, Connect("adult.test:" + std::to_string(origin_.port())));
  EXPECT_EQ(tunnel.status, 403) << tunnel.head;
  const HttpResponse staff_tunnel =
      Ask("127.0.0.3", squid_port_, Connect("adult.test:" + std::to_string(origin_.port())));
  EXPECT_EQ(staff_tunnel.status, 200) << staff_tunnel.head << Diagnostics();

  // An unlisted site passes for the pupil.
  EXPECT_EQ(Ask("127.0.0.2", squid_port_, Get(Url("ok.test"))).status, 200);
  // A blocked tunnel asked for again is decided (and logged) again: no cached answer.
  EXPECT_EQ(Ask("127.0.0.2", squid_port_, Connect("adult.test:" + std::to_string(origin_.port()))).status, 403);

  // Each request logged exactly once (issue 17 item 5): ten requests, ten decisions; the
  // ACL helper decides CONNECT only and the rewrite helper everything else.
  const std::string decisions = Decisions();
  EXPECT_EQ(std::count(decisions.begin(), decisions.end(), '\n'), 10) << decisions;
  EXPECT_NE(decisions.find("\"point\":\"squid-helper\""), std::string::npos) << decisions;
  // The activity log's event, as `esafe log ingest --stdin` reads it (activity::FormatEventJson).
  EXPECT_NE(decisions.find("\"client\":\"127.0.0.2\",\"user\":\"\",\"site\":\"\",\"agency\":\"\","
                           "\"profile\":\"pupil\",\"url\":\"http://adult.test/page\",\"host\":\"adult.test\","
                           "\"category\":\"adult\""),
            std::string::npos)
      << decisions;
  EXPECT_NE(decisions.find("\"reason\":\"mandatory list\""), std::string::npos);
}

// Runs the content-proxy corpus through the Squid at `port` for the pupil: `blocked` says
// whether an answer is this enforcement point's block.
void RunCorpusThroughSquid(uint16_t port, const std::function<bool(const CorpusCase&, const HttpResponse&)>& blocked,
                           const std::string& diagnostics_path) {
  const auto cases = ProxyCorpus();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const HttpResponse r = Ask("127.0.0.2", port, c.connect ? Connect(c.url) : Get(c.url));
    EXPECT_EQ(blocked(c, r), c.block) << (c.connect ? "CONNECT " : "GET ") << c.url << " -> " << r.status << "\n"
                                      << r.head << Slurp(diagnostics_path);
  }
}

TEST_F(SquidTest, ProxyCorpusSquidHelper) {
  StartSquidWithHelper();
  if (HasFatalFailure()) return;
  RunCorpusThroughSquid(
      squid_port_,
      [](const CorpusCase& c, const HttpResponse& r) {
        if (c.connect) return r.status == 403;
        return r.status == 302 && r.Header("Location").starts_with("http://blocked.test/blocked?");
      },
      dir_.path / "cache.log");
  // The block page names the wrapped URL, and the log records it with the proxy.
  const HttpResponse translated =
      Ask("127.0.0.2", squid_port_, Get("http://translate.google.com/translate?sl=auto&u=http://adult.test/page"));
  EXPECT_TRUE(translated.Header("Location").starts_with("http://blocked.test/blocked?url=http%3A%2F%2Fadult.test%2Fpage"))
      << translated.head;
  const std::string decisions = Decisions();
  EXPECT_NE(decisions.find("\"url\":\"http://adult.test/page\",\"host\":\"adult.test\""), std::string::npos)
      << decisions;
  EXPECT_NE(decisions.find("\"reason\":\"category via translate.google.com\""), std::string::npos) << decisions;
}

TEST_F(SquidTest, ProxyCorpusIcap) {
  StartSquidWithIcap();
  if (HasFatalFailure()) return;
  RunCorpusThroughSquid(
      squid_port_,
      [](const CorpusCase& c, const HttpResponse& r) {
        if (c.connect) return r.status == 403;
        return r.status == 403 && r.body.find("This page has been blocked") != std::string::npos;
      },
      dir_.path / "esafe.err");
  const HttpResponse archived =
      Ask("127.0.0.2", squid_port_, Get("http://web.archive.org/web/2020/http://adult.test/page"));
  EXPECT_NE(archived.body.find("<code>http://adult.test/page</code>"), std::string::npos) << archived.body;
  EXPECT_NE(archived.body.find("<dt>Through</dt><dd><code>web.archive.org</code>"), std::string::npos) << archived.body;
  EXPECT_TRUE(icap_->Running());
}

TEST_F(SquidTest, Icap) {
  StartSquidWithIcap();
  if (HasFatalFailure()) return;

  const HttpResponse pupil = Ask("127.0.0.2", squid_port_, Get(Url("adult.test")));
  EXPECT_EQ(pupil.status, 403) << pupil.head << Diagnostics();
  EXPECT_NE(pupil.body.find("This page has been blocked"), std::string::npos) << pupil.body;
  EXPECT_NE(pupil.body.find("&quot;adult&quot;"), std::string::npos) << pupil.body;
  EXPECT_NE(pupil.body.find("https://esafe.test/review?url=http%3A%2F%2Fadult.test"), std::string::npos) << pupil.body;

  const HttpResponse staff = Ask("127.0.0.3", squid_port_, Get(Url("adult.test")));
  EXPECT_EQ(staff.status, 200) << staff.head << Diagnostics();
  EXPECT_NE(staff.body.find("origin: adult.test"), std::string::npos);

  for (const char* from : {"127.0.0.2", "127.0.0.3"}) {
    const HttpResponse mandatory = Ask(from, squid_port_, Get(Url("mandatory.test", "/hidden/item")));
    EXPECT_EQ(mandatory.status, 403) << from << "\n" << mandatory.head;
    EXPECT_NE(mandatory.body.find("cannot be unblocked"), std::string::npos);
  }

  const HttpResponse tunnel = Ask("127.0.0.2", squid_port_, Connect("adult.test:" + std::to_string(origin_.port())));
  EXPECT_EQ(tunnel.status, 403) << tunnel.head;
  const HttpResponse staff_tunnel =
      Ask("127.0.0.3", squid_port_, Connect("adult.test:" + std::to_string(origin_.port())));
  EXPECT_EQ(staff_tunnel.status, 200) << staff_tunnel.head;

  // The service survives a malformed ICAP client and keeps answering Squid.
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(icap_port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string junk = "NONSENSE\r\n\r\n";
    ::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    char buffer[256] = {};
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const ssize_t n = ::recv(fd, buffer, sizeof buffer - 1, 0);
    ::close(fd);
    EXPECT_GT(n, 0);
    EXPECT_TRUE(std::string(buffer).starts_with("ICAP/1.0 400")) << buffer;
  }
  EXPECT_EQ(Ask("127.0.0.2", squid_port_, Get(Url("ok.test"))).status, 200);
  EXPECT_EQ(Ask("127.0.0.2", squid_port_, Connect("adult.test:" + std::to_string(origin_.port()))).status, 403);
  EXPECT_TRUE(icap_->Running());
  const std::string decisions = Decisions();
  EXPECT_NE(decisions.find("\"point\":\"icap\""), std::string::npos);
  // Each request logged exactly once: eight requests (the repeated tunnel too), eight decisions.
  EXPECT_EQ(std::count(decisions.begin(), decisions.end(), '\n'), 8) << decisions;
}

// The whole chain to the activity log host: Squid in ICAP mode with `esafe icap` sending
// over the log host's Unix socket, and Squid in helper mode with `esafe squid-helper`
// sending over TLS with its node's token, each through its spool. The log host is killed
// with SIGKILL halfway and started again; a third point with a wrong token is refused.
// Every decision written to the points' decision files is in the log exactly once, field
// by field, attributed to the node that sent it.
class LogHost {
 public:
  LogHost(const fs::path& dir, uint16_t port) : dir_(dir), port_(port) {}
  void Start() {
    ++starts_;
    process_ = std::make_unique<Process>(
        std::vector<std::string>{g_esafe, "log", "ingest", (dir_ / "log").string(), "--socket",
                                 (dir_ / "ingest.sock").string(), "--ingest-socket-mode", "0666", "--ingest-listen",
                                 "127.0.0.1:" + std::to_string(port_), "--ingest-tls-cert",
                                 (dir_ / "pki/log.pem").string(), "--ingest-tls-key", (dir_ / "pki/log.key").string(),
                                 "--ingest-tokens", (dir_ / "tokens").string(), "--seal-interval", "1"},
        dir_ / ("loghost." + std::to_string(starts_) + ".out"), dir_ / ("loghost." + std::to_string(starts_) + ".err"));
    ASSERT_TRUE(WaitForPort(port_, *process_, 20)) << Errors();
  }
  void Kill() { process_->Kill(); }
  // Stops it cleanly; its last line of output is its counters.
  std::string Stop() {
    process_->Stop();
    return Slurp(dir_ / ("loghost." + std::to_string(starts_) + ".out"));
  }
  std::string Errors() const {
    std::string all;
    for (int i = 1; i <= starts_; ++i) all += Slurp(dir_ / ("loghost." + std::to_string(i) + ".err"));
    return all;
  }

 private:
  fs::path dir_;
  uint16_t port_;
  int starts_ = 0;
  std::unique_ptr<Process> process_;
};

// The log's events as JSON lines (`esafe log search`), and the lines it could not read.
std::vector<std::string> LogEvents(const fs::path& dir) {
  Process search({g_esafe, "log", "search", (dir / "log").string(), "--limit", "100000"}, dir / "search.out",
                 dir / "search.err");
  EXPECT_EQ(search.Wait(60), 0) << Slurp(dir / "search.err");
  std::vector<std::string> lines;
  std::istringstream in(Slurp(dir / "search.out"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() == '{') lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> FileLines(const fs::path& path) {
  std::vector<std::string> lines;
  std::istringstream in(Slurp(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// `"node":"…"` taken out of an event line (the log host adds it; the point's own file
// does not have it), and its value.
std::pair<std::string, std::string> WithoutNode(const std::string& line) {
  const std::string key = ",\"node\":\"";
  const size_t at = line.find(key);
  if (at == std::string::npos) return {line, ""};
  const size_t end = line.find('"', at + key.size());
  return {line.substr(0, at) + line.substr(end + 1), line.substr(at + key.size(), end - at - key.size())};
}

TEST_F(SquidTest, EveryDecisionReachesTheLogHostOnce) {
  const fs::path d = dir_.path;
  Write(d / "hosts", "127.0.0.1 adult.test www.adult.test casino.test mandatory.test ok.test www.google.com\n");
  fs::permissions(d / "hosts", fs::perms(0644));
  fs::create_directories(d / "pki");
  const std::string pki =
      "cd " + (d / "pki").string() +
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 "
      "-subj '/CN=esafe test CA' && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout log.key "
      "-out log.csr -subj '/CN=localhost' && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext && "
      "openssl x509 -req -in log.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out log.pem -days 2 -extfile ext";
  ASSERT_EQ(std::system(("(" + pki + ") >/dev/null 2>&1").c_str()), 0) << "openssl could not make certificates";
  const std::string token = "proxy-b-token-0123456789abcdefghijklmnopq";
  Write(d / "tokens", "# the enforcement points that may send\nproxy-b " + token + "\n");
  Write(d / "proxy-b.token", token + "\n");
  Write(d / "wrong.token", "not-a-listed-token-0123456789abcdefghijk\n");
  for (const auto& f : {"pki/ca.pem", "proxy-b.token", "wrong.token"}) fs::permissions(d / f, fs::perms(0644));
  fs::permissions(d / "pki", fs::perms::all);

  const uint16_t log_port = FreePort();
  LogHost log_host(d, log_port);
  log_host.Start();
  if (HasFatalFailure()) return;

  // Point A: ICAP, over the Unix socket.
  const std::string policy =
      " --profiles " + (d / "profiles.yaml").string() + " --lists " + (d / "lists").string();
  const uint16_t icap_port = FreePort();
  Process icap({g_esafe, "icap", "--listen", "127.0.0.1:" + std::to_string(icap_port), "--profiles",
                (d / "profiles.yaml").string(), "--lists", (d / "lists").string(), "--decision-log",
                (d / "a.jsonl").string(), "--log-to", "unix:" + (d / "ingest.sock").string(), "--node", "proxy-a",
                "--spool", (d / "spool-a").string()},
               d / "esafe.out", d / "esafe.err");
  ASSERT_TRUE(WaitForPort(icap_port, icap, 20)) << Slurp(d / "esafe.err");
  StartSquid(IcapSquidLines(icap_port));
  if (HasFatalFailure()) return;
  const uint16_t icap_squid = squid_port_;

  // Point B: helper mode (the rewrite helper and the CONNECT ACL helper), over TLS.
  const std::string ship = policy + " --decision-log " + (d / "b.jsonl").string() + " --log-to tls://127.0.0.1:" +
                           std::to_string(log_port) + " --log-token-file " + (d / "proxy-b.token").string() +
                           " --log-ca " + (d / "pki/ca.pem").string() + " --spool " + (d / "spool-b").string();
  fs::create_directories(d / "b");
  fs::permissions(d / "b", fs::perms::all);
  fs::copy_file(d / "hosts", d / "b/hosts");  // the second Squid reads the same names
  fs::permissions(d / "b/hosts", fs::perms(0644));
  const uint16_t helper_squid = FreePort();
  Write(d / "b/squid.conf",
        SquidConfig(d / "b", helper_squid,
                    "url_rewrite_program " + g_esafe + " squid-helper --block-page http://blocked.test/blocked" + ship +
                        "\nurl_rewrite_children 2 startup=1 idle=1 concurrency=20\n"
                        "external_acl_type esafe_acl ttl=0 negative_ttl=0 children-max=2 concurrency=20 %ru %>a %un "
                        "%>rm " + g_esafe + " squid-helper --mode acl" + ship +
                        "\nacl esafe_ok external esafe_acl\nhttp_access deny CONNECT !esafe_ok\n"
                        "url_rewrite_access deny CONNECT\n"));
  Process squid_b({"/usr/sbin/squid", "-N", "-f", (d / "b/squid.conf").string()}, d / "b/squid.out", d / "b/squid.err");
  ASSERT_TRUE(WaitForPort(helper_squid, squid_b, 30)) << Slurp(d / "b/squid.err") << Slurp(d / "b/cache.log");

  // Each round: allowed, blocked, a CONNECT twice, a search rewritten for safe search.
  const std::string tunnel = "adult.test:" + std::to_string(origin_.port());
  auto round = [&](uint16_t proxy) {
    EXPECT_EQ(Ask("127.0.0.2", proxy, Get(Url("ok.test"))).status, 200);
    EXPECT_NE(Ask("127.0.0.2", proxy, Get(Url("adult.test"))).status, 200);
    EXPECT_EQ(Ask("127.0.0.2", proxy, Connect(tunnel)).status, 403);
    EXPECT_EQ(Ask("127.0.0.2", proxy, Connect(tunnel)).status, 403);
    EXPECT_EQ(Ask("127.0.0.2", proxy, Get(Url("www.google.com", "/search?q=kittens"))).status, 200);
  };
  for (int i = 0; i < 3; ++i) {
    round(icap_squid);
    round(helper_squid);
  }
  log_host.Kill();  // mid-stream: whatever it had not acknowledged stays in the spools
  for (int i = 0; i < 3; ++i) {
    round(icap_squid);
    round(helper_squid);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  log_host.Start();
  if (HasFatalFailure()) return;
  for (int i = 0; i < 2; ++i) {
    round(icap_squid);
    round(helper_squid);
  }

  // Point C: a wrong token is refused.
  {
    Write(d / "c.in", "http://ok.test/ 127.0.0.2/- - GET\n");
    const std::string command = g_esafe + " squid-helper" + policy + " --log-to tls://127.0.0.1:" +
                                std::to_string(log_port) + " --log-token-file " + (d / "wrong.token").string() +
                                " --log-ca " + (d / "pki/ca.pem").string() + " --spool " + (d / "spool-c").string() +
                                " < " + (d / "c.in").string() + " > " + (d / "c.out").string() + " 2> " +
                                (d / "c.err").string();
    EXPECT_EQ(std::system(command.c_str()), 0) << Slurp(d / "c.err");
    EXPECT_NE(Slurp(d / "c.err").find("refused"), std::string::npos) << Slurp(d / "c.err");
  }

  const auto a = FileLines(d / "a.jsonl"), b = FileLines(d / "b.jsonl");
  ASSERT_EQ(a.size(), 8u * 5) << "ICAP: each request decided once";
  ASSERT_EQ(b.size(), 8u * 5) << "helper mode: each request decided once";
  std::vector<std::string> events;
  for (int i = 0; i < 100 && events.size() < a.size() + b.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    events = LogEvents(d);
  }
  const std::string counters = log_host.Stop();
  const size_t refused_at = counters.find("\"refused\":");
  ASSERT_NE(refused_at, std::string::npos) << counters;
  EXPECT_GE(std::atoi(counters.c_str() + refused_at + 10), 1) << counters;
  std::multiset<std::string> expected, got;
  for (const auto* file : {&a, &b}) {
    for (const auto& line : *file) expected.insert(WithoutNode(line).first);
  }
  std::map<std::string, int> by_node;
  for (const auto& event : LogEvents(d)) {
    auto [line, node] = WithoutNode(event);
    got.insert(line);
    ++by_node[node];
  }
  EXPECT_EQ(got, expected) << log_host.Errors() << Slurp(d / "esafe.err") << Slurp(d / "b/cache.log");
  EXPECT_EQ(by_node["proxy-a"], 40);
  EXPECT_EQ(by_node["proxy-b"], 40);
  EXPECT_EQ(by_node.size(), 2u);
  // The search rewritten for safe search, as the log has it.
  EXPECT_NE(Slurp(d / "b.jsonl").find("\"safe_search\":true"), std::string::npos) << Slurp(d / "b.jsonl");
  // Nothing is left waiting in any spool.
  for (const auto& spool : {"spool-a", "spool-b"}) {
    Process status({g_esafe, "log", "spool-status", (d / spool).string()}, d / "status.out", d / "status.err");
    EXPECT_EQ(status.Wait(20), 0) << Slurp(d / "status.out") << Slurp(d / "status.err");
  }
}

// A tiny DNS client: the response code and answer count for an A query.
std::pair<int, int> Resolve(uint16_t port, const std::string& name) {
  std::string query("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
  size_t start = 0;
  while (start < name.size()) {
    const size_t dot = name.find('.', start);
    const std::string label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    query += static_cast<char>(label.size());
    query += label;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  query += std::string("\x00\x00\x01\x00\x01", 5);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  timeval timeout{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  unsigned char answer[512];
  const ssize_t n = ::recv(fd, answer, sizeof answer, 0);
  ::close(fd);
  if (n < 12) return {-1, -1};
  return {answer[3] & 0x0F, answer[6] << 8 | answer[7]};
}

TEST(UnboundTest, RpzExportBlocksListedNames) {
  if (!fs::exists("/usr/sbin/unbound")) GTEST_SKIP() << "unbound is not installed";
  TempDir dir;
  WritePolicy(dir.path);
  Process exporter({g_esafe, "rpz", "export", "--profile", "pupil", "--profiles", (dir.path / "profiles.yaml").string(),
                    "--lists", (dir.path / "lists").string()},
                   dir.path / "rpz.zone", dir.path / "rpz.err");
  ASSERT_EQ(exporter.Wait(30), 0) << Slurp(dir.path / "rpz.err");
  const std::string zone = Slurp(dir.path / "rpz.zone");
  ASSERT_NE(zone.find("adult.test CNAME ."), std::string::npos) << zone;

  // The names the resolver serves, listed or not, from an authoritative zone of its own.
  Write(dir.path / "test.zone", "$ORIGIN test.\n$TTL 300\n@ IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300\n"
                                "@ IN NS localhost.\nok IN A 192.0.2.1\nadult IN A 192.0.2.66\nwww.adult IN A 192.0.2.66\n"
                                "casino IN A 192.0.2.67\n");
  const uint16_t port = FreePort();
  const std::string d = dir.path.string();
  Write(dir.path / "unbound.conf", "server:\n  interface: 127.0.0.1\n  port: " + std::to_string(port) +
                                       "\n  do-ip6: no\n  username: \"\"\n  chroot: \"\"\n  directory: \"" + d +
                                       "\"\n  pidfile: \"" + d + "/unbound.pid\"\n  use-syslog: no\n  logfile: \"" + d +
                                       "/unbound.log\"\n  module-config: \"respip iterator\"\n"
                                       "  access-control: 127.0.0.0/8 allow\n  local-zone: \"test.\" nodefault\n"
                                       "rpz:\n  name: \"rpz.esafe.\"\n  zonefile: \"" + d + "/rpz.zone\"\n"
                                       "auth-zone:\n  name: \"test.\"\n  zonefile: \"" + d +
                                       "/test.zone\"\n  for-downstream: yes\n  for-upstream: yes\n  fallback-enabled: no\n");
  Process unbound({"/usr/sbin/unbound", "-d", "-c", (dir.path / "unbound.conf").string()}, dir.path / "unbound.out",
                  dir.path / "unbound.err");
  std::pair<int, int> ok{-1, -1};
  for (int i = 0; i < 50 && ok.first != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ok = Resolve(port, "ok.test");
  }
  EXPECT_EQ(ok, std::make_pair(0, 1)) << Slurp(dir.path / "unbound.err") << Slurp(dir.path / "unbound.log");
  EXPECT_EQ(Resolve(port, "adult.test").first, 3);      // NXDOMAIN
  EXPECT_EQ(Resolve(port, "www.adult.test").first, 3);  // and its subdomains
  EXPECT_EQ(Resolve(port, "casino.test").first, 3);
  // The DoH canary answers NXDOMAIN, so browsers keep using this filtered resolver.
  EXPECT_EQ(Resolve(port, "use-application-dns.net").first, 3);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH/TO/esafe [gtest flags]\n", argv[0]);
    return 2;
  }
  g_esafe = fs::absolute(argv[1]).string();
  return RUN_ALL_TESTS();
}
