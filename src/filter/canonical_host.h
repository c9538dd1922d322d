// Host canonicalisation: the host part of the Safe Browsing rules combined with the
// WHATWG URL host parser (IPv4 number forms, IPv6 literals, IDNA labels).
//
// Pure functions, safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace esafe::filter {

// Appends the canonical form of `host` (already percent-decoded, userinfo and port
// removed) to `out`:
//   - "[v6]" literals are parsed and written in RFC 5952 compressed form, except that
//     IPv4-mapped ("[::ffff:192.0.2.10]") and IPv4-compatible ("[::192.0.2.10]") ones are
//     written as the IPv4 address ("192.0.2.10");
//   - leading/trailing dots are dropped and runs of dots collapse to one;
//   - ideographic full stops (U+3002, U+FF0E, U+FF61) count as dots, full-width ASCII
//     maps to ASCII, letters are lower-cased, and non-ASCII labels become "xn--" Punycode;
//   - a host whose last label is a number is parsed as IPv4 (decimal, octal "0…",
//     hex "0x…", one to four parts) and written as four decimal parts;
//   - remaining bytes <= 0x20, >= 0x7F, '#' and '%' are percent-escaped (Safe Browsing).
// On failure (empty host, bad IPv6 literal, bad IPv4 number) returns an Invalid error and
// leaves `out` with unspecified extra bytes appended.
Result<void> AppendCanonicalHost(std::string_view host, std::string& out);

// As AppendCanonicalHost, returning the host on its own. Used by the list loaders, which
// hold hosts the way the lists write them ("Example.COM.", "*.example.com" is not accepted).
Result<std::string> CanonicalHost(std::string_view host);

}  // namespace esafe::filter
