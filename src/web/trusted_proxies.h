// TrustedProxies: which TCP peers are reverse proxies whose X-Forwarded-For and
// X-Forwarded-Proto headers say who the client is and whether it came over HTTPS.
//
// From any other peer those headers are ignored: a client cannot choose its own
// address for the sign-in throttle or the audit trail. Behind a chain of proxies the
// client is the right-most X-Forwarded-For address that is not itself trusted
// (each proxy appends the peer it saw, so what a client wrote itself is further left).
//
// Thread-safety: immutable after Parse; Resolve may be called from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "activity/activity.h"
#include "core/result.h"

namespace esafe::web {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // From CIDRs or bare addresses ("127.0.0.1/32", "10.0.0.0/8", "::1", "fd00::/8").
  // kInvalid (field "trusted-proxy") naming the first that is not one.
  static Result<TrustedProxies> Parse(const std::vector<std::string>& cidrs);

  bool empty() const { return ranges_.empty(); }
  // Whether `address` (text, as the socket reports it) is inside a trusted range.
  bool Contains(std::string_view address) const;

  struct Client {
    std::string address;  // the client's address as text
    bool https = false;   // whether the client's own connection was HTTPS
  };
  // The client behind `peer`: the peer itself and `tls` unless the peer is trusted;
  // from a trusted peer, the forwarded address and scheme. A malformed
  // X-Forwarded-For (any address that does not parse) gives the peer's address; an
  // X-Forwarded-Proto other than "http" or "https" leaves the scheme as `tls`.
  Client Resolve(const std::string& peer, bool tls, std::string_view forwarded_for,
                 std::string_view forwarded_proto) const;

 private:
  bool Contains(const activity::IpAddress& ip) const;
  std::vector<activity::IpRange> ranges_;
};

}  // namespace esafe::web
