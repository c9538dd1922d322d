// UrlHash: the SHA-256 digest of a canonical URL, the form in which illegal-content lists
// are shared so that the list itself discloses nothing.
//
// What is hashed is the scheme-less canonical form, CanonicalUrl::host_and_path()
// ("www.example.com/a/b?q"), so that http and https variants of a URL share one entry.
// Pure functions, safe to call from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace esafe::filter {

using UrlDigest = std::array<uint8_t, 32>;

// SHA-256 of `text` (libsodium).
UrlDigest Sha256(std::string_view text);

// Lower-case hex, 64 characters.
std::string DigestToHex(const UrlDigest& digest);

// Parses 64 hex digits (either case); nullopt on anything else.
std::optional<UrlDigest> DigestFromHex(std::string_view hex);

}  // namespace esafe::filter
