// Percent-encoding as Safe Browsing canonicalisation needs it: decode until nothing is
// left to decode, then escape a fixed set of bytes.
//
// Pure functions, safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

namespace esafe::filter {

// Appends `in` to `out` with every "%XX" (two hex digits) decoded, repeatedly, until the
// result holds no further "%XX": "%2525" -> "%25" -> "%". Runs in one pass (a decoded
// byte is re-examined together with the bytes before it), so a long "%252525…" input
// costs linear, not quadratic, time. '%' not followed by two hex digits stays as it is.
void AppendFullyPercentDecoded(std::string_view in, std::string& out);

// Appends `in` to `out` with bytes <= 0x20, >= 0x7F, '#' and '%' written as "%XX"
// (upper-case hex), the escaping Safe Browsing applies to canonical hosts and paths.
void AppendSafeBrowsingEscaped(std::string_view in, std::string& out);

}  // namespace esafe::filter
