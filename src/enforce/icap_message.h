// ICAP (RFC 3507) messages for esafe's REQMOD service, without any I/O: parsing the ICAP
// request head, its Encapsulated header and the encapsulated HTTP request head; chunk
// sizes; and the responses (OPTIONS, 204, a blocked request's HTTP 403 block page, a
// request rewritten for safe search, errors).
//
// Every parser takes untrusted bytes, never crashes, and refuses anything over its cap
// (kTooLarge) or malformed (kInvalid); the connection answers those with ICAP 400.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace esafe::enforce {

inline constexpr size_t kMaxIcapHead = 16 * 1024;   // the ICAP request line and headers
inline constexpr size_t kMaxHttpHead = 64 * 1024;   // the encapsulated HTTP request head
inline constexpr size_t kMaxHeaders = 128;          // header lines in either head
inline constexpr size_t kMaxKeptBody = 1024 * 1024; // request body kept to echo back

struct Header {
  std::string name;
  std::string value;
};

// The value of header `name` (case-insensitive) or nullptr.
const std::string* FindHeader(const std::vector<Header>& headers, std::string_view name);

struct IcapRequest {
  std::string method;   // "OPTIONS", "REQMOD", …
  std::string uri;      // "icap://127.0.0.1:1344/reqmod"
  std::vector<Header> headers;
  std::vector<std::pair<std::string, size_t>> encapsulated;  // ("req-hdr", 0), ("null-body", 412)
  std::optional<size_t> preview;  // Preview: n
  bool allow_204 = false;         // "Allow: 204"

  // Length of the encapsulated HTTP head (0 when none) and whether a body follows.
  size_t http_head_length() const;
  bool has_body() const;
};

// Parses the ICAP head, `head` ending with the blank line ("\r\n\r\n"). Checks the
// request line (method, icap:// URI, ICAP/1.0), header syntax and counts, and for REQMOD
// the Encapsulated header (req-hdr at 0, then req-body or null-body, offsets ascending).
Result<IcapRequest> ParseIcapHead(std::string_view head);

// "req-hdr=0, req-body=412" -> [("req-hdr",0),("req-body",412)].
Result<std::vector<std::pair<std::string, size_t>>> ParseEncapsulated(std::string_view value);

struct HttpRequestHead {
  std::string method;
  std::string target;   // "http://host/path", "/path", or "host:443" for CONNECT
  std::string version;  // "HTTP/1.1"
  std::vector<Header> headers;

  // The absolute URL the request is for: the target when absolute (or CONNECT's
  // authority), else "http://" + Host + target. Empty when it cannot be formed.
  std::string Url() const;
  // Replaces (or adds) header `name`.
  void Set(std::string_view name, std::string_view value);
  // The head as bytes, ending with the blank line.
  std::string Serialize() const;
};

// Parses an HTTP request head (ending with the blank line).
Result<HttpRequestHead> ParseHttpRequestHead(std::string_view head);

// Parses a chunk-size line ("1a2b", "0; ieof", without CRLF). `ieof` is set for the
// preview's "0; ieof". Sizes over 2^40 are refused.
Result<size_t> ParseChunkSize(std::string_view line, bool& ieof);

// Responses (complete ICAP messages). `istag` is the service tag without quotes.
std::string IcapOptionsResponse(std::string_view istag, std::string_view service);
std::string IcapNoContentResponse(std::string_view istag);
std::string IcapErrorResponse(int status, std::string_view reason, std::string_view istag);
// 200 carrying an HTTP 403 with `html` as body (chunked).
std::string IcapBlockResponse(std::string_view istag, std::string_view html);
// 200 carrying the (rewritten) HTTP request head and, when `body` is set, that body.
std::string IcapRequestResponse(std::string_view istag, const HttpRequestHead& head,
                                const std::optional<std::string>& body);

}  // namespace esafe::enforce
