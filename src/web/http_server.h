// HttpServer: serves an App over HTTP/1.1 or HTTPS with Boost.Beast.
//
// Size caps and timeouts are enforced before a request reaches the App: the
// header block is capped at 16 KiB; a body over the anonymous cap is read only
// for a request with a live session (and then up to the App's upload cap), so
// an unauthenticated client cannot make the server buffer megabytes; a
// connection that sends nothing for 30 seconds is closed, and a TLS handshake
// must finish within 10. Connections are capped in total and per client address
// (a flood of idle connections from one address leaves room for everyone else;
// a trusted proxy, which carries many clients, has only the total cap), and a
// failed accept (out of descriptors) backs off instead of spinning.
//
// With UseTls it speaks only HTTPS: TLS 1.2 or 1.3, ECDHE with AES-GCM or
// ChaCha20-Poly1305 for 1.2 (Mozilla's "intermediate" profile without DHE), no
// compression, no renegotiation, and Strict-Transport-Security on every response.
// ListenRedirect adds a plain-HTTP port that sends every request there.
//
// Thread-safety: Run blocks, serving on `threads` threads; Stop and ReloadTls may
// be called from any thread (SIGINT/SIGTERM stop it, SIGHUP reloads the TLS files).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/result.h"
#include "web/app.h"
#include "web/trusted_proxies.h"

namespace esafe::web {

struct HttpServerLimits {
  size_t max_body_bytes = 8 * 1024 * 1024;      // signed-in uploads and imports
  size_t max_anonymous_body_bytes = 64 * 1024;  // sign-in, public review and survey forms
  size_t max_connections = 4096;
  size_t max_connections_per_address = 128;
  std::chrono::seconds read_timeout{30};        // idle between and within requests
  std::chrono::seconds handshake_timeout{10};   // TLS handshake
};

class HttpServer {
 public:
  HttpServer(const App& app, size_t max_body_bytes);
  HttpServer(const App& app, const HttpServerLimits& limits);
  ~HttpServer();

  // Serves HTTPS with this certificate chain and private key (PEM); call before
  // Listen. kInvalid, naming the file and the reason, when either cannot be read or
  // the key does not belong to the certificate.
  Result<void> UseTls(const std::string& cert_file, const std::string& key_file);
  // Reads the files given to UseTls again; connections accepted afterwards use them,
  // open ones keep theirs. On failure the old certificate stays in use and the Error
  // says why.
  Result<void> ReloadTls();
  // Takes the client address and scheme from X-Forwarded-For/-Proto of these peers.
  void TrustProxies(TrustedProxies proxies);

  // Binds "HOST:PORT" (port 0 picks a free one). Fails with a clear message
  // when the address is malformed or in use.
  Result<void> Listen(const std::string& host_port);
  // Also listens in plain HTTP on "HOST:PORT" and answers every request with 308 to
  // the same path on `https_origin` ("https://esafe.example.org"), or when that is
  // empty on the request's Host at port(). Needs UseTls.
  Result<void> ListenRedirect(const std::string& host_port, const std::string& https_origin);
  // The ports actually bound.
  unsigned short port() const;
  unsigned short redirect_port() const;
  // Serves until Stop or SIGINT/SIGTERM.
  void Run(int threads);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::web
