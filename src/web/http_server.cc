#include "web/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/text.h"

namespace esafe::web {

// Open connections, in total and per client address.
class HttpConnectionCounts {
 public:
  explicit HttpConnectionCounts(const HttpServerLimits& limits) : limits_(limits) {}
  // Takes a place for `address`, or false when it or the server is full.
  bool Take(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& n = by_address_[address];
    if (total_ >= limits_.max_connections || n >= limits_.max_connections_per_address) {
      if (n == 0) by_address_.erase(address);
      return false;
    }
    ++n;
    ++total_;
    return true;
  }
  void Release(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = by_address_.find(address);
    if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
    --total_;
  }

 private:
  const HttpServerLimits& limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, size_t> by_address_;
  size_t total_ = 0;
};

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

http::response<http::string_body> ToBeast(const Response& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "esafe");
  if (!r.body.empty() || r.status != 204) res.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.insert(k, v);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

Response Plain(int status, const std::string& message) {
  return ErrorResponse(status, message);
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const App& app, const HttpServerLimits& limits, HttpConnectionCounts& counts,
             std::string address)
      : stream_(std::move(socket)), app_(app), limits_(limits), counts_(counts), address_(std::move(address)) {}
  ~Connection() { counts_.Release(address_); }

  void Start() {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Connection::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    // Beast checks Content-Length against the limit as it parses the header, so the
    // header is read under the signed-in limit and OnHeader applies the anonymous one.
    parser_->body_limit(limits_.max_body_bytes);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
  }

  // The body is read only once its size is allowed: past the anonymous cap, only for a
  // request with a live session.
  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnRead(ec, 0);
    const auto length = parser_->content_length();
    const bool large = parser_->chunked() || (length && *length > limits_.max_anonymous_body_bytes);
    if (large) {
      Request probe;
      for (const auto& field : parser_->get()) {
        const auto name = text::Lower(std::string_view(field.name_string().data(), field.name_string().size()));
        if (name == "cookie") probe.headers[name] = std::string(field.value());
      }
      probe.remote_ip = RemoteIp();
      if (!app_.HasSession(probe)) {
        return Write(ToBeast(Plain(413, fmt::format("a request without a session may send at most {} KiB; sign in first",
                                                    limits_.max_anonymous_body_bytes / 1024)),
                             11, false));
      }
    }
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::OnRead, shared_from_this()));
  }

  std::string RemoteIp() {
    boost::system::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    return ignored ? "unknown" : endpoint.address().to_string();
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset) {
      return Close();
    }
    if (ec) {
      int status = ec == http::error::body_limit ? 413 : 400;
      std::string what = ec == http::error::body_limit ? "the request body is too large"
                         : ec == http::error::header_limit ? "the request headers are too large"
                                                          : "malformed HTTP request";
      return Write(ToBeast(Plain(status, what), 11, false));
    }
    auto req = parser_->release();
    Request r;
    r.method = std::string(req.method_string());
    auto target = ParseTarget(std::string_view(req.target().data(), req.target().size()));
    r.remote_ip = RemoteIp();
    Response response;
    if (!target) {
      response = Plain(400, "malformed request target");
    } else {
      r.path = std::move(target->path);
      r.query = std::move(target->query);
      for (const auto& field : req) {
        r.headers[text::Lower(std::string_view(field.name_string().data(), field.name_string().size()))] =
            std::string(field.value());
      }
      r.body = std::move(req.body());
      response = app_.Handle(r);
    }
    if (response.status >= 500) spdlog::warn("{} {} -> {}", r.method, r.path, response.status);
    Write(ToBeast(response, req.version(), req.keep_alive()));
  }

  void Write(http::response<http::string_body>&& res) {
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    bool close = !sp->keep_alive();
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *sp, [self = shared_from_this(), sp, close](beast::error_code ec, size_t) {
      if (ec || close) return self->Close();
      self->buffer_.consume(self->buffer_.size());
      self->Read();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const App& app_;
  const HttpServerLimits& limits_;
  HttpConnectionCounts& counts_;
  std::string address_;
};

}  // namespace

struct HttpServer::Impl {
  Impl(const App& a, const HttpServerLimits& l) : app(a), limits(l), counts(limits), acceptor(io), backoff(io) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors, most likely: accepting again at once would spin a core
        // and starve the connections being served. Wait a little and try again.
        spdlog::warn("accepting a connection failed ({}); waiting 100 ms", ec.message());
        backoff.expires_after(std::chrono::milliseconds(100));
        backoff.async_wait([this](beast::error_code e) {
          if (!e) Accept();
        });
        return;
      }
      boost::system::error_code ignored;
      auto endpoint = socket.remote_endpoint(ignored);
      std::string address = ignored ? "unknown" : endpoint.address().to_string();
      if (counts.Take(address)) {
        std::make_shared<Connection>(std::move(socket), app, limits, counts, std::move(address))->Start();
      } else {
        socket.close(ignored);  // full: this address has its share, or the server is full
      }
      Accept();
    });
  }

  const App& app;
  HttpServerLimits limits;
  HttpConnectionCounts counts;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;
};

HttpServer::HttpServer(const App& app, size_t max_body_bytes)
    : HttpServer(app, HttpServerLimits{.max_body_bytes = max_body_bytes}) {}
HttpServer::HttpServer(const App& app, const HttpServerLimits& limits) : impl_(std::make_unique<Impl>(app, limits)) {}
HttpServer::~HttpServer() = default;

Result<void> HttpServer::Listen(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return Error::Invalid("--listen must be HOST:PORT, e.g. 127.0.0.1:8080", "listen");
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port = text::ParseInt(host_port.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return Error::Invalid("--listen has a bad port number", "listen");
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Error::Invalid(fmt::format("--listen: '{}' is not an IP address", host), "listen");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(*port));
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error::Internal(fmt::format("cannot listen on {}: {}", host_port, ec.message()));
  return Ok();
}

unsigned short HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::Run(int threads) {
  asio::signal_set signals(impl_->io, SIGINT, SIGTERM);
  signals.async_wait([this](beast::error_code, int) { Stop(); });
  impl_->Accept();
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : pool) t.join();
}

void HttpServer::Stop() { impl_->io.stop(); }

}  // namespace esafe::web
