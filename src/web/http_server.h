// HttpServer: serves an App over HTTP/1.1 with Boost.Beast.
//
// Size caps and timeouts are enforced before a request reaches the App: the
// header block is capped at 16 KiB; a body over the anonymous cap is read only
// for a request with a live session (and then up to the App's upload cap), so
// an unauthenticated client cannot make the server buffer megabytes; a
// connection that sends nothing for 30 seconds is closed. Connections are capped
// in total and per client address (a flood of idle connections from one address
// leaves room for everyone else), and a failed accept (out of descriptors) backs
// off instead of spinning.
//
// Thread-safety: Run blocks, serving on `threads` threads; Stop may be called
// from any thread (or a signal handler via the io_context's signal set).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "web/app.h"

namespace esafe::web {

struct HttpServerLimits {
  size_t max_body_bytes = 8 * 1024 * 1024;      // signed-in uploads and imports
  size_t max_anonymous_body_bytes = 64 * 1024;  // sign-in, public review and survey forms
  size_t max_connections = 4096;
  size_t max_connections_per_address = 128;
};

class HttpServer {
 public:
  HttpServer(const App& app, size_t max_body_bytes);
  HttpServer(const App& app, const HttpServerLimits& limits);
  ~HttpServer();

  // Binds "HOST:PORT" (port 0 picks a free one). Fails with a clear message
  // when the address is malformed or in use.
  Result<void> Listen(const std::string& host_port);
  // The port actually bound.
  unsigned short port() const;
  // Serves until Stop or SIGINT/SIGTERM.
  void Run(int threads);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::web
