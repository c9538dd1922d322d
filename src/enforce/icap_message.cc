#include "enforce/icap_message.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace esafe::enforce {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7F || std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Splits a head into its start line and headers. The head must end with an empty line.
Result<std::pair<std::string_view, std::vector<Header>>> SplitHead(std::string_view head, std::string_view what) {
  if (!head.ends_with("\r\n\r\n")) return Error::Invalid(std::string(what) + " head does not end with a blank line");
  head.remove_suffix(2);
  std::vector<Header> headers;
  const size_t first_end = head.find("\r\n");
  const std::string_view start = head.substr(0, first_end);
  std::string_view rest = head.substr(first_end + 2);
  while (!rest.empty()) {
    const size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 2);
    if (line.empty()) return Error::Invalid(std::string(what) + " head has a blank line inside it");
    if (line.front() == ' ' || line.front() == '\t') return Error::Invalid("folded header lines are not accepted");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Error::Invalid("header line without ':'");
    const std::string_view name = line.substr(0, colon);
    if (!IsToken(name)) return Error::Invalid("bad header name");
    const std::string_view value = Trim(line.substr(colon + 1));
    for (unsigned char c : value) {
      if ((c < 0x20 && c != '\t') || c == 0x7F) return Error::Invalid("control character in a header value");
    }
    if (headers.size() >= kMaxHeaders) return Error::TooLarge("too many header lines");
    headers.push_back({std::string(name), std::string(value)});
  }
  return std::pair{start, std::move(headers)};
}

bool ParseSize(std::string_view s, size_t& out) {
  if (s.empty() || s.size() > 12) return false;
  size_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  out = value;
  return true;
}

std::string Chunked(std::string_view body) {
  std::string out;
  if (!body.empty()) {
    char size[32];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", body.size());
    out.append(size, static_cast<size_t>(n));
    out.append(body);
    out += "\r\n";
  }
  out += "0\r\n\r\n";
  return out;
}

std::string Common(std::string_view istag) {
  return "ISTag: \"" + std::string(istag) + "\"\r\nService: esafe\r\n";
}

}  // namespace

const std::string* FindHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) return &header.value;
  }
  return nullptr;
}

size_t IcapRequest::http_head_length() const {
  if (encapsulated.size() < 2 || encapsulated[0].first != "req-hdr") return 0;
  return encapsulated[1].second - encapsulated[0].second;
}

bool IcapRequest::has_body() const {
  return !encapsulated.empty() && encapsulated.back().first == "req-body";
}

Result<std::vector<std::pair<std::string, size_t>>> ParseEncapsulated(std::string_view value) {
  std::vector<std::pair<std::string, size_t>> out;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view item = Trim(value.substr(0, comma));
    value.remove_prefix(comma == std::string_view::npos ? value.size() : comma + 1);
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) return Error::Invalid("Encapsulated entry without '='");
    const std::string_view name = item.substr(0, equals);
    if (name != "req-hdr" && name != "res-hdr" && name != "req-body" && name != "res-body" && name != "null-body" &&
        name != "opt-body") {
      return Error::Invalid("unknown Encapsulated entity '" + std::string(name) + "'");
    }
    size_t offset = 0;
    if (!ParseSize(item.substr(equals + 1), offset)) return Error::Invalid("bad Encapsulated offset");
    if (!out.empty() && offset < out.back().second) return Error::Invalid("Encapsulated offsets must ascend");
    if (out.size() >= 4) return Error::Invalid("too many Encapsulated entities");
    out.emplace_back(std::string(name), offset);
  }
  if (out.empty()) return Error::Invalid("empty Encapsulated header");
  return out;
}

Result<IcapRequest> ParseIcapHead(std::string_view head) {
  if (head.size() > kMaxIcapHead) return Error::TooLarge("ICAP head over 16 KiB");
  auto split = SplitHead(head, "ICAP");
  if (!split) return split.error();
  const std::string_view start = split->first;
  const size_t sp1 = start.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : start.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || start.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error::Invalid("ICAP request line must be 'METHOD URI ICAP/1.0'");
  }
  IcapRequest request;
  request.method = std::string(start.substr(0, sp1));
  request.uri = std::string(start.substr(sp1 + 1, sp2 - sp1 - 1));
  if (start.substr(sp2 + 1) != "ICAP/1.0") return Error::Invalid("only ICAP/1.0 is spoken");
  if (!IsToken(request.method)) return Error::Invalid("bad ICAP method");
  if (!request.uri.starts_with("icap://")) return Error::Invalid("ICAP URI must start with icap://");
  request.headers = std::move(split->second);
  if (const std::string* preview = FindHeader(request.headers, "Preview")) {
    size_t value = 0;
    if (!ParseSize(*preview, value)) return Error::Invalid("bad Preview header");
    request.preview = value;
  }
  if (const std::string* allow = FindHeader(request.headers, "Allow")) {
    request.allow_204 = allow->find("204") != std::string::npos;
  }
  const std::string* encapsulated = FindHeader(request.headers, "Encapsulated");
  if (request.method == "REQMOD") {
    if (!encapsulated) return Error::Invalid("REQMOD without an Encapsulated header");
    auto parsed = ParseEncapsulated(*encapsulated);
    if (!parsed) return parsed.error();
    request.encapsulated = std::move(*parsed);
    const auto& e = request.encapsulated;
    if (e.size() != 2 || e[0].first != "req-hdr" || e[0].second != 0 ||
        (e[1].first != "req-body" && e[1].first != "null-body")) {
      return Error::Invalid("REQMOD must encapsulate 'req-hdr=0' then 'req-body' or 'null-body'");
    }
    if (request.http_head_length() == 0) return Error::Invalid("empty encapsulated HTTP head");
    if (request.http_head_length() > kMaxHttpHead) return Error::TooLarge("encapsulated HTTP head over 64 KiB");
  } else if (encapsulated) {
    auto parsed = ParseEncapsulated(*encapsulated);
    if (!parsed) return parsed.error();
    request.encapsulated = std::move(*parsed);
  }
  return request;
}

Result<HttpRequestHead> ParseHttpRequestHead(std::string_view head) {
  if (head.size() > kMaxHttpHead) return Error::TooLarge("HTTP head over 64 KiB");
  auto split = SplitHead(head, "HTTP");
  if (!split) return split.error();
  const std::string_view start = split->first;
  const size_t sp1 = start.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : start.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || start.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error::Invalid("HTTP request line must be 'METHOD TARGET HTTP/x.y'");
  }
  HttpRequestHead out;
  out.method = std::string(start.substr(0, sp1));
  out.target = std::string(start.substr(sp1 + 1, sp2 - sp1 - 1));
  out.version = std::string(start.substr(sp2 + 1));
  if (!IsToken(out.method) || out.target.empty() || !out.version.starts_with("HTTP/")) {
    return Error::Invalid("bad HTTP request line");
  }
  for (unsigned char c : out.target) {
    if (c <= 0x20 || c == 0x7F) return Error::Invalid("control character in the request target");
  }
  out.headers = std::move(split->second);
  return out;
}

std::string HttpRequestHead::Url() const {
  if (method == "CONNECT") return target;
  if (target.find("://") != std::string::npos) return target;
  if (!target.starts_with("/")) return {};
  const std::string* host = FindHeader(headers, "Host");
  if (!host || host->empty()) return {};
  return "http://" + *host + target;
}

void HttpRequestHead::Set(std::string_view name, std::string_view value) {
  for (auto& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) {
      header.value = std::string(value);
      return;
    }
  }
  headers.push_back({std::string(name), std::string(value)});
}

std::string HttpRequestHead::Serialize() const {
  std::string out = method + " " + target + " " + version + "\r\n";
  for (const auto& header : headers) out += header.name + ": " + header.value + "\r\n";
  out += "\r\n";
  return out;
}

Result<size_t> ParseChunkSize(std::string_view line, bool& ieof) {
  ieof = false;
  const size_t semicolon = line.find(';');
  const std::string_view digits = Trim(line.substr(0, semicolon));
  if (semicolon != std::string_view::npos) ieof = Trim(line.substr(semicolon + 1)) == "ieof";
  if (digits.empty() || digits.size() > 10) return Error::Invalid("bad chunk size");
  size_t value = 0;
  for (char c : digits) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return Error::Invalid("bad chunk size");
    value = value * 16 + static_cast<size_t>(d);
  }
  if (ieof && value != 0) return Error::Invalid("ieof on a chunk that is not the last");
  return value;
}

std::string IcapOptionsResponse(std::string_view istag, std::string_view service) {
  return "ICAP/1.0 200 OK\r\n" + Common(istag) +
         "Methods: REQMOD\r\n"
         "Service-ID: " + std::string(service) + "\r\n"
         "Allow: 204\r\n"
         "Preview: 0\r\n"
         "Transfer-Preview: *\r\n"
         "Options-TTL: 300\r\n"
         "Max-Connections: 200\r\n"
         "Encapsulated: null-body=0\r\n\r\n";
}

std::string IcapNoContentResponse(std::string_view istag) {
  return "ICAP/1.0 204 No Content\r\n" + Common(istag) + "Encapsulated: null-body=0\r\n\r\n";
}

std::string IcapErrorResponse(int status, std::string_view reason, std::string_view istag) {
  return "ICAP/1.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n" + Common(istag) +
         "Connection: close\r\nEncapsulated: null-body=0\r\n\r\n";
}

std::string IcapBlockResponse(std::string_view istag, std::string_view html) {
  const std::string http =
      "HTTP/1.1 403 Forbidden\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Length: " + std::to_string(html.size()) + "\r\n"
      "Cache-Control: no-store\r\n"
      "X-Esafe-Blocked: 1\r\n"
      "Connection: close\r\n\r\n";
  return "ICAP/1.0 200 OK\r\n" + Common(istag) + "Encapsulated: res-hdr=0, res-body=" + std::to_string(http.size()) +
         "\r\n\r\n" + http + Chunked(html);
}

std::string IcapRequestResponse(std::string_view istag, const HttpRequestHead& head,
                                const std::optional<std::string>& body) {
  const std::string http = head.Serialize();
  std::string out = "ICAP/1.0 200 OK\r\n" + Common(istag) + "Encapsulated: req-hdr=0, " +
                    (body ? "req-body=" : "null-body=") + std::to_string(http.size()) + "\r\n\r\n" + http;
  if (body) out += Chunked(*body);
  return out;
}

}  // namespace esafe::enforce
