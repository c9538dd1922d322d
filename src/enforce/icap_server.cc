#include "enforce/icap_server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "enforce/block_page.h"

namespace esafe::enforce {
namespace {

// Reads and discards `n` bytes in bounded pieces, keeping up to `keep_max` of them in
// `kept` (when given); a hostile chunk size cannot make us allocate it.
Result<void> ReadBody(ByteSource& in, size_t n, std::string* kept, bool& overflow) {
  constexpr size_t kPiece = 64 * 1024;
  while (n > 0) {
    const size_t piece = std::min(n, kPiece);
    auto bytes = in.ReadExact(piece);
    if (!bytes) return bytes.error();
    if (kept && !overflow) {
      if (kept->size() + bytes->size() > kMaxKeptBody) {
        overflow = true;
      } else {
        kept->append(*bytes);
      }
    }
    n -= piece;
  }
  return Ok();
}

// Reads a chunked body up to and including its last chunk and trailers. `ieof` is set
// when the last chunk said the preview held the whole body.
Result<void> ReadChunked(ByteSource& in, std::string* kept, bool& overflow, bool& ieof) {
  for (;;) {
    auto line = in.ReadUntil("\r\n", 1024);
    if (!line) return line.error();
    auto size = ParseChunkSize(std::string_view(*line).substr(0, line->size() - 2), ieof);
    if (!size) return size.error();
    if (*size == 0) break;
    ESAFE_TRY(ReadBody(in, *size, kept, overflow));
    auto crlf = in.ReadExact(2);
    if (!crlf) return crlf.error();
    if (*crlf != "\r\n") return Error::Invalid("chunk not followed by CRLF");
  }
  // Trailers, then the blank line.
  for (int i = 0; i < 64; ++i) {
    auto line = in.ReadUntil("\r\n", 8 * 1024);
    if (!line) return line.error();
    if (*line == "\r\n") return Ok();
  }
  return Error::TooLarge("too many trailer lines");
}

std::string IsTag(const Enforcer& enforcer) {
  return "esafe-" + std::to_string(enforcer.Current()->policy->lists->generation());
}

bool ServiceMatches(std::string_view uri, std::string_view service) {
  // icap://host[:port]/service[?query]
  std::string_view rest = uri.substr(7);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view path = rest.substr(slash + 1);
  path = path.substr(0, path.find('?'));
  return path == service;
}

// Makes the rewritten URL the request's target: absolute when it was absolute, else the
// path and query.
void Retarget(HttpRequestHead& head, const std::string& url) {
  if (head.target.find("://") != std::string::npos) {
    head.target = url;
    return;
  }
  const size_t scheme = url.find("://");
  const size_t path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  if (path != std::string::npos) head.target = url.substr(path);
}

}  // namespace

Result<std::string> StringSource::ReadUntil(std::string_view delimiter, size_t max) {
  if (data_.empty()) return Error::NotFound("end of input");
  const size_t at = data_.substr(0, max + delimiter.size()).find(delimiter);
  if (at == std::string_view::npos || at + delimiter.size() > max) {
    if (data_.size() >= max) return Error::TooLarge("line or head over its size cap");
    return Error::Invalid("input ended mid-message");
  }
  std::string out(data_.substr(0, at + delimiter.size()));
  data_.remove_prefix(at + delimiter.size());
  return out;
}

Result<std::string> StringSource::ReadExact(size_t n) {
  if (data_.size() < n) return Error::Invalid("input ended mid-message");
  std::string out(data_.substr(0, n));
  data_.remove_prefix(n);
  return out;
}

size_t ServeIcapConnection(ByteSource& in, const std::function<bool(std::string_view)>& write,
                           const Enforcer& enforcer, const IcapServiceOptions& options) {
  size_t answered = 0;
  auto reply = [&](const std::string& response) {
    ++answered;
    return write(response);
  };
  for (;;) {
    const std::string istag = IsTag(enforcer);
    auto head = in.ReadUntil("\r\n\r\n", kMaxIcapHead);
    if (!head) {
      if (head.error().kind == ErrorKind::kTooLarge) reply(IcapErrorResponse(400, "Bad Request", istag));
      return answered;
    }
    auto request = ParseIcapHead(*head);
    if (!request) {
      reply(IcapErrorResponse(400, "Bad Request", istag));
      return answered;
    }
    if (!ServiceMatches(request->uri, options.service)) {
      reply(IcapErrorResponse(404, "ICAP Service Not Found", istag));
      return answered;
    }
    const std::string* connection = FindHeader(request->headers, "Connection");
    const bool close = connection && *connection == "close";
    if (request->method == "OPTIONS") {
      if (!reply(IcapOptionsResponse(istag, options.service)) || close) return answered;
      continue;
    }
    if (request->method != "REQMOD") {
      reply(IcapErrorResponse(405, "Method Not Allowed", istag));
      return answered;
    }
    auto http_bytes = in.ReadExact(request->http_head_length());
    if (!http_bytes) return answered;
    auto http = ParseHttpRequestHead(*http_bytes);
    if (!http) {
      reply(IcapErrorResponse(400, "Bad Request", istag));
      return answered;
    }
    std::string body;
    bool overflow = false;
    bool ieof = false;
    const bool preview = request->preview.has_value();
    if (request->has_body()) {
      if (auto read = ReadChunked(in, &body, overflow, ieof); !read) {
        if (read.error().kind != ErrorKind::kNotFound) reply(IcapErrorResponse(400, "Bad Request", istag));
        return answered;
      }
    }
    const std::string url = http->Url();
    if (url.empty()) {
      reply(IcapErrorResponse(400, "Bad Request", istag));
      return answered;
    }
    const std::string* client = FindHeader(request->headers, "X-Client-IP");
    const std::string* user = FindHeader(request->headers, "X-Client-Username");
    const std::string* server_name = FindHeader(request->headers, "X-TLS-SNI");
    auto verdict = enforcer.Check({url, client ? std::string_view(*client) : std::string_view(),
                                   user ? std::string_view(*user) : std::string_view(), http->method,
                                   server_name ? std::string_view(*server_name) : std::string_view()});
    if (!verdict) {
      reply(IcapErrorResponse(400, "Bad Request", istag));
      return answered;
    }
    std::string response;
    if (verdict->blocked()) {
      response = IcapBlockResponse(istag, RenderBlockPage(enforcer.PageInfo(*verdict, url)));
    } else if (verdict->safe_search && !request->has_body()) {
      Retarget(*http, verdict->safe_search->url);
      for (const auto& [name, value] : verdict->safe_search->set_headers) http->Set(name, value);
      response = IcapRequestResponse(istag, *http, std::nullopt);
    } else if (preview || request->allow_204) {
      response = IcapNoContentResponse(istag);
    } else if (overflow) {
      // Cannot echo a body we did not keep; the client must retry with Allow: 204.
      reply(IcapErrorResponse(500, "Server Error", istag));
      return answered;
    } else {
      response = IcapRequestResponse(istag, *http, request->has_body() ? std::optional(body) : std::nullopt);
    }
    if (!reply(response) || close) return answered;
  }
}

namespace {

class SocketSource final : public ByteSource {
 public:
  explicit SocketSource(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}

  Result<std::string> ReadUntil(std::string_view delimiter, size_t max) override {
    size_t searched = 0;
    for (;;) {
      const size_t from = searched > delimiter.size() ? searched - delimiter.size() : 0;
      const size_t at = buffer_.find(delimiter, from);
      if (at != std::string::npos) {
        if (at + delimiter.size() > max) return Error::TooLarge("over size cap");
        std::string out = buffer_.substr(0, at + delimiter.size());
        buffer_.erase(0, at + delimiter.size());
        return out;
      }
      if (buffer_.size() > max) return Error::TooLarge("over size cap");
      searched = buffer_.size();
      const bool empty = buffer_.empty();
      if (!Fill()) return empty ? Error::NotFound("connection closed") : Error::Invalid("connection closed mid-message");
    }
  }

  Result<std::string> ReadExact(size_t n) override {
    while (buffer_.size() < n) {
      if (!Fill()) return Error::Invalid("connection closed mid-message");
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }

 private:
  bool Fill() {
    char chunk[16 * 1024];
    boost::system::error_code ec;
    const size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
    if (ec || n == 0) return false;
    buffer_.append(chunk, n);
    return true;
  }

  boost::asio::ip::tcp::socket& socket_;
  std::string buffer_;
};

}  // namespace

struct IcapServer::Impl {
  const Enforcer& enforcer;
  IcapServerOptions options;
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{io};
  std::atomic<size_t> active{0};
  std::atomic<bool> stopped{false};
};

IcapServer::IcapServer(const Enforcer& enforcer, IcapServerOptions options)
    : impl_(new Impl{enforcer, std::move(options)}) {}

IcapServer::~IcapServer() { Stop(); }

Result<uint16_t> IcapServer::Listen() {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(impl_->options.address, ec);
  if (ec) return Error::Invalid("'" + impl_->options.address + "' is not an IP address", "listen");
  const boost::asio::ip::tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::Invalid("cannot listen on " + impl_->options.address + ":" + std::to_string(impl_->options.port) +
                              ": " + ec.message(),
                          "listen");
  }
  return impl_->acceptor.local_endpoint().port();
}

void IcapServer::Run() {
  Impl& impl = *impl_;
  while (!impl.stopped.load()) {
    auto socket = std::make_shared<boost::asio::ip::tcp::socket>(impl.io);
    boost::system::error_code ec;
    impl.acceptor.accept(*socket, ec);
    if (ec) {
      if (impl.stopped.load()) break;
      continue;
    }
    const std::string istag = IsTag(impl.enforcer);
    if (impl.active.load() >= impl.options.max_connections) {
      const std::string busy = IcapErrorResponse(503, "Service Overloaded", istag);
      boost::asio::write(*socket, boost::asio::buffer(busy), ec);
      continue;
    }
    timeval timeout{impl.options.idle_timeout_seconds, 0};
    ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ++impl.active;
    std::thread([&impl, socket] {
      SocketSource source(*socket);
      ServeIcapConnection(
          source,
          [&](std::string_view response) {
            boost::system::error_code write_error;
            boost::asio::write(*socket, boost::asio::buffer(response.data(), response.size()), write_error);
            return !write_error;
          },
          impl.enforcer, impl.options.service);
      boost::system::error_code ignored;
      socket->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      socket->close(ignored);
      --impl.active;
    }).detach();
  }
}

void IcapServer::Stop() {
  if (impl_->stopped.exchange(true)) return;
  if (impl_->acceptor.is_open()) ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
}

}  // namespace esafe::enforce
