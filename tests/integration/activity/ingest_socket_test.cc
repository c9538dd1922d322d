// The ingest endpoint, for real: an IngestServer on a Unix socket, several client
// processes (fork) sending JSON-lines batches at once, some lines malformed. Every
// batch is acknowledged; the acknowledged valid events are all stored, the malformed
// ones are rejected with a reason and counted, and the log verifies.
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "activity/activity.h"

namespace esafe::activity {
namespace {

std::string TempPath() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "esafe-ingest-XXXXXX").string();
  return ::mkdtemp(tmpl.data());
}

int Connect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n') return line;
    line.push_back(c);
  }
  return line;
}

std::string Event(int client, int batch, int i) {
  return R"({"time":"2026-11-23T09:)" + std::to_string(10 + batch % 50) + R"(:00Z","client":"10.9.)" +
         std::to_string(client) + "." + std::to_string(1 + i) + R"(","user":"c)" + std::to_string(client) + "b" +
         std::to_string(batch) + R"(","url":"http://example.com/)" + std::to_string(i) + R"(","action":"allow"})";
}

// A client process: 20 batches of 25 lines, every 5th line of every 3rd batch malformed.
// Exit status: 0 when every acknowledgement said what it should.
[[noreturn]] void Client(const std::string& socket, int client) {
  const int fd = Connect(socket);
  if (fd < 0) _exit(10);
  for (int b = 0; b < 20; ++b) {
    std::string data;
    int bad = 0;
    for (int i = 0; i < 25; ++i) {
      if (b % 3 == 0 && i % 5 == 0) {
        data += i % 10 == 0 ? "{not json\n" : R"({"time":"2026-11-23T09:00:00Z","client":"999.1.1.1","url":"x","action":"allow"})" "\n";
        ++bad;
      } else {
        data += Event(client, b, i) + "\n";
      }
    }
    data += "\n";
    if (!SendAll(fd, data)) _exit(11);
    auto reply = nlohmann::json::parse(ReadLine(fd), nullptr, false);
    if (reply.is_discarded() || reply["ok"] != true) _exit(12);
    if (reply["accepted"] != 25 - bad || reply["rejected"] != bad) _exit(13);
    if (bad > 0 && (reply["errors"].size() != static_cast<size_t>(bad) || reply["errors"][0]["reason"].get<std::string>().empty()))
      _exit(14);
  }
  ::close(fd);
  _exit(0);
}

TEST(IngestSocket, ManyProcessesAtOnceEveryBatchAcknowledged) {
  const std::string dir = TempPath();
  const std::string socket = dir + "/ingest.sock";
  auto store = Store::Open(dir + "/log", {.segment_events = 1000});
  ASSERT_TRUE(store.ok());
  auto server = IngestServer::Create(**store, socket);
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::thread runner([&] { (*server)->Run(); });

  constexpr int kClients = 8;
  std::vector<pid_t> pids;
  for (int c = 0; c < kClients; ++c) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) Client(socket, c);
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "client exit " << WEXITSTATUS(status);
  }
  // A line over the limit closes that connection with a reason, and stores nothing of it.
  {
    const int fd = Connect(socket);
    ASSERT_GE(fd, 0);
    SendAll(fd, std::string(kMaxLineBytes + 10, 'x'));
    auto reply = nlohmann::json::parse(ReadLine(fd), nullptr, false);
    EXPECT_FALSE(reply.is_discarded());
    EXPECT_EQ(reply["accepted"], 0);
    EXPECT_EQ(reply["rejected"], 1);
    ::close(fd);
  }
  (*server)->Stop();
  runner.join();
  const auto stats = (*server)->stats();
  const uint64_t bad_per_client = 7 * 5;  // batches 0,3,…,18 hold 5 bad lines each
  EXPECT_EQ(stats.accepted, kClients * (20 * 25 - bad_per_client));
  EXPECT_EQ(stats.rejected, kClients * bad_per_client + 1);

  auto reader = LogReader::Open(dir + "/log");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->event_count(), stats.accepted);
  std::map<std::string, int> per_batch;
  ASSERT_TRUE(reader->Search({}, [&](const ActivityEvent& e) { return ++per_batch[e.user], true; }).ok());
  EXPECT_EQ(per_batch.size(), static_cast<size_t>(kClients * 20));
  auto report = Verify(dir + "/log");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace esafe::activity
