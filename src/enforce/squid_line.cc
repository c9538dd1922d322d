#include "enforce/squid_line.h"

#include <vector>

namespace esafe::enforce {
namespace {

std::vector<std::string_view> Tokens(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) tokens.push_back(line.substr(start, i - start));
  }
  return tokens;
}

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Prefix(const std::string& channel) { return channel.empty() ? std::string() : channel + " "; }

// Squid URL-unescapes helper reply values once (rfc1738_unescape), so a URL value keeps
// its own escapes only if every '%' is escaped again; whitespace, which would end the
// value, is escaped too.
std::string UrlValue(std::string_view url) {
  std::string out;
  out.reserve(url.size() + 8);
  for (char c : url) {
    if (c == '%') {
      out += "%25";
    } else if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "%25";
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[c & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string SquidUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = Hex(text[i + 1]);
      const int lo = Hex(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi << 4 | lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string SquidQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

Result<SquidRequest> ParseSquidLine(std::string_view line, SquidMode mode, SquidChannels channels,
                                    std::string& channel) {
  channel.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxSquidLine) return Error::TooLarge("request line longer than 64 KiB");
  std::vector<std::string_view> tokens = Tokens(line);
  bool has_channel = channels == SquidChannels::kYes;
  if (channels == SquidChannels::kAuto) has_channel = tokens.size() >= 2 && AllDigits(tokens[0]);
  size_t next = 0;
  if (has_channel) {
    if (tokens.empty() || !AllDigits(tokens[0])) return Error::Invalid("request line does not start with a channel ID");
    channel = std::string(tokens[0]);
    next = 1;
  }
  for (char c : line) {
    if (c == '\0') return Error::Invalid("request line holds a NUL byte");
  }
  if (next >= tokens.size()) return Error::Invalid("request line holds no URL");
  auto field = [&](size_t index) -> std::string {
    if (index >= tokens.size()) return {};
    const std::string_view token = tokens[index];
    if (token.find('=') != std::string_view::npos && index > next) return {};  // key=value extras
    return mode == SquidMode::kAcl ? SquidUnescape(token) : std::string(token);
  };
  SquidRequest request;
  request.channel = channel;
  request.url = field(next);
  request.client = field(next + 1);
  request.client = request.client.substr(0, request.client.find('/'));
  if (request.client == "-") request.client.clear();
  request.user = SquidUnescape(field(next + 2));
  if (request.user == "-") request.user.clear();
  request.method = field(next + 3);
  if (request.method == "-") request.method.clear();
  if (request.url.empty() || request.url == "-") return Error::Invalid("request line holds no URL");
  return request;
}

std::string SquidBlockReply(const std::string& channel, SquidMode mode, std::string_view block_url,
                            std::string_view message) {
  if (mode == SquidMode::kAcl) return Prefix(channel) + "ERR message=" + SquidQuote(message);
  return Prefix(channel) + "OK status=302 url=" + UrlValue(block_url);
}

std::string SquidAllowReply(const std::string& channel, SquidMode mode) {
  return Prefix(channel) + (mode == SquidMode::kAcl ? "OK" : "ERR");
}

std::string SquidRewriteReply(const std::string& channel, std::string_view url) {
  return Prefix(channel) + "OK rewrite-url=" + UrlValue(url);
}

std::string SquidBrokenReply(const std::string& channel, std::string_view message) {
  return Prefix(channel) + "BH message=" + SquidQuote(message);
}

}  // namespace esafe::enforce
