// LogShipper: the enforcement points' side of the ingest protocol (ingest_server.cc),
// with the on-disk spool that keeps events while the log host is away.
//
// A slot of the spool: LOCK (held while a process writes the slot), generation (random,
// made once: the log host tells this slot's batches from every other's by it), next
// (the next batch number), status.json (the counters, rewritten every few seconds), and
// one file per batch, NNNNNNNNNNNNNNNNNNNN.batch, holding the batch's event lines.
#include "activity/shipper.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "activity/internal.h"
#include "core/text.h"

namespace esafe::activity {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

constexpr size_t kMaxBatchEvents = 10000;  // the log host's own batch limit
constexpr auto kIoTimeout = std::chrono::seconds(30);

Error SysError(const std::string& what) { return Error::Internal(what + ": " + std::strerror(errno)); }

std::string BatchFileName(uint64_t seq) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%020llu.batch", static_cast<unsigned long long>(seq));
  return buf;
}

// seq of "00000000000000000012.batch", or 0.
uint64_t BatchSeqOf(const std::string& name) {
  if (name.size() != 26 || name.substr(20) != ".batch") return 0;
  uint64_t v = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::vector<std::string> ListNames(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* ent = ::readdir(d)) names.emplace_back(ent->d_name);
    ::closedir(d);
  }
  return names;
}

// A small file's text, or nullopt when it cannot be read (absent, say).
std::optional<std::string> ReadSmallFile(const std::string& path) {
  auto data = internal::ReadFile(path);
  if (!data) return std::nullopt;
  return std::move(*data);
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string out(bytes * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), raw.data(), raw.size());
  out.pop_back();
  return out;
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "node";
  std::string out;
  for (char c : std::string(name)) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_')
      out += c;
  }
  return out.empty() ? "node" : out.substr(0, 64);
}

// One connection to the log host, Unix or TLS, with blocking calls bounded by socket
// timeouts so that a log host that stops answering cannot hold the sender forever.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual Result<void> Write(std::string_view data) = 0;
  // One line without its newline.
  virtual Result<std::string> ReadLine() = 0;
};

void SetTimeouts(int fd) {
  timeval tv{};
  tv.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kIoTimeout).count();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

template <typename Stream>
class StreamChannel : public Channel {
 public:
  template <typename... Args>
  explicit StreamChannel(Args&&... args) : stream_(std::forward<Args>(args)...) {}
  Stream& stream() { return stream_; }
  Result<void> Write(std::string_view data) override {
    boost::system::error_code ec;
    asio::write(stream_, asio::buffer(data.data(), data.size()), ec);
    if (ec) return Error::Internal("sending to the log host: " + ec.message());
    return Ok();
  }
  Result<std::string> ReadLine() override {
    boost::system::error_code ec;
    const size_t n = asio::read_until(stream_, buffer_, '\n', ec);
    if (ec) return Error::Internal("reading the log host's answer: " + ec.message());
    std::string line(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + n - 1);
    buffer_.consume(n);
    return line;
  }

 private:
  Stream stream_;
  asio::streambuf buffer_{64 * 1024};
};

}  // namespace

struct LogShipper::Impl {
  ShipperOptions options;
  std::string slot;
  int lock_fd = -1;
  std::string generation;
  uint64_t next_seq = 1;
  std::string token;           // tls
  std::string unix_path;       // unix
  std::string tls_host, tls_port;
  asio::io_context io;
  std::unique_ptr<ssl::context> tls;

  mutable std::mutex mu;
  std::condition_variable queue_cv, spool_cv;
  std::vector<std::string> queue;
  std::deque<std::pair<uint64_t, uint64_t>> spool;  // (seq, bytes), oldest first
  uint64_t spool_bytes = 0;
  bool stopping = false;        // the spooler writes what is queued and ends
  bool sender_stop = false;     // the sender ends
  std::chrono::steady_clock::time_point sender_deadline = std::chrono::steady_clock::time_point::max();
  ShipperStats counters;        // under mu
  bool full_reported = false;

  std::thread spooler, sender;

  ~Impl() {
    if (lock_fd >= 0) ::close(lock_fd);
  }

  void SpoolLoop();
  void SendLoop();
  void SpoolBatch(std::vector<std::string> lines);
  Result<std::unique_ptr<Channel>> Connect();
  void WriteStatus();
  void Problem(const std::string& message) {
    // Caller holds mu. Logged when it changes, not on every retry.
    if (counters.last_error != message) spdlog::error("esafe log shipper ({}): {}", slot, message);
    counters.last_error = message;
  }
};

LogShipper::LogShipper(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<LogShipper>> LogShipper::Start(const ShipperOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto& im = *impl;
  im.options.batch_events = std::clamp<size_t>(options.batch_events, 1, kMaxBatchEvents);
  if (options.spool_dir.empty()) return Error::Invalid("sending events needs a spool directory (--spool)", "spool");
  if (options.spool_max_bytes < (1ULL << 20))
    return Error::Invalid("the spool must be allowed at least 1 MB", "spool-max-mb");
  const std::string& address = options.address;
  if (address.rfind("unix:", 0) == 0 && address.size() > 5) {
    im.unix_path = address.substr(5);
  } else if (address.rfind("tls://", 0) == 0) {
    std::string rest = address.substr(6);
    const auto colon = rest.rfind(':');
    int64_t port = 0;
    if (colon != std::string::npos) port = text::ParseInt(rest.substr(colon + 1)).value_or(0);
    if (port < 1 || port > 65535 || colon == 0)
      return Error::Invalid("a TLS log address is tls://HOST:PORT, got " + address, "log-to");
    im.tls_host = rest.substr(0, colon);
    if (im.tls_host.size() > 2 && im.tls_host.front() == '[') im.tls_host = im.tls_host.substr(1, im.tls_host.size() - 2);
    im.tls_port = rest.substr(colon + 1);
    if (options.token_file.empty())
      return Error::Invalid("sending over TLS needs this node's token (--log-token-file)", "log-token-file");
    auto token = ReadSmallFile(options.token_file);
    if (!token) return Error::Invalid("cannot read the token file " + options.token_file, "log-token-file");
    im.token = std::string(text::Trim(token->substr(0, token->find('\n'))));
    if (im.token.size() < 32) return Error::Invalid(options.token_file + " holds no token", "log-token-file");
    im.tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (options.ca_file.empty()) {
      im.tls->set_default_verify_paths(ec);
    } else {
      im.tls->load_verify_file(options.ca_file, ec);
    }
    if (ec) return Error::Invalid("cannot load the CA " + options.ca_file + ": " + ec.message(), "log-ca");
    im.tls->set_verify_mode(ssl::verify_peer);
  } else {
    return Error::Invalid("--log-to takes unix:PATH or tls://HOST:PORT, got " + address, "log-to");
  }
  if (im.options.node.empty()) im.options.node = HostName();

  // Take the first free slot.
  if (::mkdir(options.spool_dir.c_str(), 0750) != 0 && errno != EEXIST) return SysError("mkdir " + options.spool_dir);
  for (int i = 0; i < 256 && im.lock_fd < 0; ++i) {
    const std::string slot = options.spool_dir + "/" + std::to_string(i);
    if (::mkdir(slot.c_str(), 0750) != 0 && errno != EEXIST) return SysError("mkdir " + slot);
    const int fd = ::open((slot + "/LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return SysError("open " + slot + "/LOCK");
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      im.lock_fd = fd;
      im.slot = slot;
    } else {
      ::close(fd);
    }
  }
  if (im.lock_fd < 0) return Error::Conflict("every slot of the spool " + options.spool_dir + " is in use");
  if (auto g = ReadSmallFile(im.slot + "/generation"); g && !text::Trim(*g).empty()) {
    im.generation = std::string(text::Trim(*g));
  } else {
    im.generation = RandomHex(16);
    ESAFE_TRY(internal::WriteFileDurably(im.slot, "generation", im.generation + "\n"));
  }
  if (auto n = ReadSmallFile(im.slot + "/next")) {
    if (auto v = text::ParseInt(text::Trim(*n)); v && *v > 0) im.next_seq = static_cast<uint64_t>(*v);
  }
  std::vector<std::pair<uint64_t, uint64_t>> found;
  for (const auto& name : ListNames(im.slot)) {
    if (uint64_t seq = BatchSeqOf(name); seq != 0) {
      struct stat st {};
      if (::stat((im.slot + "/" + name).c_str(), &st) == 0) found.emplace_back(seq, static_cast<uint64_t>(st.st_size));
    } else if (name.size() > 5 && name.front() == '.' && name.substr(name.size() - 4) == ".tmp") {
      ::unlink((im.slot + "/" + name).c_str());  // a write cut short by a crash
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [seq, bytes] : found) {
    im.spool.emplace_back(seq, bytes);
    im.spool_bytes += bytes;
    im.next_seq = std::max(im.next_seq, seq + 1);
  }
  if (!found.empty()) spdlog::info("esafe log shipper ({}): {} batches left by an earlier run will be sent", im.slot, found.size());
  // The threads take no signals: the enforcement point's own handling (SIGHUP reloads
  // the policy in a thread that waits for it) must not land in them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  im.spooler = std::thread([raw = impl.get()] { raw->SpoolLoop(); });
  im.sender = std::thread([raw = impl.get()] { raw->SendLoop(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return std::unique_ptr<LogShipper>(new LogShipper(std::move(impl)));
}

LogShipper::~LogShipper() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.mu);
    im.stopping = true;
  }
  im.queue_cv.notify_all();
  im.spooler.join();
  {
    std::lock_guard lock(im.mu);
    im.sender_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  }
  im.spool_cv.notify_all();
  im.sender.join();
  im.WriteStatus();
}

void LogShipper::Send(std::string line) {
  auto& im = *impl_;
  bool wake = false;
  {
    std::lock_guard lock(im.mu);
    ++im.counters.queued;
    im.queue.push_back(std::move(line));
    wake = im.queue.size() >= im.options.batch_events;
  }
  if (wake) im.queue_cv.notify_one();
}

ShipperStats LogShipper::stats() const {
  std::lock_guard lock(impl_->mu);
  ShipperStats s = impl_->counters;
  s.spool_batches = impl_->spool.size();
  s.spool_bytes = impl_->spool_bytes;
  return s;
}

std::string LogShipper::slot_dir() const { return impl_->slot; }

void LogShipper::Impl::SpoolLoop() {
  std::unique_lock lock(mu);
  while (true) {
    queue_cv.wait_for(lock, options.batch_interval, [&] { return stopping || queue.size() >= options.batch_events; });
    while (!queue.empty()) {
      std::vector<std::string> lines;
      if (queue.size() <= options.batch_events) {
        lines.swap(queue);
      } else {
        lines.assign(std::make_move_iterator(queue.begin()),
                     std::make_move_iterator(queue.begin() + static_cast<ptrdiff_t>(options.batch_events)));
        queue.erase(queue.begin(), queue.begin() + static_cast<ptrdiff_t>(options.batch_events));
      }
      lock.unlock();
      SpoolBatch(std::move(lines));
      lock.lock();
    }
    if (stopping) return;
  }
}

void LogShipper::Impl::SpoolBatch(std::vector<std::string> lines) {
  std::string data;
  for (const auto& line : lines) {
    // A line must not end the batch early (a blank line) or split in two.
    if (line.empty() || line.find('\n') != std::string::npos) continue;
    data += line;
    data += '\n';
  }
  if (data.empty()) return;
  std::unique_lock lock(mu);
  if (spool_bytes + data.size() > options.spool_max_bytes) {
    if (options.when_full == SpoolFullPolicy::kDropOldest && spool.size() > 1) {
      while (!spool.empty() && spool_bytes + data.size() > options.spool_max_bytes && spool.size() > 1) {
        // The oldest batch may be on its way to the log host: never delete that one.
        const auto [seq, bytes] = spool[1];
        std::string path = slot + "/" + BatchFileName(seq);
        uint64_t events = 0;
        if (auto content = ReadSmallFile(path)) events = static_cast<uint64_t>(std::count(content->begin(), content->end(), '\n'));
        ::unlink(path.c_str());
        spool.erase(spool.begin() + 1);
        spool_bytes -= bytes;
        counters.dropped += events;
      }
    }
    if (spool_bytes + data.size() > options.spool_max_bytes) {
      counters.dropped += lines.size();
      counters.spool_full = true;
      if (!full_reported) {
        full_reported = true;
        Problem(fmt::format("the spool is full ({} MB): events are being dropped until the log host takes them",
                            options.spool_max_bytes >> 20));
      }
      return;
    }
    if (options.when_full == SpoolFullPolicy::kDropOldest) {
      counters.spool_full = true;
      if (!full_reported) {
        full_reported = true;
        Problem(fmt::format("the spool is full ({} MB): the oldest waiting events are being dropped",
                            options.spool_max_bytes >> 20));
      }
    }
  } else if (counters.spool_full && spool_bytes + data.size() < options.spool_max_bytes / 2) {
    counters.spool_full = false;
    full_reported = false;
    spdlog::info("esafe log shipper ({}): the spool has room again", slot);
  }
  const uint64_t seq = next_seq++;
  lock.unlock();
  // The number is spent before the batch is written: a crash between the two leaves a
  // gap, which the log host does not mind, never a reused number, which it would drop.
  auto written = internal::WriteFileDurably(slot, "next", std::to_string(seq + 1) + "\n");
  if (written) written = internal::WriteFileDurably(slot, BatchFileName(seq), data);
  lock.lock();
  if (!written) {
    counters.dropped += lines.size();
    Problem("cannot write to the spool: " + written.error().message);
    return;
  }
  spool.emplace_back(seq, data.size());
  spool_bytes += data.size();
  counters.spooled += lines.size();
  lock.unlock();
  spool_cv.notify_one();
}

Result<std::unique_ptr<Channel>> LogShipper::Impl::Connect() {
  boost::system::error_code ec;
  if (!unix_path.empty()) {
    auto channel = std::make_unique<StreamChannel<asio::local::stream_protocol::socket>>(io);
    channel->stream().connect(asio::local::stream_protocol::endpoint(unix_path), ec);
    if (ec) return Error::Internal("cannot connect to " + unix_path + ": " + ec.message());
    SetTimeouts(channel->stream().native_handle());
    nlohmann::json hello = {{"hello", 1}, {"node", options.node}};
    ESAFE_TRY(channel->Write(hello.dump() + "\n"));
    auto reply = channel->ReadLine();
    if (!reply) return reply.error();
    return std::unique_ptr<Channel>(std::move(channel));
  }
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(tls_host, tls_port, ec);
  if (ec) return Error::Internal("cannot resolve " + tls_host + ": " + ec.message());
  auto channel = std::make_unique<StreamChannel<ssl::stream<asio::ip::tcp::socket>>>(io, *tls);
  auto& stream = channel->stream();
  asio::connect(stream.next_layer(), endpoints, ec);
  if (ec) return Error::Internal("cannot connect to " + tls_host + ":" + tls_port + ": " + ec.message());
  SetTimeouts(stream.next_layer().native_handle());
  SSL_set_tlsext_host_name(stream.native_handle(), tls_host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(tls_host));
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return Error::Internal("TLS with " + tls_host + ":" + tls_port + " failed: " + ec.message());
  nlohmann::json hello = {{"hello", 1}, {"node", options.node}, {"token", token}};
  ESAFE_TRY(channel->Write(hello.dump() + "\n"));
  auto reply = channel->ReadLine();
  if (!reply) return reply.error();
  auto j = nlohmann::json::parse(*reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("ok", false) != true)
    return Error::Forbidden("the log host refused this node's token");
  return std::unique_ptr<Channel>(std::move(channel));
}

void LogShipper::Impl::SendLoop() {
  std::unique_ptr<Channel> channel;
  auto retry = std::chrono::milliseconds(250);
  auto last_status = std::chrono::steady_clock::time_point{};
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_status > std::chrono::seconds(2)) {
      WriteStatus();
      last_status = now;
    }
    std::pair<uint64_t, uint64_t> next;
    {
      std::unique_lock lock(mu);
      if (spool.empty()) {
        if (sender_deadline != std::chrono::steady_clock::time_point::max()) return;  // all delivered
        spool_cv.wait_for(lock, std::chrono::seconds(1));
        continue;
      }
      if (std::chrono::steady_clock::now() > sender_deadline) return;
      next = spool.front();
    }
    if (!channel) {
      auto connected = Connect();
      std::unique_lock lock(mu);
      if (!connected) {
        counters.connected = false;
        Problem(connected.error().message);
        spool_cv.wait_until(lock, std::min(std::chrono::steady_clock::now() + retry, sender_deadline));
        retry = std::min(retry * 2, options.retry_max);
        continue;
      }
      if (!counters.connected) spdlog::info("esafe log shipper ({}): connected to the log host", slot);
      counters.connected = true;
      counters.last_error.clear();
      channel = std::move(*connected);
      retry = std::chrono::milliseconds(250);
    }
    const std::string path = slot + "/" + BatchFileName(next.first);
    auto content = ReadSmallFile(path);
    if (!content) {
      std::lock_guard lock(mu);
      Problem("batch " + path + " vanished from the spool");
      spool.pop_front();
      spool_bytes -= next.second;
      continue;
    }
    nlohmann::json mark = {{"batch", next.first}, {"generation", generation}};
    std::string message = mark.dump() + "\n" + *content + "\n";
    auto sent = channel->Write(message);
    Result<std::string> reply = sent ? channel->ReadLine() : Result<std::string>(sent.error());
    nlohmann::json answer = reply ? nlohmann::json::parse(*reply, nullptr, false) : nlohmann::json();
    if (!reply || answer.is_discarded() || !answer.is_object() || answer.value("ok", false) != true) {
      channel.reset();
      std::unique_lock lock(mu);
      counters.connected = false;
      Problem(!reply ? reply.error().message
                     : "the log host did not store batch " + std::to_string(next.first) + ": " +
                           (answer.is_object() ? answer.value("error", *reply) : *reply));
      spool_cv.wait_until(lock, std::min(std::chrono::steady_clock::now() + retry, sender_deadline));
      retry = std::min(retry * 2, options.retry_max);
      continue;
    }
    ::unlink(path.c_str());
    std::lock_guard lock(mu);
    spool.pop_front();
    spool_bytes -= next.second;
    ++counters.batches_sent;
    if (answer.value("duplicate", false)) {
      ++counters.duplicates;
    } else {
      counters.delivered += answer.value("accepted", uint64_t{0});
    }
    if (const uint64_t rejected = answer.value("rejected", uint64_t{0}); rejected > 0) {
      counters.rejected += rejected;
      spdlog::error("esafe log shipper ({}): the log host refused {} events of batch {}: {}", slot, rejected,
                    next.first, answer.value("errors", nlohmann::json::array()).dump());
    }
  }
}

void LogShipper::Impl::WriteStatus() {
  nlohmann::ordered_json j;
  {
    std::lock_guard lock(mu);
    j["address"] = options.address;
    j["node"] = options.node;
    j["generation"] = generation;
    j["pid"] = ::getpid();
    j["updated"] = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    j["connected"] = counters.connected;
    j["queued"] = counters.queued;
    j["spooled"] = counters.spooled;
    j["delivered"] = counters.delivered;
    j["batches_sent"] = counters.batches_sent;
    j["duplicates"] = counters.duplicates;
    j["rejected"] = counters.rejected;
    j["dropped"] = counters.dropped;
    j["spool_batches"] = spool.size();
    j["spool_bytes"] = spool_bytes;
    j["spool_max_bytes"] = options.spool_max_bytes;
    j["spool_full"] = counters.spool_full;
    j["last_error"] = counters.last_error;
  }
  (void)internal::WriteFileDurably(slot, "status.json", j.dump() + "\n");
}

Result<std::vector<SpoolSlotStatus>> ReadSpoolStatus(const std::string& spool_dir) {
  struct stat st {};
  if (::stat(spool_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error::NotFound("no spool directory " + spool_dir);
  std::vector<SpoolSlotStatus> out;
  std::vector<std::string> names = ListNames(spool_dir);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    SpoolSlotStatus slot;
    slot.slot = spool_dir + "/" + name;
    slot.status_json = std::string(text::Trim(ReadSmallFile(slot.slot + "/status.json").value_or("")));
    for (const auto& file : ListNames(slot.slot)) {
      if (BatchSeqOf(file) == 0) continue;
      struct stat fst {};
      if (::stat((slot.slot + "/" + file).c_str(), &fst) == 0) {
        ++slot.batches;
        slot.bytes += static_cast<uint64_t>(fst.st_size);
      }
    }
    const int fd = ::open((slot.slot + "/LOCK").c_str(), O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      slot.running = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
      ::close(fd);
    }
    out.push_back(std::move(slot));
  }
  return out;
}

}  // namespace esafe::activity
