#include "filter/canonical_host.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <idn2.h>


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
    if (count == 4) return Error::Invalid("IPv4 address has more than four parts", "host");
    auto value = ParseIpv4Number(part);
    if (!value) return Error::Invalid("invalid IPv4 address", "host");
    parts[count++] = *value;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  for (size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 255) return Error::Invalid("IPv4 address part above 255", "host");
  }
  const uint64_t last_limit = 1ull << (8 * (5 - count));
  if (parts[count - 1] >= last_limit) return Error::Invalid("IPv4 address out of range", "host");
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
  const Error bad = Error::Invalid("invalid IPv6 address", "host");
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

// WHATWG "forbidden domain code point": checked on the ASCII host, after IDNA, as the
// standard does (UTS-46 without STD3 rules lets '<' or '|' through).
bool IsForbiddenDomainByte(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
    case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

Error InvalidHost(std::string_view why) { return Error::Invalid("invalid host: " + std::string(why), "host"); }

bool StartsWithAcePrefix(std::string_view label) {
  return label.size() >= 4 && (label[0] == 'x' || label[0] == 'X') && (label[1] == 'n' || label[1] == 'N') &&
         label[2] == '-' && label[3] == '-';
}

// UTS-46 maps these full stops to '.', so they separate labels before any label is mapped.
size_t DotLength(std::string_view host, size_t i) {
  if (host[i] == '.') return 1;
  if (i + 3 > host.size()) return 0;
  const auto b0 = static_cast<unsigned char>(host[i]), b1 = static_cast<unsigned char>(host[i + 1]),
             b2 = static_cast<unsigned char>(host[i + 2]);
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x82) return 3;  // U+3002 ideographic full stop
  if (b0 == 0xEF && b1 == 0xBC && b2 == 0x8E) return 3;  // U+FF0E full-width full stop
  if (b0 == 0xEF && b1 == 0xBD && b2 == 0xA1) return 3;  // U+FF61 half-width ideographic full stop
  return 0;
}

// UTS-46 ToASCII of one label through libidn2: non-transitional, NFC first, as the WHATWG
// host parser asks. libidn2 also applies the IDNA2008 label rules (hyphens, CONTEXTJ,
// Bidi, disallowed symbols), which are stricter than the WHATWG flags: docs/filter.md.
Result<void> AppendIdnaLabel(std::string_view label, std::string& out) {
  const std::string text(label);  // libidn2 wants a NUL-terminated string
  uint8_t* ascii = nullptr;
  const int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(text.c_str()), &ascii,
                                IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK) return InvalidHost(idn2_strerror(rc));
  out += reinterpret_cast<const char*>(ascii);
  idn2_free(ascii);
  return Ok();
}

// The host with non-ASCII or "xn--" labels: each such label through libidn2, ASCII ones
// lower-cased, empty labels (also those UTS-46 maps to nothing) dropped.
Result<std::string> IdnaToAscii(std::string_view host) {
  std::string out;
  size_t start = 0;
  size_t i = 0;
  auto flush = [&](size_t end) -> Result<void> {
    const std::string_view label = host.substr(start, end - start);
    if (label.empty()) return Ok();
    if (!out.empty() && out.back() != '.') out.push_back('.');
    bool ascii = true;
    for (char c : label) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii && !StartsWithAcePrefix(label)) {
      for (char c : label) out.push_back(LowerAscii(c));
      return Ok();
    }
    const size_t before = out.size();
    ESAFE_TRY(AppendIdnaLabel(label, out));
    if (out.size() == before && before > 0) out.pop_back();  // mapped to nothing: no label
    return Ok();
  };
  while (i < host.size()) {
    if (const size_t dot = DotLength(host, i)) {
      ESAFE_TRY(flush(i));
      i += dot;
      start = i;
    } else {
      ++i;
    }
  }
  ESAFE_TRY(flush(host.size()));
  return out;
}

}  // namespace

Result<void> AppendCanonicalHost(std::string_view host, std::string& out) {
  if (host.empty()) return InvalidHost("empty");
  if (host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return Error::Invalid("invalid IPv6 address", "host");
    return AppendIpv6(host.substr(1, host.size() - 2), out);
  }

  // The fast path: a host of ASCII labels only, none "xn--", never reaches libidn2.
  std::string mapped;
  bool needs_idna = false;
  for (size_t i = 0; i < host.size() && !needs_idna; ++i) {
    needs_idna = static_cast<unsigned char>(host[i]) >= 0x80 ||
                 ((i == 0 || host[i - 1] == '.') && StartsWithAcePrefix(host.substr(i)));
  }
  if (needs_idna) {
    auto ascii = IdnaToAscii(host);
    if (!ascii) return ascii.error();
    mapped = std::move(*ascii);
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
    } else if (IsForbiddenDomainByte(static_cast<unsigned char>(c))) {
      // A host no browser would send (spaces, controls, "%00" decoded, '<', ...): fail
      // closed rather than match it under some made-up name.
      return InvalidHost("forbidden character");
    } else {
      cleaned.push_back(LowerAscii(c));
    }
  }
  while (!cleaned.empty() && cleaned.back() == '.') cleaned.pop_back();
  if (cleaned.empty()) return InvalidHost("empty");

  if (EndsInNumber(cleaned)) return AppendIpv4(cleaned, out);
  out += cleaned;
  return Ok();
}

Result<std::string> CanonicalHost(std::string_view host) {
  std::string out;
  ESAFE_TRY(AppendCanonicalHost(host, out));
  return out;
}

}  // namespace esafe::filter
