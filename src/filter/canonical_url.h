// CanonicalUrl: a URL rewritten to the one form every list entry is matched against, so
// that a listed URL is caught however it is written.
//
// Rules (docs/filter.md has the detail and where esafe differs from each source):
// Google Safe Browsing canonicalisation — strip tab/CR/LF, drop the fragment, percent-decode
// until stable, resolve "." and ".." segments, collapse repeated slashes, then escape bytes
// <= 0x20, >= 0x7F, '#' and '%' — with hosts parsed by the WHATWG URL host parser (IPv4 in
// any number form, IPv6 literals, IDNA labels to Punycode). Userinfo is dropped
// ("http://ok.example@blocked.example/" is blocked.example); ports are checked and kept
// apart from the canonical string (Safe Browsing drops them). Scheme-less input is taken
// as http ("example.com/path"), or https when it is a CONNECT-style "host:443".
//
// A CanonicalUrl is an immutable value; copies are independent and safe to share
// between threads once built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace esafe::filter {

class CanonicalUrl {
 public:
  // Inputs longer than this are refused (kTooLarge): no legitimate URL is, and the limit
  // bounds the work a hostile request can cause.
  static constexpr size_t kMaxInputBytes = 8 * 1024;

  // Canonicalises `input`. On failure returns kInvalid (empty host, bad port, bad IPv4 or
  // IPv6 literal) or kTooLarge (over kMaxInputBytes). Never crashes, whatever the bytes.
  static Result<CanonicalUrl> Parse(std::string_view input);

  // "http://www.example.com/a/b?q" — scheme, host, path and query; no port, no fragment.
  const std::string& spec() const { return spec_; }
  // "http", "https", "ftp", … (lower case).
  std::string_view scheme() const { return std::string_view(spec_).substr(0, scheme_end_); }
  // "www.example.com", "192.0.2.1", "[2001:db8::1]", "xn--bcher-kva.example".
  std::string_view host() const { return std::string_view(spec_).substr(host_begin_, path_begin_ - host_begin_); }
  // "/a/b" — always starts with '/'.
  std::string_view path() const { return std::string_view(spec_).substr(path_begin_, query_begin_ - path_begin_); }
  // "?q" including the '?', or empty when the URL has no query.
  std::string_view query() const { return std::string_view(spec_).substr(query_begin_); }
  // "/a/b?q": path and query together.
  std::string_view path_and_query() const { return std::string_view(spec_).substr(path_begin_); }
  // "www.example.com/a/b?q": the scheme-less form that URL lists and hashed lists use.
  std::string_view host_and_path() const { return std::string_view(spec_).substr(host_begin_); }
  // The port the URL named, or the scheme's default (80 for http, 443 for https); 0 when
  // the scheme has no default and none was given.
  uint16_t port() const { return port_; }

 private:
  std::string spec_;
  uint32_t scheme_end_ = 0;
  uint32_t host_begin_ = 0;
  uint32_t path_begin_ = 0;
  uint32_t query_begin_ = 0;
  uint16_t port_ = 0;
};

}  // namespace esafe::filter
