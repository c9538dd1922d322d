#include "web/http_server.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/hangup.h"
#include "core/text.h"

namespace esafe::web {

// Open connections, in total and per client address.
class HttpConnectionCounts {
 public:
  explicit HttpConnectionCounts(const HttpServerLimits& limits) : limits_(limits) {}
  // Takes a place for `address`, or false when it or the server is full. A trusted
  // proxy carries many clients' connections, so only the total applies to it.
  bool Take(const std::string& address, bool proxy) {
    std::lock_guard lock(mutex_);
    auto& n = by_address_[address];
    if (total_ >= limits_.max_connections || (!proxy && n >= limits_.max_connections_per_address)) {
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

// What every connection of one server shares.
struct HttpServerShared {
  HttpServerShared(const App& a, const HttpServerLimits& l) : app(a), limits(l), counts(limits) {}

  std::shared_ptr<boost::asio::ssl::context> tls() const {
    std::lock_guard lock(tls_mutex);
    return tls_context;
  }

  const App& app;
  HttpServerLimits limits;
  HttpConnectionCounts counts;
  TrustedProxies proxies;
  std::string redirect_origin;  // "https://…" for the redirect port, or "" for the Host's
  unsigned short tls_port = 0;
  mutable std::mutex tls_mutex;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // null: plain HTTP
  boost::asio::thread_pool* handlers = nullptr;  // where App::Handle runs (HttpServer::Run's pool)
};

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Mozilla's "intermediate" TLS 1.2 suites without the DHE ones: forward secrecy from
// ECDHE, AEAD ciphers only. TLS 1.3 suites are OpenSSL's defaults, all of them AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr const char* kHsts = "max-age=31536000";

Result<std::shared_ptr<ssl::context>> ServerTlsContext(const std::string& cert_file, const std::string& key_file) {
  for (const auto& [file, field] : {std::pair{cert_file, "tls-cert"}, std::pair{key_file, "tls-key"}}) {
    if (!std::ifstream(file)) return Error::Invalid(fmt::format("cannot read {}", file), field);
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) return Error::Internal("OpenSSL refused the cipher list");
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) return Error::Invalid(fmt::format("{} is not a PEM certificate: {}", cert_file, ec.message()), "tls-cert");
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    // OpenSSL's reason says which: "key values mismatch", or not PEM at all.
    return Error::Invalid(fmt::format("{} cannot be used as the private key of the certificate in {}: {}", key_file,
                                      cert_file, ec.message()),
                          "tls-key");
  }
  if (SSL_CTX_check_private_key(native) != 1)
    return Error::Invalid(fmt::format("{} is not the key of the certificate in {}", key_file, cert_file), "tls-key");
  return context;
}

http::response<http::string_body> ToBeast(const Response& r, unsigned version, bool keep_alive, bool https) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "esafe");
  if (!r.body.empty() || r.status != 204) res.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.insert(k, v);
  if (https) res.set(http::field::strict_transport_security, kHsts);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

Response Plain(int status, const std::string& message) {
  return ErrorResponse(status, message);
}

// The 308 from the redirect port: the same target on the HTTPS origin.
Response RedirectToHttps(const http::request<http::string_body>& req, const HttpServerShared& shared) {
  std::string origin = shared.redirect_origin;
  if (origin.empty()) {
    const std::string_view host_header(req[http::field::host].data(), req[http::field::host].size());
    // The host without its port: "[::1]:80" → "[::1]", "example.org:80" → "example.org".
    std::string host(host_header.substr(0, host_header.starts_with('[') ? host_header.find(']') + 1
                                                                        : host_header.find(':')));
    const bool valid = !host.empty() && host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                               "0123456789.-[]:") == std::string::npos;
    if (!valid) return Plain(400, "send a Host header; this port only redirects to HTTPS");
    origin = "https://" + host + (shared.tls_port == 443 ? "" : fmt::format(":{}", shared.tls_port));
  }
  const std::string_view target(req.target().data(), req.target().size());
  Response r;
  r.status = 308;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", origin + (target.starts_with('/') ? std::string(target) : "/"));
  r.body = "esafe is served over HTTPS\n";
  return r;
}

template <typename Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `tls` is the certificate this connection is served with (null for plain HTTP);
  // `redirect` makes every answer a redirect to HTTPS.
  Connection(tcp::socket socket, HttpServerShared& shared, std::shared_ptr<ssl::context> tls, std::string address,
             bool redirect)
      : tls_(std::move(tls)),
        stream_(Open(std::move(socket), tls_.get())),
        shared_(shared),
        address_(std::move(address)),
        redirect_(redirect) {}
  ~Connection() {
    DiscardUpload();
    shared_.counts.Release(address_);
  }

  void Start() {
    auto self = this->shared_from_this();
    asio::dispatch(stream_.get_executor(), [self] {
      if constexpr (kTls) {
        // Bounded, so that silent handshakes cannot hold the connection places.
        self->Lowest().expires_after(self->shared_.limits.handshake_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            spdlog::debug("TLS handshake with {} failed: {}", self->address_, ec.message());
            return self->Lowest().close();
          }
          self->Read();
        });
      } else {
        self->Read();
      }
    });
  }

 private:
  static Stream Open(tcp::socket socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    // Beast checks Content-Length against the limit as it parses the header, so the
    // header is read under the signed-in limit and OnHeader applies the anonymous one.
    parser_->body_limit(shared_.limits.max_body_bytes);
    Lowest().expires_after(shared_.limits.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Connection::OnHeader, this->shared_from_this()));
  }

  // The body is read only once its size is allowed: past the anonymous cap, only for a
  // request with a live session.
  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnRead(ec, 0);
    if (redirect_) return Write(ToBeast(RedirectToHttps(parser_->get(), shared_), 11, false, false));
    const auto length = parser_->content_length();
    const bool large = parser_->chunked() || (length && *length > shared_.limits.max_anonymous_body_bytes);
    if (large) {
      Request probe;
      probe.headers["cookie"] = std::string(parser_->get()[http::field::cookie]);
      Identify(parser_->get(), probe);
      if (!shared_.app.HasSession(probe)) {
        return Write(ToBeast(Plain(413, fmt::format("a request without a session may send at most {} KiB; sign in first",
                                                    shared_.limits.max_anonymous_body_bytes / 1024)),
                             11, false, https_));
      }
      // A large signed-in upload goes to a private file as it arrives, not into memory.
      std::error_code temp_error;
      std::string path = (std::filesystem::temp_directory_path(temp_error) / "esafe-upload-XXXXXX").string();
      const int fd = temp_error ? -1 : ::mkstemp(path.data());  // 0600
      if (fd < 0) return Write(ToBeast(Plain(503, "the server cannot store the upload now"), 11, false, https_));
      ::close(fd);
      upload_path_ = path;
      file_parser_.emplace(std::move(*parser_));
      parser_.reset();
      file_parser_->body_limit(shared_.limits.max_body_bytes);
      file_parser_->get().body().open(path.c_str(), beast::file_mode::write, ec);
      if (ec) {
        DiscardUpload();
        return Write(ToBeast(Plain(503, "the server cannot store the upload now"), 11, false, https_));
      }
      return http::async_read(stream_, buffer_, *file_parser_,
                              beast::bind_front_handler(&Connection::OnRead, this->shared_from_this()));
    }
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Connection::OnRead, this->shared_from_this()));
  }

  void DiscardUpload() {
    file_parser_.reset();
    if (!upload_path_.empty()) ::unlink(upload_path_.c_str());
    upload_path_.clear();
  }

  // Who the request is from and whether it came over HTTPS: this connection's peer,
  // or what a trusted proxy in front of us says.
  void Identify(const http::request<http::string_body>& req, Request& r) {
    std::string forwarded_for;
    // Several header lines are one list (RFC 9110, 5.3).
    for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) {
      forwarded_for += (forwarded_for.empty() ? "" : ",") + std::string(it->value());
    }
    const auto proto = req["X-Forwarded-Proto"];
    auto client = shared_.proxies.Resolve(address_, kTls, forwarded_for, std::string_view(proto.data(), proto.size()));
    r.remote_ip = std::move(client.address);
    r.tls = client.https;
    https_ = client.https;
  }

  void OnRead(beast::error_code ec, size_t) {
    // A TLS client may hang up without close_notify (stream_truncated): that is a close too.
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == ssl::error::stream_truncated) {
      DiscardUpload();
      return Close();
    }
    if (ec) {
      DiscardUpload();
      int status = ec == http::error::body_limit ? 413 : 400;
      std::string what = ec == http::error::body_limit ? "the request body is too large"
                         : ec == http::error::header_limit ? "the request headers are too large"
                                                          : "malformed HTTP request";
      return Write(ToBeast(Plain(status, what), 11, false, https_));
    }
    std::shared_ptr<const BodyFile> body_file;
    http::request<http::string_body> req;
    if (file_parser_) {
      auto streamed = file_parser_->release();
      streamed.body().close();
      auto mapped = BodyFile::Map(upload_path_);  // owns the file from here: removed when released
      if (!mapped) ::unlink(upload_path_.c_str());
      file_parser_.reset();
      upload_path_.clear();
      if (!mapped) return Write(ToBeast(Plain(503, "the server cannot read the upload back"), 11, false, https_));
      body_file = std::move(*mapped);
      req = http::request<http::string_body>(std::move(streamed.base()));
    } else {
      req = parser_->release();
    }
    auto r = std::make_shared<Request>();
    r->body_file = std::move(body_file);
    r->method = std::string(req.method_string());
    auto target = ParseTarget(std::string_view(req.target().data(), req.target().size()));
    Identify(req, *r);
    if (!target) return Write(ToBeast(Plain(400, "malformed request target"), req.version(), req.keep_alive(), https_));
    r->path = std::move(target->path);
    r->query = std::move(target->query);
    for (const auto& field : req) {
      r->headers[text::Lower(std::string_view(field.name_string().data(), field.name_string().size()))] =
          std::string(field.value());
    }
    r->body = std::move(req.body());
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    // The liveness check answers on this I/O thread: it must answer while every handler
    // thread is busy (a long import, a board PDF), which is what it is asked to show.
    if (r->method == "GET" && r->path == "/healthz") return Answer(*r, shared_.app.Handle(*r), version, keep_alive);
    // Handlers block (the database, PDF rendering), so they run on the handler pool and the
    // I/O threads stay free to accept, read and write for everyone else.
    asio::post(*shared_.handlers, [self = this->shared_from_this(), r, version, keep_alive] {
      Response response = self->shared_.app.Handle(*r);
      asio::post(self->stream_.get_executor(),
                 [self, r, response = std::move(response), version, keep_alive]() mutable {
                   self->Answer(*r, std::move(response), version, keep_alive);
                 });
    });
  }

  void Answer(const Request& r, Response response, unsigned version, bool keep_alive) {
    if (response.status >= 500) spdlog::warn("{} {} -> {}", r.method, r.path, response.status);
    Write(ToBeast(response, version, keep_alive, https_));
  }

  void Write(http::response<http::string_body>&& res) {
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    bool close = !sp->keep_alive();
    Lowest().expires_after(shared_.limits.read_timeout);
    http::async_write(stream_, *sp, [self = this->shared_from_this(), sp, close](beast::error_code ec, size_t) {
      if (ec) return self->Lowest().close();
      if (close) return self->Close();
      self->buffer_.consume(self->buffer_.size());
      self->Read();
    });
  }

  void Close() {
    if constexpr (kTls) {
      // close_notify, so the client knows the response was complete; a peer that does
      // not answer it is cut off by the timer.
      Lowest().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->Lowest().close(); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  std::shared_ptr<ssl::context> tls_;  // kept alive while the stream uses it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;  // a large signed-in upload
  std::string upload_path_;                                          // where file_parser_ writes
  HttpServerShared& shared_;
  std::string address_;
  bool redirect_ = false;
  bool https_ = kTls;  // the last request came over HTTPS (here or to the proxy)
};

Result<void> Bind(tcp::acceptor& acceptor, const std::string& host_port, const std::string& option) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos)
    return Error::Invalid(fmt::format("--{} must be HOST:PORT, e.g. 127.0.0.1:8080", option), option);
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port = text::ParseInt(host_port.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return Error::Invalid(fmt::format("--{} has a bad port number", option), option);
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Error::Invalid(fmt::format("--{}: '{}' is not an IP address", option, host), option);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(*port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error::Internal(fmt::format("cannot listen on {}: {}", host_port, ec.message()));
  return Ok();
}

}  // namespace

struct HttpServer::Impl {
  Impl(const App& a, const HttpServerLimits& l) : shared(a, l), acceptor(io), redirect_acceptor(io) {}

  // Accepts on `from`: the application's port, or with `redirect` the port that only
  // redirects to HTTPS.
  void Accept(tcp::acceptor& from, bool redirect) {
    from.async_accept(asio::make_strand(io), [this, &from, redirect](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors, most likely: accepting again at once would spin a core
        // and starve the connections being served. Wait a little and try again.
        spdlog::warn("accepting a connection failed ({}); waiting 100 ms", ec.message());
        auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(100));
        timer->async_wait([this, &from, redirect, timer](beast::error_code e) {
          if (!e) Accept(from, redirect);
        });
        return;
      }
      boost::system::error_code ignored;
      auto endpoint = socket.remote_endpoint(ignored);
      std::string address = ignored ? "unknown" : endpoint.address().to_string();
      if (shared.counts.Take(address, shared.proxies.Contains(address))) {
        auto tls = redirect ? nullptr : shared.tls();
        if (tls) {
          std::make_shared<Connection<TlsStream>>(std::move(socket), shared, std::move(tls), std::move(address), false)
              ->Start();
        } else {
          std::make_shared<Connection<beast::tcp_stream>>(std::move(socket), shared, nullptr, std::move(address),
                                                          redirect)
              ->Start();
        }
      } else {
        socket.close(ignored);  // full: this address has its share, or the server is full
      }
      Accept(from, redirect);
    });
  }

  // Rereads the certificate and key; on failure the previous ones stay in force.
  void ReloadOnHangUp() {
    if (auto reloaded = Reload(); reloaded.ok()) {
      spdlog::info("TLS certificate reloaded from {}", cert_file);
    } else {
      spdlog::error("TLS certificate not reloaded, still serving the previous one: {}", reloaded.error().message);
    }
  }

  Result<void> Reload() {
    auto context = ServerTlsContext(cert_file, key_file);
    if (!context.ok()) return context.error();
    std::lock_guard lock(shared.tls_mutex);
    shared.tls_context = std::move(*context);
    return Ok();
  }

  HttpServerShared shared;
  std::string cert_file, key_file;
  std::shared_ptr<std::function<void()>> hangup_reload;
  asio::io_context io;
  tcp::acceptor acceptor;
  tcp::acceptor redirect_acceptor;
};

HttpServer::HttpServer(const App& app, size_t max_body_bytes)
    : HttpServer(app, HttpServerLimits{.max_body_bytes = max_body_bytes}) {}
HttpServer::HttpServer(const App& app, const HttpServerLimits& limits) : impl_(std::make_unique<Impl>(app, limits)) {}
HttpServer::~HttpServer() = default;

Result<void> HttpServer::UseTls(const std::string& cert_file, const std::string& key_file) {
  impl_->cert_file = cert_file;
  impl_->key_file = key_file;
  return impl_->Reload();
}

Result<void> HttpServer::ReloadTls() {
  if (impl_->cert_file.empty()) return Error::Invalid("this server does not serve HTTPS", "tls-cert");
  return impl_->Reload();
}

void HttpServer::TrustProxies(TrustedProxies proxies) { impl_->shared.proxies = std::move(proxies); }

Result<void> HttpServer::Listen(const std::string& host_port) {
  ESAFE_TRY(Bind(impl_->acceptor, host_port, "listen"));
  impl_->shared.tls_port = port();
  return Ok();
}

Result<void> HttpServer::ListenRedirect(const std::string& host_port, const std::string& https_origin) {
  if (!impl_->shared.tls()) return Error::Invalid("--http-redirect needs --tls-cert and --tls-key", "http-redirect");
  impl_->shared.redirect_origin = https_origin;
  return Bind(impl_->redirect_acceptor, host_port, "http-redirect");
}

unsigned short HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

unsigned short HttpServer::redirect_port() const {
  boost::system::error_code ec;
  return impl_->redirect_acceptor.is_open() ? impl_->redirect_acceptor.local_endpoint(ec).port() : 0;
}

void HttpServer::Run(int threads) {
  asio::signal_set signals(impl_->io, SIGINT, SIGTERM);
  signals.async_wait([this](beast::error_code, int) { Stop(); });
  if (!impl_->cert_file.empty()) {
    // Through the process's one SIGHUP handler (core/hangup.h), which serve's other
    // reloads share; a second handler of asio's own would take the signal from them.
    // The registration outlives the server: it holds only a weak reference.
    impl_->hangup_reload = std::make_shared<std::function<void()>>([impl = impl_.get()] { impl->ReloadOnHangUp(); });
    hangup::OnHangup([weak = std::weak_ptr<std::function<void()>>(impl_->hangup_reload)] {
      if (auto reload = weak.lock()) (*reload)();
    });
  }
  impl_->Accept(impl_->acceptor, false);
  if (impl_->redirect_acceptor.is_open()) impl_->Accept(impl_->redirect_acceptor, true);
  // `threads` handler threads run the App; two I/O threads read, write and accept.
  asio::thread_pool handlers(static_cast<size_t>(threads));
  impl_->shared.handlers = &handlers;
  std::vector<std::thread> io_threads;
  io_threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : io_threads) t.join();
  // Requests still queued are dropped; those running finish before the App can go away.
  handlers.stop();
  handlers.join();
  impl_->shared.handlers = nullptr;
}

void HttpServer::Stop() { impl_->io.stop(); }

}  // namespace esafe::web
