#include "web/trusted_proxies.h"

#include <optional>

#include "core/text.h"

namespace esafe::web {

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& cidrs) {
  TrustedProxies proxies;
  for (const auto& cidr : cidrs) {
    auto range = activity::ParseCidr(text::Trim(cidr));
    if (!range.ok())
      return Error::Invalid("--trusted-proxy takes a CIDR or an address (127.0.0.1/32, 10.0.0.0/8, ::1), got '" +
                                cidr.substr(0, 64) + "'",
                            "trusted-proxy");
    proxies.ranges_.push_back(*range);
  }
  return proxies;
}

bool TrustedProxies::Contains(const activity::IpAddress& ip) const {
  for (const auto& range : ranges_) {
    if (range.Contains(ip)) return true;
  }
  return false;
}

bool TrustedProxies::Contains(std::string_view address) const {
  auto ip = activity::ParseIp(address);
  return ip && Contains(*ip);
}

TrustedProxies::Client TrustedProxies::Resolve(const std::string& peer, bool tls, std::string_view forwarded_for,
                                               std::string_view forwarded_proto) const {
  Client client{peer, tls};
  if (ranges_.empty() || !Contains(peer)) return client;

  const std::string proto = text::Lower(text::Trim(forwarded_proto));
  if (proto == "https") client.https = true;
  if (proto == "http") client.https = false;

  // From the right: skip the proxies; the first address that is not one is the client.
  // When every address is a proxy, the left-most is the nearest thing to a client.
  std::optional<activity::IpAddress> found;
  std::string_view rest = forwarded_for;
  while (!text::Trim(rest).empty()) {
    const size_t comma = rest.rfind(',');
    const std::string_view item = text::Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    auto ip = activity::ParseIp(item);
    if (!ip) return client;  // malformed: trust none of it
    found = ip;
    if (!Contains(*ip)) break;
  }
  if (found) client.address = activity::FormatIp(*found);
  return client;
}

}  // namespace esafe::web
