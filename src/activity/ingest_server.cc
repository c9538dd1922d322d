// IngestServer: JSON-lines events over a Unix stream socket, one acknowledgement a batch.
#include <unistd.h>

#include <atomic>
#include <istream>
#include <utility>

#include <boost/asio.hpp>

#include "activity/internal.h"

namespace esafe::activity {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;

struct IngestServer::Impl {
  Store* store = nullptr;
  IngestOptions options;
  std::string path;
  asio::io_context io;
  asio::local::stream_protocol::acceptor acceptor{io};
  std::atomic<uint64_t> batches{0}, accepted{0}, rejected{0}, connections{0};
  std::atomic<size_t> open_connections{0};

  void Accept();
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(IngestServer::Impl& server, Socket socket)
      : server_(server), socket_(std::move(socket)), buffer_(kMaxLineBytes + 2) {}
  ~Connection() { --server_.open_connections; }

  void Read() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, buffer_, '\n', [self](boost::system::error_code ec, size_t n) {
      if (ec == asio::error::eof || ec == asio::error::not_found) {
        if (ec == asio::error::not_found) {
          self->Reject("line over " + std::to_string(kMaxLineBytes) + " bytes; connection closed");
          self->closing_ = true;
        } else {
          self->closing_ = true;
          // Whatever trails without a newline is one last line.
          std::string tail(asio::buffers_begin(self->buffer_.data()), asio::buffers_end(self->buffer_.data()));
          if (!tail.empty()) self->Line(tail);
        }
        if (self->lines_ > 0 || self->rejected_ > 0) {
          self->Commit();
        }
        return;
      }
      if (ec) return;
      std::string line(asio::buffers_begin(self->buffer_.data()), asio::buffers_begin(self->buffer_.data()) + n);
      self->buffer_.consume(n);
      line.pop_back();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        self->Commit();
        return;
      }
      self->Line(line);
      if (self->lines_ >= self->server_.options.max_batch_events) {
        self->Commit();
        return;
      }
      self->Read();
    });
  }

 private:
  void Line(const std::string& line) {
    ++lines_;
    auto event = ParseEventJson(line);
    if (event) {
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
    auto appended = server_.store->Append(batch_);
    if (appended) {
      reply["ok"] = true;
      reply["accepted"] = batch_.size();
      server_.accepted += batch_.size();
    } else {
      reply["ok"] = false;
      reply["accepted"] = 0;
      reply["error"] = appended.error().message;
    }
    reply["rejected"] = rejected_;
    reply["errors"] = errors_;
    server_.rejected += rejected_;
    ++server_.batches;
    batch_.clear();
    errors_ = nlohmann::ordered_json::array();
    rejected_ = 0;
    lines_ = 0;
    auto out = std::make_shared<std::string>(reply.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(*out), [self, out](boost::system::error_code ec, size_t) {
      if (ec || self->closing_) return;
      self->Read();
    });
  }

  IngestServer::Impl& server_;
  Socket socket_;
  asio::streambuf buffer_;
  std::vector<ActivityEvent> batch_;
  nlohmann::ordered_json errors_ = nlohmann::ordered_json::array();
  uint64_t rejected_ = 0;
  uint64_t lines_ = 0;
  bool closing_ = false;
};

}  // namespace

void IngestServer::Impl::Accept() {
  acceptor.async_accept([this](boost::system::error_code ec, Socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      ++connections;
      if (open_connections.load() >= options.max_connections) {
        const std::string busy = "{\"ok\":false,\"error\":\"too many connections\"}\n";
        boost::system::error_code ignored;
        asio::write(socket, asio::buffer(busy), ignored);
      } else {
        ++open_connections;
        std::make_shared<Connection>(*this, std::move(socket))->Read();
      }
    }
    Accept();
  });
}

IngestServer::IngestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestServer::~IngestServer() {
  if (impl_) ::unlink(impl_->path.c_str());
}

Result<std::unique_ptr<IngestServer>> IngestServer::Create(Store& store, const std::string& socket_path,
                                                           const IngestOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->store = &store;
  impl->options = options;
  impl->path = socket_path;
  ::unlink(socket_path.c_str());
  boost::system::error_code ec;
  asio::local::stream_protocol::endpoint endpoint(socket_path);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error::Internal("cannot listen on " + socket_path + ": " + ec.message());
  impl->Accept();
  return std::unique_ptr<IngestServer>(new IngestServer(std::move(impl)));
}

void IngestServer::Run() { impl_->io.run(); }

void IngestServer::Stop() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
}

IngestStats IngestServer::stats() const {
  return {impl_->batches.load(), impl_->accepted.load(), impl_->rejected.load(), impl_->connections.load()};
}

}  // namespace esafe::activity
