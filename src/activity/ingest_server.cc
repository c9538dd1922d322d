// IngestServer: JSON-lines events from enforcement points, on a Unix stream socket and
// over TLS, one acknowledgement a batch; batches carry marks so a resend is dropped.
#include <grp.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <spdlog/spdlog.h>

#include "activity/internal.h"
#include "core/text.h"

namespace esafe::activity {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using UnixSocket = asio::local::stream_protocol::socket;
using TlsStream = ssl::stream<asio::ip::tcp::socket>;

namespace {

bool IsNodeName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
          c == '.'))
      return false;
  }
  return true;
}

std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

Result<std::map<std::string, std::string>> LoadNodeTokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::Invalid("cannot read the node tokens file " + path, "ingest-tokens");
  std::map<std::string, std::string> by_token;
  std::set<std::string> nodes;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto where = [&] { return path + ":" + std::to_string(number) + ": "; };
    if (number > 100000) return Error::TooLarge(where() + "over 100,000 lines", "ingest-tokens");
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto space = line.find_first_of(" \t", first);
    if (space == std::string::npos) return Error::Invalid(where() + "expected NODE TOKEN", "ingest-tokens");
    const std::string node = line.substr(first, space - first);
    const auto token_start = line.find_first_not_of(" \t", space);
    auto token_end = line.find_last_not_of(" \t\r");
    const std::string token =
        token_start == std::string::npos ? "" : line.substr(token_start, token_end + 1 - token_start);
    if (!IsNodeName(node))
      return Error::Invalid(where() + "a node name is 1 to 64 letters, digits, '.', '-' or '_'", "ingest-tokens");
    if (token.size() < 32 || token.size() > 256 || token.find_first_of(" \t") != std::string::npos ||
        text::HasControlCharacters(token))
      return Error::Invalid(where() + "a token is 32 to 256 characters without spaces (esafe log new-token makes one)",
                            "ingest-tokens");
    if (!nodes.insert(node).second) return Error::Invalid(where() + "node " + node + " is listed twice", "ingest-tokens");
    if (!by_token.emplace(token, node).second)
      return Error::Invalid(where() + "the same token is given to two nodes", "ingest-tokens");
  }
  return by_token;
}

std::string NewNodeToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

struct IngestServer::Impl {
  Store* store = nullptr;
  IngestOptions options;
  asio::io_context io;
  asio::local::stream_protocol::acceptor unix_acceptor{io};
  asio::ip::tcp::acceptor tcp_acceptor{io};
  ssl::context tls{ssl::context::tls_server};
  mutable std::mutex tokens_mutex;  // guards the pointer; the map is never changed once in force
  std::shared_ptr<const std::map<std::string, std::string>> tokens =
      std::make_shared<const std::map<std::string, std::string>>();  // token → node
  std::atomic<uint64_t> batches{0}, accepted{0}, rejected{0}, connections{0}, refused{0}, duplicates{0};
  std::atomic<size_t> open_connections{0};

  void AcceptUnix();
  void AcceptTls();
  // The node a token names, or "" (compared in constant time against every token).
  std::string NodeFor(std::string_view token) const {
    std::shared_ptr<const std::map<std::string, std::string>> in_force;
    {
      std::lock_guard lock(tokens_mutex);
      in_force = tokens;
    }
    std::string found;
    for (const auto& [t, node] : *in_force) {
      if (t.size() == token.size() && sodium_memcmp(t.data(), token.data(), t.size()) == 0) found = node;
    }
    return found;
  }
};

namespace {

template <typename Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  // `peer` names the sender in the server's log; `authenticated` is false until a
  // hello with a good token on a connection that requires one.
  Connection(IngestServer::Impl& server, Stream stream, std::string peer, bool token_required)
      : server_(server),
        stream_(std::move(stream)),
        buffer_(kMaxLineBytes + 2),
        peer_(std::move(peer)),
        token_required_(token_required),
        hello_timer_(server.io) {}
  ~Connection() { --server_.open_connections; }

  void Start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      // The hello timer also bounds the handshake: a silent peer holds no slot.
      auto self = this->shared_from_this();
      hello_timer_.expires_after(server_.options.hello_timeout);
      hello_timer_.async_wait([self](boost::system::error_code ec) {
        if (!ec && !self->authenticated_) self->Close();
      });
      stream_.async_handshake(ssl::stream_base::server, [self](boost::system::error_code ec) {
        if (ec) {
          ++self->server_.refused;
          spdlog::warn("activity ingest: refused {}: TLS handshake failed: {}", self->peer_, ec.message());
          self->Close();
          return;
        }
        self->Read();
      });
      return;
    }
    if (token_required_) {
      // A sender that never says hello must not hold a connection slot.
      auto self = this->shared_from_this();
      hello_timer_.expires_after(server_.options.hello_timeout);
      hello_timer_.async_wait([self](boost::system::error_code ec) {
        if (!ec && !self->authenticated_) self->Close();
      });
    }
    Read();
  }

  void Read() {
    auto self = this->shared_from_this();
    asio::async_read_until(stream_, buffer_, '\n', [self](boost::system::error_code ec, size_t n) {
      self->OnRead(ec, n);
    });
  }

 private:
  void OnRead(boost::system::error_code ec, size_t n) {
    if (ec == asio::error::eof || ec == asio::error::not_found || ec == ssl::error::stream_truncated) {
      closing_ = true;
      if (!authenticated_ && token_required_) return;
      if (ec == asio::error::not_found) {
        Reject("line over " + std::to_string(kMaxLineBytes) + " bytes; connection closed");
      } else {
        // Whatever trails without a newline is one last line.
        std::string tail(asio::buffers_begin(buffer_.data()), asio::buffers_end(buffer_.data()));
        if (!tail.empty() && Control(tail) == kNotControl) Line(tail);
      }
      if (lines_ > 0 || rejected_ > 0 || mark_) Commit();
      return;
    }
    if (ec) return;
    std::string line(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + n);
    buffer_.consume(n);
    line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!authenticated_ && token_required_) {
      Hello(line);
      return;
    }
    if (line.empty()) {
      Commit();
      return;
    }
    if (const auto control = Control(line); control != kNotControl) {
      if (control == kHandled) Read();  // an answered hello reads on after its answer
      return;
    }
    Line(line);
    if (lines_ >= server_.options.max_batch_events) {
      Commit();
      return;
    }
    Read();
  }

  // A hello or a batch mark, dealt with here; an answered hello reads on by itself.
  enum ControlLine { kNotControl, kHandled, kAnswered };
  ControlLine Control(const std::string& line) {
    if (line.rfind("{\"hello\"", 0) == 0) {
      if (lines_ > 0 || mark_ || said_hello_) {
        Reject("hello is only allowed as the first line");
        return kHandled;
      }
      Hello(line);
      return kAnswered;
    }
    if (line.rfind("{\"batch\"", 0) != 0) return kNotControl;
    auto j = nlohmann::json::parse(line, nullptr, false);
    BatchMark mark;
    if (j.is_discarded() || !j.is_object() || j.size() != 2 || !j.contains("generation") ||
        !j["batch"].is_number_unsigned() || !j["generation"].is_string() ||
        !internal::IsValidGeneration(j["generation"].get<std::string>()) || j["batch"].get<uint64_t>() == 0) {
      Reject("a batch line is {\"batch\":N,\"generation\":\"G\"} with N from 1");
    } else if (lines_ > 0 || mark_) {
      Reject("a batch line must start its batch");
    } else {
      mark.seq = j["batch"].get<uint64_t>();
      mark.generation = j["generation"].get<std::string>();
      mark.node = node_;
      mark_ = std::move(mark);
    }
    return kHandled;
  }

  void Hello(const std::string& line) {
    said_hello_ = true;
    auto j = nlohmann::json::parse(line, nullptr, false);
    std::string node, token;
    if (!j.is_discarded() && j.is_object() && j.contains("hello")) {
      if (auto it = j.find("node"); it != j.end() && it->is_string()) node = it->get<std::string>();
      if (auto it = j.find("token"); it != j.end() && it->is_string()) token = it->get<std::string>();
    }
    nlohmann::ordered_json reply;
    if (token_required_) {
      const std::string named = token.empty() ? "" : server_.NodeFor(token);
      if (named.empty()) {
        ++server_.refused;
        spdlog::warn("activity ingest: refused {}: {}", peer_,
                     j.is_discarded() || !j.is_object() || !j.contains("hello") ? "the first line is not a hello"
                     : token.empty() ? "no token"
                                     : "unknown token");
        reply["ok"] = false;
        reply["error"] = "unknown or missing token";
        closing_ = true;
        Send(Dump(reply));
        return;
      }
      node_ = named;  // the token, not the sender's claim, names the node
      authenticated_ = true;
      hello_timer_.cancel();
    } else if (!node.empty()) {
      if (!IsNodeName(node)) {
        Reject("a node name is 1 to 64 letters, digits, '.', '-' or '_'");
      } else {
        node_ = node;
      }
    }
    reply["ok"] = true;
    reply["node"] = node_;
    Send(Dump(reply));
  }

  void Line(const std::string& line) {
    ++lines_;
    auto event = ParseEventJson(line);
    if (event) {
      // Attributed to the connection's node (over TLS, the token's), whatever the line says.
      if (!node_.empty()) event->node = node_;
      batch_.push_back(std::move(*event));
    } else {
      Reject(event.error().message, lines_);
    }
  }
  void Reject(const std::string& reason, uint64_t line = 0) {
    if (errors_.size() < 100) errors_.push_back({{"line", line}, {"reason", reason}});
    ++rejected_;
  }

  void Commit() {
    nlohmann::ordered_json reply;
    Result<bool> appended = mark_ ? server_.store->AppendOnce(batch_, *mark_) : [&]() -> Result<bool> {
      auto r = server_.store->Append(batch_);
      if (!r) return r.error();
      return true;
    }();
    if (appended) {
      reply["ok"] = true;
      reply["accepted"] = *appended ? batch_.size() : 0;
      reply["duplicate"] = !*appended;
      if (*appended) {
        server_.accepted += batch_.size();
      } else {
        ++server_.duplicates;
      }
    } else {
      reply["ok"] = false;
      reply["accepted"] = 0;
      reply["error"] = appended.error().message;
      spdlog::error("activity ingest: a batch from {} was not stored: {}", peer_, appended.error().message);
    }
    if (mark_) reply["batch"] = mark_->seq;
    reply["rejected"] = rejected_;
    reply["errors"] = errors_;
    server_.rejected += rejected_;
    ++server_.batches;
    batch_.clear();
    mark_.reset();
    errors_ = nlohmann::ordered_json::array();
    rejected_ = 0;
    lines_ = 0;
    Send(Dump(reply));
  }

  // Writes `text`, then reads on unless the connection is closing.
  void Send(std::string text) {
    auto out = std::make_shared<std::string>(std::move(text));
    auto self = this->shared_from_this();
    asio::async_write(stream_, asio::buffer(*out), [self, out](boost::system::error_code ec, size_t) {
      if (ec) return;
      if (self->closing_) {
        self->Close();
        return;
      }
      self->Read();
    });
  }

  void Close() {
    hello_timer_.cancel();  // the timer holds this connection: let it go now
    boost::system::error_code ignored;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream_.lowest_layer().shutdown(asio::socket_base::shutdown_both, ignored);
      stream_.lowest_layer().close(ignored);
    } else {
      stream_.shutdown(asio::socket_base::shutdown_both, ignored);
      stream_.close(ignored);
    }
  }

  IngestServer::Impl& server_;
  Stream stream_;
  asio::streambuf buffer_;
  std::string peer_;
  bool token_required_;
  bool authenticated_ = false;
  bool said_hello_ = false;
  std::string node_;
  asio::steady_timer hello_timer_;
  std::optional<BatchMark> mark_;
  std::vector<ActivityEvent> batch_;
  nlohmann::ordered_json errors_ = nlohmann::ordered_json::array();
  uint64_t rejected_ = 0;
  uint64_t lines_ = 0;
  bool closing_ = false;
};

template <typename Socket>
bool TooMany(IngestServer::Impl& server, Socket& socket) {
  if (server.open_connections.load() < server.options.max_connections) return false;
  boost::system::error_code ignored;
  socket.close(ignored);
  // Once a minute at most: a sender retrying in a loop must not fill the disk with this.
  static std::atomic<int64_t> last_logged{0};
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  if (int64_t last = last_logged.load(); now - last >= 60 && last_logged.compare_exchange_strong(last, now))
    spdlog::warn("activity ingest: refusing connections: {} already open", server.options.max_connections);
  return true;
}

}  // namespace

void IngestServer::Impl::AcceptUnix() {
  unix_acceptor.async_accept([this](boost::system::error_code ec, UnixSocket socket) {
    if (!unix_acceptor.is_open()) return;
    if (!ec) {
      ++connections;
      if (!TooMany(*this, socket)) {
        ++open_connections;
        std::make_shared<Connection<UnixSocket>>(*this, std::move(socket), "the Unix socket", false)->Start();
      }
    }
    AcceptUnix();
  });
}

void IngestServer::Impl::AcceptTls() {
  tcp_acceptor.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
    if (!tcp_acceptor.is_open()) return;
    if (!ec) {
      ++connections;
      if (!TooMany(*this, socket)) {
        ++open_connections;
        boost::system::error_code ignored;
        const auto remote = socket.remote_endpoint(ignored);
        std::string peer = remote.address().to_string() + ":" + std::to_string(remote.port());
        std::make_shared<Connection<TlsStream>>(*this, TlsStream(std::move(socket), tls), std::move(peer), true)
            ->Start();
      }
    }
    AcceptTls();
  });
}

IngestServer::IngestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestServer::~IngestServer() {
  if (impl_ && !impl_->options.socket_path.empty()) ::unlink(impl_->options.socket_path.c_str());
}

Result<std::unique_ptr<IngestServer>> IngestServer::Create(Store& store, const std::string& socket_path,
                                                           const IngestOptions& options) {
  IngestOptions with_socket = options;
  with_socket.socket_path = socket_path;
  return Create(store, with_socket);
}

Result<std::unique_ptr<IngestServer>> IngestServer::Create(Store& store, const IngestOptions& options) {
  if (options.socket_path.empty() && options.listen.empty())
    return Error::Invalid("the ingest endpoint needs a Unix socket or a TLS address to listen on", "ingest");
  auto impl = std::make_unique<Impl>();
  impl->store = &store;
  impl->options = options;
  boost::system::error_code ec;
  if (!options.socket_path.empty()) {
    const std::string& path = options.socket_path;
    ::unlink(path.c_str());
    asio::local::stream_protocol::endpoint endpoint(path);
    impl->unix_acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl->unix_acceptor.bind(endpoint, ec);
    if (!ec) impl->unix_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error::Internal("cannot listen on " + path + ": " + ec.message());
    if (!options.socket_group.empty()) {
      const group* g = ::getgrnam(options.socket_group.c_str());
      if (!g) return Error::Invalid("no such group " + options.socket_group, "ingest-socket-group");
      if (::chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0)
        return Error::Internal("cannot give " + path + " to group " + options.socket_group + ": " +
                               std::strerror(errno));
    }
    if (::chmod(path.c_str(), options.socket_mode & 07777) != 0)
      return Error::Internal("cannot set the mode of " + path + ": " + std::strerror(errno));
  }
  if (!options.listen.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty())
      return Error::Invalid("listening for events over the network needs a TLS certificate and key", "ingest-listen");
    if (options.tokens_file.empty())
      return Error::Invalid("listening for events over the network needs a node tokens file", "ingest-tokens");
    auto tokens = LoadNodeTokens(options.tokens_file);
    if (!tokens) return tokens.error();
    if (tokens->empty()) return Error::Invalid(options.tokens_file + " lists no node", "ingest-tokens");
    impl->tokens = std::make_shared<const std::map<std::string, std::string>>(std::move(*tokens));
    impl->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                          ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    impl->tls.use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) return Error::Invalid("cannot use the certificate " + options.tls_cert_file + ": " + ec.message(),
                                  "ingest-tls-cert");
    impl->tls.use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
    if (ec) return Error::Invalid("cannot use the key " + options.tls_key_file + ": " + ec.message(), "ingest-tls-key");
    const auto colon = options.listen.rfind(':');
    int64_t port = -1;
    if (colon != std::string::npos) port = text::ParseInt(options.listen.substr(colon + 1)).value_or(-1);
    std::string host = colon == std::string::npos ? "" : options.listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    auto address = asio::ip::make_address(host, ec);
    if (port < 0 || port > 65535 || ec)
      return Error::Invalid("--ingest-listen takes ADDRESS:PORT, e.g. 0.0.0.0:6514, got " + options.listen,
                            "ingest-listen");
    asio::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
    impl->tcp_acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl->tcp_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl->tcp_acceptor.bind(endpoint, ec);
    if (!ec) impl->tcp_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error::Internal("cannot listen on " + options.listen + ": " + ec.message());
  }
  if (impl->unix_acceptor.is_open()) impl->AcceptUnix();
  if (impl->tcp_acceptor.is_open()) impl->AcceptTls();
  return std::unique_ptr<IngestServer>(new IngestServer(std::move(impl)));
}

void IngestServer::Run() { impl_->io.run(); }

void IngestServer::Stop() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->unix_acceptor.close(ignored);
    impl_->tcp_acceptor.close(ignored);
    impl_->io.stop();
  });
}

uint16_t IngestServer::port() const {
  boost::system::error_code ec;
  if (!impl_->tcp_acceptor.is_open()) return 0;
  return impl_->tcp_acceptor.local_endpoint(ec).port();
}

Result<size_t> IngestServer::ReloadTokens() {
  if (impl_->options.listen.empty()) return size_t{0};
  auto tokens = LoadNodeTokens(impl_->options.tokens_file);
  if (!tokens) return tokens.error();
  if (tokens->empty()) return Error::Invalid(impl_->options.tokens_file + " lists no node", "ingest-tokens");
  const size_t nodes = tokens->size();
  auto in_force = std::make_shared<const std::map<std::string, std::string>>(std::move(*tokens));
  std::lock_guard lock(impl_->tokens_mutex);
  impl_->tokens = std::move(in_force);
  return nodes;
}

IngestStats IngestServer::stats() const {
  return {impl_->batches.load(),     impl_->accepted.load(), impl_->rejected.load(),
          impl_->connections.load(), impl_->refused.load(),  impl_->duplicates.load()};
}

}  // namespace esafe::activity
