// Small text helpers shared by every capability. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace esafe::text {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates).
bool IsValidUtf8(std::string_view s);

// True when `s` holds a control character other than tab, CR and LF.
bool HasControlCharacters(std::string_view s);
// Unicode bidirectional embedding, override and isolate controls (U+202A–U+202E,
// U+2066–U+2069): in a name they can make one record read as another in a list.
bool HasBidiControls(std::string_view s);

// Number of Unicode code points in well-formed UTF-8 `s`.
size_t CodePointCount(std::string_view s);

// `s` without leading and trailing ASCII white space.
std::string_view Trim(std::string_view s);

// ASCII lower-case copy.
std::string Lower(std::string_view s);

// Parses a whole base-10 integer; nullopt on anything else (sign allowed, no spaces).
std::optional<int64_t> ParseInt(std::string_view s);

// True for a real calendar date written YYYY-MM-DD.
bool IsIsoDate(std::string_view s);

// True for a plausible e-mail address: one @, a dot in the domain, no spaces.
bool IsEmailAddress(std::string_view s);

// `text` safe inside HTML element content and quoted attribute values.
std::string HtmlEscape(std::string_view text);

// True for an IPv4 or IPv6 CIDR range ("192.0.2.0/24", "2001:db8::/32") or a bare address.
bool IsCidr(std::string_view s);

}  // namespace esafe::text
