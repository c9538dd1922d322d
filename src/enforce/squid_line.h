// Squid helper protocol, one line at a time: parsing a request line and formatting the
// answer, for both helper kinds esafe serves (the protocol is described in
// docs/enforce.md and Squid's "Addon helpers" documentation):
//
//   url_rewrite_program (kRewrite): request "[channel-ID] URL [client[/fqdn]] [user]
//     [method] [key=value…]" (Squid's default url_rewrite_extras); answers
//     "[channel-ID] OK status=302 url=BLOCKPAGE" to block, "[channel-ID] OK
//     rewrite-url=URL" for safe search, "[channel-ID] ERR" to leave the request alone.
//   external_acl_type (kAcl), configured with the format "%ru %>a %un %>rm": the same
//     fields, each URL-escaped by Squid; answers "OK" (allowed) or "ERR message=…"
//     (blocked; Squid denies with deny_info).
//   Either: "[channel-ID] BH message=…" for a line that cannot be read — the helper goes
//     on serving.
//
// With concurrency > 0 Squid puts a numeric channel ID first and accepts answers in any
// order. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace esafe::enforce {

enum class SquidMode { kRewrite, kAcl };

// Whether request lines start with a channel ID: kAuto takes a first token of digits
// followed by more tokens as one.
enum class SquidChannels { kAuto, kYes, kNo };

struct SquidRequest {
  std::string channel;  // "" when the line had none
  std::string url;      // "http://host/path", or "host:443" for CONNECT
  std::string client;   // "10.1.2.3" (any "/fqdn" removed); "" when not sent
  std::string user;     // "" when "-" or not sent
  std::string method;   // "GET", "CONNECT", … ("" when not sent)
};

// Lines longer than this are refused (BH): Squid's own URL limit is 8 KiB by default.
inline constexpr size_t kMaxSquidLine = 64 * 1024;

// Parses one request line (without its newline). On failure returns Invalid with a
// reason; `channel` is set whenever the line's channel ID could be read, so that the BH
// answer reaches the right request.
Result<SquidRequest> ParseSquidLine(std::string_view line, SquidMode mode, SquidChannels channels,
                                    std::string& channel);

// "[channel ]OK status=302 url=…", "[channel ]ERR", …: the answer line, without newline.
// URL values have every '%' escaped once more, because Squid unescapes reply values.
std::string SquidBlockReply(const std::string& channel, SquidMode mode, std::string_view block_url,
                            std::string_view message);
std::string SquidAllowReply(const std::string& channel, SquidMode mode);
std::string SquidRewriteReply(const std::string& channel, std::string_view url);
std::string SquidBrokenReply(const std::string& channel, std::string_view message);

// Decodes %XX escapes (as Squid writes external ACL values); bad escapes stay as they are.
std::string SquidUnescape(std::string_view text);

// A value quoted for a key=value pair: "…" with '"' and '\' escaped and control bytes dropped.
std::string SquidQuote(std::string_view text);

}  // namespace esafe::enforce
