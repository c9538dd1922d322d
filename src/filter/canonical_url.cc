#include "filter/canonical_url.h"

#include "filter/canonical_host.h"
#include "filter/percent_encoding.h"

namespace esafe::filter {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// WHATWG trims C0 controls and space from both ends.
bool IsTrimmed(char c) { return static_cast<unsigned char>(c) <= 0x20; }

// WHATWG "special" schemes: '\' counts as '/', and "http:example.com" means
// "http://example.com".
uint16_t DefaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return 0;
}
bool IsSpecial(std::string_view scheme) { return DefaultPort(scheme) != 0; }

// Splits "scheme:" off the front of `s` when it is one. Returns the scheme length
// (without the ':'), or 0 when `s` has no scheme we recognise. A non-special scheme
// counts only with "://", so that "example.com:8080/x" stays a scheme-less host:port.
size_t SchemeLength(std::string_view s, std::string& lowered) {
  if (s.empty() || !IsAlpha(s[0])) return 0;
  size_t i = 1;
  while (i < s.size() && (IsAlpha(s[i]) || IsDigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) ++i;
  if (i >= s.size() || s[i] != ':') return 0;
  lowered.clear();
  for (size_t k = 0; k < i; ++k) lowered.push_back(LowerAscii(s[k]));
  if (IsSpecial(lowered)) return i;
  if (s.substr(i + 1, 2) == "//") return i;
  return 0;
}

// Resolves "." and ".." segments and collapses repeated slashes in `path` (which starts
// with '/'), appending the result to `out`. '\' counts as '/' for special schemes.
void AppendNormalisedPath(std::string_view path, bool special, std::string& out) {
  const size_t root = out.size();
  out.push_back('/');  // invariant: the output path always ends with '/' here
  bool trailing_slash = true;
  size_t i = 0;
  while (i <= path.size()) {
    size_t end = i;
    while (end < path.size() && path[end] != '/' && !(special && path[end] == '\\')) ++end;
    const std::string_view segment = path.substr(i, end - i);
    if (segment.empty() || segment == ".") {
      trailing_slash = true;
    } else if (segment == "..") {
      if (out.size() - root > 1) {
        const size_t previous = out.rfind('/', out.size() - 2);
        out.resize(previous + 1);
      }
      trailing_slash = true;
    } else {
      AppendSafeBrowsingEscaped(segment, out);
      out.push_back('/');
      trailing_slash = false;
    }
    i = end + 1;
  }
  if (!trailing_slash && out.size() - root > 1) out.pop_back();
}

}  // namespace

Result<CanonicalUrl> CanonicalUrl::Parse(std::string_view input) {
  if (input.size() > kMaxInputBytes) return Error::TooLarge("URL is longer than 8 KiB", "url");

  while (!input.empty() && IsTrimmed(input.front())) input.remove_prefix(1);
  while (!input.empty() && IsTrimmed(input.back())) input.remove_suffix(1);

  // Tabs, CR and LF anywhere are dropped, then the fragment, and only then is the rest
  // decoded — so an encoded '#' ("%23") is data, not a fragment.
  thread_local std::string stripped;
  std::string_view kept = input;
  // A plain loop: std::string_view::find_first_of calls memchr once per input byte.
  size_t first_special = 0;
  while (first_special < input.size() && input[first_special] != '#' && input[first_special] != '\t' &&
         input[first_special] != '\r' && input[first_special] != '\n') {
    ++first_special;
  }
  if (first_special < input.size()) {
    if (input[first_special] == '#') {
      kept = input.substr(0, first_special);
    } else {
      stripped.clear();
      for (char c : input) {
        if (c == '#') break;
        if (c != '\t' && c != '\r' && c != '\n') stripped.push_back(c);
      }
      kept = stripped;
    }
  }
  thread_local std::string decoded;
  decoded.clear();
  AppendFullyPercentDecoded(kept, decoded);
  std::string_view rest = decoded;

  CanonicalUrl url;
  std::string& spec = url.spec_;
  spec.reserve(rest.size() + 16);
  std::string scheme;
  const size_t scheme_length = SchemeLength(rest, scheme);
  const bool has_scheme = scheme_length > 0;
  if (has_scheme) {
    rest.remove_prefix(scheme_length + 1);
  } else {
    scheme = "http";
  }
  const bool special = IsSpecial(scheme);
  if (special || !has_scheme) {
    while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);
  } else {
    rest.remove_prefix(2);  // "//", checked by SchemeLength
  }

  size_t authority_end = 0;
  while (authority_end < rest.size()) {
    const char c = rest[authority_end];
    if (c == '/' || c == '?' || (special && c == '\\')) break;
    ++authority_end;
  }
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);

  // Userinfo: everything up to the last '@' is a name and password, never the host.
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);

  std::string_view host = authority;
  std::string_view port_text;
  bool has_port = false;
  const size_t bracket = authority.rfind(']');
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
    has_port = true;
  }
  uint32_t port = DefaultPort(scheme);
  if (has_port && !port_text.empty()) {
    uint32_t value = 0;
    for (char c : port_text) {
      if (!IsDigit(c)) return Error::Invalid("URL has a port that is not a number", "url");
      value = value * 10 + static_cast<uint32_t>(c - '0');
      if (value > 65535) return Error::Invalid("URL has a port above 65535", "url");
    }
    port = value;
  }
  // CONNECT requests name "host:443" and nothing else: that is HTTPS.
  if (!has_scheme && has_port && port == 443) scheme = "https";

  spec += scheme;
  url.scheme_end_ = static_cast<uint32_t>(spec.size());
  spec += "://";
  url.host_begin_ = static_cast<uint32_t>(spec.size());
  ESAFE_TRY(AppendCanonicalHost(host, spec));
  url.path_begin_ = static_cast<uint32_t>(spec.size());

  const size_t question = rest.find('?');
  const std::string_view path = rest.substr(0, question);
  AppendNormalisedPath(path, special, spec);
  url.query_begin_ = static_cast<uint32_t>(spec.size());
  if (question != std::string_view::npos) AppendSafeBrowsingEscaped(rest.substr(question), spec);
  url.port_ = static_cast<uint16_t>(port);
  return url;
}

}  // namespace esafe::filter
