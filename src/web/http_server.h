// HttpServer: serves an App over HTTP/1.1 with Boost.Beast.
//
// Size caps and timeouts are enforced before a request reaches the App: the
// header block is capped at 16 KiB, the body at the App's upload cap, and a
// connection that sends nothing for 30 seconds is closed.
//
// Thread-safety: Run blocks, serving on `threads` threads; Stop may be called
// from any thread (or a signal handler via the io_context's signal set).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "web/app.h"

namespace esafe::web {

class HttpServer {
 public:
  HttpServer(const App& app, size_t max_body_bytes);
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
