// Punycode (RFC 3492): the ASCII encoding of internationalised domain-name labels.
//
// Pure functions, safe to call from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace esafe::filter {

// Encodes one label given as Unicode code points into Punycode, without the "xn--"
// prefix ("bücher" -> "bcher-kva"). Returns nullopt on arithmetic overflow, which
// RFC 3492 section 6.4 treats as a failure (only reachable with absurdly long labels).
std::optional<std::string> PunycodeEncode(const std::vector<char32_t>& code_points);

// Decodes well-formed UTF-8 into code points; nullopt when `utf8` is not well-formed.
std::optional<std::vector<char32_t>> DecodeUtf8(std::string_view utf8);

}  // namespace esafe::filter
