#include "filter/percent_encoding.h"

#include <algorithm>

namespace esafe::filter {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void AppendFullyPercentDecoded(std::string_view in, std::string& out) {
  if (in.find('%') == std::string_view::npos) {  // the common case: nothing to decode
    out.append(in);
    return;
  }
  // Only bytes appended by this call may take part in decoding.
  const size_t base = out.size();
  for (char c : in) {
    out.push_back(c);
    // A new byte can complete "%XX" at the end; the decoded byte can in turn complete
    // an earlier "%X" (as in "%%32%35" -> "%25" -> "%"), so keep folding the tail.
    while (out.size() - base >= 3) {
      const size_t n = out.size();
      if (out[n - 3] != '%') break;
      const int hi = HexValue(out[n - 2]);
      const int lo = HexValue(out[n - 1]);
      if (hi < 0 || lo < 0) break;
      out.resize(n - 3);
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
  }
}

void AppendSafeBrowsingEscaped(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto needs_escape = [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c >= 0x7F || c == '#' || c == '%';
  };
  if (std::none_of(in.begin(), in.end(), needs_escape)) {  // the common case
    out.append(in);
    return;
  }
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == '#' || c == '%') {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(ch);
    }
  }
}

}  // namespace esafe::filter
