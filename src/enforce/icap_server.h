// `esafe icap`: an ICAP (RFC 3507) REQMOD service on Boost.Asio. Squid (or any ICAP
// client) sends each request's head; the service answers 204 (unchanged), 200 with the
// request rewritten for safe search, or 200 with an HTTP 403 block page.
//
// Client address and user come from the X-Client-IP and X-Client-Username headers
// (Squid: adaptation_send_client_ip on, adaptation_send_username on); for a CONNECT, the
// TLS server name Squid peeked at from X-TLS-SNI (adaptation_meta X-TLS-SNI "%ssl::>sni"),
// and then both hosts are decided (Enforcer::Check). OPTIONS advertises
// Preview: 0 and Allow: 204, so a request body is never sent before the decision.
// Malformed ICAP gets 400 and that connection is closed; the service keeps serving
// others. Connections are persistent (many requests each).
//
// Thread-safety: one thread per connection, up to a cap; all share one const Enforcer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "enforce/enforcer.h"
#include "enforce/icap_message.h"

namespace esafe::enforce {

// Where a connection's bytes come from: a socket, or a string in tests and fuzzing.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Bytes up to and including `delimiter`; TooLarge beyond `max` bytes, NotFound at end of
  // input (before any byte of a new message) and Invalid when input ends mid-way.
  virtual Result<std::string> ReadUntil(std::string_view delimiter, size_t max) = 0;
  // Exactly `n` bytes.
  virtual Result<std::string> ReadExact(size_t n) = 0;
};

// A ByteSource over a string (tests, fuzzing).
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  Result<std::string> ReadUntil(std::string_view delimiter, size_t max) override;
  Result<std::string> ReadExact(size_t n) override;

 private:
  std::string_view data_;
};

struct IcapServiceOptions {
  std::string service = "reqmod";  // the path in icap://host:port/<service>
};

// Serves ICAP messages from `in` until it ends or a message is malformed (then answers
// 400 and returns), handing each response to `write` (which returns false to stop).
// Returns the number of messages answered.
size_t ServeIcapConnection(ByteSource& in, const std::function<bool(std::string_view)>& write,
                           const Enforcer& enforcer, const IcapServiceOptions& options);

struct IcapServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 1344;        // 0 picks a free port
  size_t max_connections = 200;
  int idle_timeout_seconds = 300;
  IcapServiceOptions service;
};

class IcapServer {
 public:
  IcapServer(const Enforcer& enforcer, IcapServerOptions options);
  ~IcapServer();

  // Binds and listens; returns the port. Invalid for a bad address, the bind error else.
  Result<uint16_t> Listen();
  // Accepts and serves connections until Stop(). Call after Listen().
  void Run();
  // Stops accepting; Run() returns. Connections in progress finish on their own threads.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::enforce
