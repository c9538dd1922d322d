// The HTTP request and response as the application sees them, independent of
// the server library, so that the whole application can be driven by tests
// and the fuzzer without sockets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace esafe::web {

// A request body the server wrote to a private temporary file as it arrived (a large
// signed-in upload), mapped read-only; the file is removed when the last holder lets
// go, so a background import keeps it for as long as it runs.
class BodyFile {
 public:
  // Maps `path` (which this object then owns and removes). Fails when it cannot be read.
  static std::optional<std::shared_ptr<const BodyFile>> Map(const std::string& path);
  ~BodyFile();
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;
  std::string_view view() const { return {data_, size_}; }

 private:
  BodyFile(std::string path, const char* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

struct Request {
  std::string method;                          // "GET", "POST", …
  std::string path;                            // percent-decoded path, no query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                              // the body, unless it is in body_file
  std::shared_ptr<const BodyFile> body_file;     // a large upload, streamed to disk
  std::string remote_ip;
  bool tls = false;

  // The body, wherever it is kept.
  std::string_view Body() const { return body_file ? body_file->view() : std::string_view(body); }

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Splits a request target ("/a%20b?x=1&y=2") into path and query; nullopt when
// the target is malformed (bad percent-encoding, not starting with '/',
// a NUL byte, or over 8 KiB).
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};
std::optional<Target> ParseTarget(std::string_view target);

// The value of cookie `name` in a Cookie header, or "" when absent.
std::string CookieValue(std::string_view cookie_header, std::string_view name);

}  // namespace esafe::web
