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
//   - labels that are non-ASCII or start "xn--" go through UTS-46 (libidn2, non-transitional):
//     mapped (full-width, case, U+3002 dots), deleted code points (U+00AD, U+200B, ...)
//     dropped, Punycode written and checked; other labels are lower-cased and nothing else;
//   - a host whose last label is a number is parsed as IPv4 (decimal, octal "0…",
//     hex "0x…", one to four parts) and written as four decimal parts.
// A host the WHATWG host parser rejects (empty, forbidden code point such as a space, '%',
// '<' or a control, failed IDNA, bad IPv4 number or IPv6 literal) is an Invalid error with
// field "host" (IsInvalidHost), and `out` has unspecified extra bytes appended.
Result<void> AppendCanonicalHost(std::string_view host, std::string& out);

// As AppendCanonicalHost, returning the host on its own. Used by the list loaders, which
// hold hosts the way the lists write them ("Example.COM.", "*.example.com" is not accepted).
Result<std::string> CanonicalHost(std::string_view host);

// True for the errors above: the URL names a host no browser would send, which the
// filter decides as blocked ("invalid host") rather than as an error.
inline bool IsInvalidHost(const Error& error) { return error.field == "host"; }

}  // namespace esafe::filter
