#include "filter/canonical_host.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "filter/percent_encoding.h"
#include "filter/punycode.h"

namespace esafe::filter {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// WHATWG "IPv4 number parser": 0x prefix is hex (may be empty), a leading 0 is octal.
std::optional<uint64_t> ParseIpv4Number(std::string_view part) {
  if (part.empty()) return std::nullopt;
  int radix = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    part.remove_prefix(2);
    radix = 16;
  } else if (part.size() >= 2 && part[0] == '0') {
    part.remove_prefix(1);
    radix = 8;
  }
  uint64_t value = 0;
  for (char c : part) {
    int digit;
    if (radix == 16 && IsHexDigit(c)) digit = HexValue(c);
    else if (IsDigit(c) && c - '0' < radix) digit = c - '0';
    else return std::nullopt;
    value = value * radix + digit;
    if (value > 0xFFFFFFFFull) value = 0x100000000ull;  // saturate: any excess is a failure
  }
  return value;
}

// WHATWG "ends in a number checker": the last label is all digits or 0x-hex.
bool EndsInNumber(std::string_view host) {
  const size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool all_digits = true;
  for (char c : last) all_digits = all_digits && IsDigit(c);
  if (all_digits) return true;
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    for (char c : last.substr(2)) {
      if (!IsHexDigit(c)) return false;
    }
    return true;
  }
  return false;
}

Result<void> AppendIpv4(std::string_view host, std::string& out) {
  std::array<uint64_t, 4> parts{};
  size_t count = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    const std::string_view part = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (count == 4) return Error::Invalid("IPv4 address has more than four parts", "url");
    auto value = ParseIpv4Number(part);
    if (!value) return Error::Invalid("invalid IPv4 address", "url");
    parts[count++] = *value;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  for (size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 255) return Error::Invalid("IPv4 address part above 255", "url");
  }
  const uint64_t last_limit = 1ull << (8 * (5 - count));
  if (parts[count - 1] >= last_limit) return Error::Invalid("IPv4 address out of range", "url");
  uint64_t address = parts[count - 1];
  for (size_t i = 0; i + 1 < count; ++i) address += parts[i] << (8 * (3 - i));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 0xFF);
    if (shift) out.push_back('.');
  }
  return Ok();
}

// WHATWG IPv6 parser, then the WHATWG (= RFC 5952) serialiser; IPv4-mapped and
// IPv4-compatible addresses are written as the IPv4 address.
Result<void> AppendIpv6(std::string_view in, std::string& out) {
  const Error bad = Error::Invalid("invalid IPv6 address", "url");
  std::array<uint16_t, 8> address{};
  int piece = 0;
  int compress = -1;
  size_t p = 0;
  auto at = [&](size_t i) -> char { return i < in.size() ? in[i] : '\0'; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return bad;
    p += 2;
    compress = ++piece;
  }
  while (p < in.size()) {
    if (piece == 8) return bad;
    if (at(p) == ':') {
      if (compress != -1) return bad;
      ++p;
      compress = ++piece;
      continue;
    }
    uint32_t value = 0;
    int length = 0;
    while (length < 4 && p < in.size() && IsHexDigit(in[p])) {
      value = value * 16 + HexValue(in[p]);
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return bad;
      p -= length;
      if (piece > 6) return bad;
      int numbers_seen = 0;
      while (p < in.size()) {
        int ipv4_piece = -1;
        if (numbers_seen > 0) {
          if (in[p] == '.' && numbers_seen < 4) ++p;
          else return bad;
        }
        if (!IsDigit(at(p))) return bad;
        while (p < in.size() && IsDigit(in[p])) {
          const int number = in[p] - '0';
          if (ipv4_piece == -1) ipv4_piece = number;
          else if (ipv4_piece == 0) return bad;
          else ipv4_piece = ipv4_piece * 10 + number;
          if (ipv4_piece > 255) return bad;
          ++p;
        }
        address[piece] = static_cast<uint16_t>(address[piece] * 0x100 + ipv4_piece);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) ++piece;
      }
      if (numbers_seen != 4) return bad;
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (p >= in.size()) return bad;
    } else if (p < in.size()) {
      return bad;
    }
    address[piece++] = static_cast<uint16_t>(value);
  }
  if (compress != -1) {
    int swaps = piece - compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(address[piece], address[compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return bad;
  }

  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4
  // host, so they are written as it is and a listed IPv4 address covers them. :: and ::1
  // (and anything else with the upper half of the IPv4 part zero) stay IPv6: they are the
  // unspecified and loopback addresses, not 0.0.0.0/16.
  const bool upper_zero = address[0] == 0 && address[1] == 0 && address[2] == 0 && address[3] == 0 && address[4] == 0;
  if (upper_zero && (address[5] == 0xFFFF || (address[5] == 0 && address[6] != 0))) {
    out += std::to_string(address[6] >> 8);
    out.push_back('.');
    out += std::to_string(address[6] & 0xFF);
    out.push_back('.');
    out += std::to_string(address[7] >> 8);
    out.push_back('.');
    out += std::to_string(address[7] & 0xFF);
    return Ok();
  }

  // Longest run of two or more zero pieces, first one on a tie.
  int best_start = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (address[i] != 0) { ++i; continue; }
    int j = i;
    while (j < 8 && address[j] == 0) ++j;
    if (j - i > best_len) { best_start = i; best_len = j - i; }
    i = j;
  }
  out.push_back('[');
  bool ignore_zero = false;
  for (int i = 0; i < 8; ++i) {
    if (ignore_zero && address[i] == 0) continue;
    ignore_zero = false;
    if (i == best_start) {
      out += i == 0 ? "::" : ":";
      ignore_zero = true;
      continue;
    }
    char buffer[8];
    int n = 0;
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int nibble = (address[i] >> shift) & 0xF;
      if (nibble || started || shift == 0) {
        buffer[n++] = "0123456789abcdef"[nibble];
        started = true;
      }
    }
    out.append(buffer, n);
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return Ok();
}

// A small part of the UTS-46 mapping table: case folding for the scripts that schools'
// lists meet most (Latin-1, Latin Extended-A, Greek, Cyrillic) and full-width ASCII.
// docs/filter.md lists what full UTS-46 would add.
char32_t MapCodePoint(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xFF21 && c <= 0xFF3A) return c - 0xFF21 + 'a';  // full-width A-Z
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 0xFF41 + 'a';  // full-width a-z
  if (c >= 0xFF10 && c <= 0xFF19) return c - 0xFF10 + '0';  // full-width digits
  if (c == 0xFF0D) return '-';
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x137 && c % 2 == 0) return c + 1;
  if (c >= 0x139 && c <= 0x148 && c % 2 == 1) return c + 1;
  if (c >= 0x14A && c <= 0x177 && c % 2 == 0) return c + 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E && c % 2 == 1) return c + 1;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  return c;
}

bool IsIdeographicDot(char32_t c) { return c == 0x3002 || c == 0xFF0E || c == 0xFF61; }

// Rewrites a host holding non-ASCII bytes: if it is well-formed UTF-8, maps and
// Punycode-encodes each label; otherwise returns it unchanged (its bytes get escaped).
std::string IdnaToAscii(std::string_view host) {
  auto code_points = DecodeUtf8(host);
  if (!code_points) return std::string(host);
  std::string out;
  std::vector<char32_t> label;
  bool label_ascii = true;
  auto flush = [&]() -> bool {
    if (!label_ascii) {
      // IDNA takes letters, digits, '-' and '_' beside the non-ASCII; a label with other
      // ASCII ('%', '#', controls) is not a name, and Punycode would move its characters
      // next to each other ("%Κaa" -> "xn--%aa-…"), so it is left for escaping instead.
      for (char32_t c : label) {
        const bool name_char = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!name_char) return false;
      }
    }
    if (label_ascii) {
      for (char32_t c : label) out.push_back(static_cast<char>(c));
    } else {
      auto encoded = PunycodeEncode(label);
      if (!encoded) return false;
      out += "xn--";
      out += *encoded;
    }
    label.clear();
    label_ascii = true;
    return true;
  };
  for (char32_t c : *code_points) {
    if (c == '.' || IsIdeographicDot(c)) {
      if (!flush()) return std::string(host);
      out.push_back('.');
      continue;
    }
    const char32_t mapped = MapCodePoint(c);
    if (mapped >= 0x80) label_ascii = false;
    label.push_back(mapped);
  }
  if (!flush()) return std::string(host);
  return out;
}

}  // namespace

Result<void> AppendCanonicalHost(std::string_view host, std::string& out) {
  if (host.empty()) return Error::Invalid("URL has an empty host", "url");
  if (host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return Error::Invalid("invalid IPv6 address", "url");
    return AppendIpv6(host.substr(1, host.size() - 2), out);
  }

  std::string mapped;
  bool has_non_ascii = false;
  for (char c : host) has_non_ascii = has_non_ascii || static_cast<unsigned char>(c) >= 0x80;
  if (has_non_ascii) {
    mapped = IdnaToAscii(host);
    host = mapped;
  }

  // Lower-case, drop leading and trailing dots, collapse runs of dots: into a small
  // local buffer so that the IPv4 check sees the cleaned host.
  thread_local std::string cleaned;
  cleaned.clear();
  for (char c : host) {
    if (c == '.') {
      if (cleaned.empty() || cleaned.back() == '.') continue;
      cleaned.push_back('.');
    } else {
      cleaned.push_back(LowerAscii(c));
    }
  }
  while (!cleaned.empty() && cleaned.back() == '.') cleaned.pop_back();
  if (cleaned.empty()) return Error::Invalid("URL has an empty host", "url");

  // WHATWG forbids these in a host; here they could only come from a mangled authority
  // ("a:b:1"), and keeping them would make the canonical string re-parse differently.
  if (cleaned.find_first_of(":[]") != std::string::npos) return Error::Invalid("invalid character in host", "url");
  if (EndsInNumber(cleaned)) return AppendIpv4(cleaned, out);
  AppendSafeBrowsingEscaped(cleaned, out);
  return Ok();
}

Result<std::string> CanonicalHost(std::string_view host) {
  std::string out;
  ESAFE_TRY(AppendCanonicalHost(host, out));
  return out;
}

}  // namespace esafe::filter
