// The HTTP request and response as the application sees them, independent of
// the server library, so that the whole application can be driven by tests
// and the fuzzer without sockets.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace esafe::web {

struct Request {
  std::string method;                          // "GET", "POST", …
  std::string path;                            // percent-decoded path, no query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string remote_ip;
  bool tls = false;

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
