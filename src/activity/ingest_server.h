// The activity log: the ingest endpoint enforcement points send events to.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "activity/store.h"
#include "core/result.h"

namespace esafe::activity {

struct IngestStats {
  uint64_t batches = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t connections = 0;
  uint64_t refused = 0;     // connections refused: no, or a wrong, token
  uint64_t duplicates = 0;  // batches already in the log (resent after a lost answer), dropped
};

struct IngestOptions {
  size_t max_batch_events = 10000;  // a batch is committed at this size even without a blank line
  size_t max_connections = 256;
  // The Unix socket, "" for none. Its mode, and its group when set, say which local
  // processes may send (the proxy's user): anyone who can connect can send events.
  std::string socket_path;
  unsigned socket_mode = 0660;
  std::string socket_group;
  // TLS over TCP for enforcement points on other machines, "" for none: HOST:PORT,
  // the server's certificate chain and key (PEM), and the node tokens file, one
  // "NODE TOKEN" a line; a connection must say hello with a token from it.
  std::string listen;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tokens_file;
  std::chrono::seconds hello_timeout{10};
};

// Accepts JSON-lines events from enforcement points, on a Unix socket and over TLS.
// Protocol (docs/activity.md, "Sending events"):
//   {"hello":1,"node":"NAME","token":"T"}   first line; required over TLS, where the
//       token names the node; optional on the Unix socket. Answer {"ok":true,"node":…}
//       or {"ok":false,"error":…} and the connection is closed.
//   {"batch":N,"generation":"G"}             optional first line of a batch: its mark.
//   event lines, then a blank line (or EOF, or max_batch_events lines) ending a batch.
// The server appends the batch's valid events atomically, fsyncs, and answers one line
// {"ok":true,"accepted":N,"rejected":M,"errors":[{"line":i,"reason":…}],"duplicate":false}.
// A marked batch the log already holds is answered "duplicate":true and not appended
// again. Malformed events are rejected one by one with a reason, never stored; every
// event is attributed to the node that sent it.
class IngestServer {
 public:
  // Binds what `options` names (at least one of socket_path and listen). Fails if it
  // cannot, or on a bad certificate, key or tokens file.
  static Result<std::unique_ptr<IngestServer>> Create(Store& store, const IngestOptions& options);
  // The Unix socket only (as before the network listener).
  static Result<std::unique_ptr<IngestServer>> Create(Store& store, const std::string& socket_path,
                                                      const IngestOptions& options = {});
  ~IngestServer();
  // Serves until Stop() (from any thread or a signal handler thread).
  void Run();
  void Stop();
  IngestStats stats() const;
  // The TCP port listened on (after Create with `listen`; useful with port 0), else 0.
  uint16_t port() const;
  // Reads the node tokens file again (SIGHUP) and puts it in force for connections that
  // sign in from now on; returns how many nodes it lists. On failure (a bad line, no node)
  // the tokens in force stay. Nothing to do (0) without a network listener.
  Result<size_t> ReloadTokens();

  struct Impl;
 private:
  explicit IngestServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Node tokens: "NODE TOKEN" a line, '#' comments. A node is 1..64 of [A-Za-z0-9._-];
// a token 32..256 printable characters without spaces. Fails with file and line.
Result<std::map<std::string, std::string>> LoadNodeTokens(const std::string& path);  // token → node
// A fresh random token (43 characters, URL-safe base64 of 32 bytes).
std::string NewNodeToken();

}  // namespace esafe::activity
