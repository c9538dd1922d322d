// ClientMap: which filtering profile applies to a client — by the user group of the user
// the proxy authenticated, else by the most specific address range holding the client's
// source address, else the default profile.
//
// Ranges come from the profiles file (`clients:`) and from the directory (sites'
// ip_ranges with the profile set for the site; see enforce/site_profiles.h). When two
// ranges are equally specific the one added first wins, so file entries (added first)
// beat directory ones.
//
// Immutable once built; safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "filter/profile_set.h"

namespace esafe::filter {

// How a client was mapped.
struct ClientMatch {
  std::string profile;
  std::string site;  // label or "" when unknown
  std::optional<int64_t> site_id;
  std::optional<int64_t> agency_id;
  std::string via;   // "group staff", "range 10.0.0.0/8", "default"
};

class ClientMap {
 public:
  // Builds the map from the file's ranges and groups, then `extra` ranges (the directory).
  // Returns Invalid for a range that is not a CIDR or names no profile of `set`.
  static Result<ClientMap> Build(const ProfileSet& set, const std::vector<ClientRange>& extra = {});

  // Maps a client. `address` is the source address as text ("10.1.2.3", "::1",
  // "10.1.2.3/host.example" as Squid sends %>A; an unreadable address maps by group or to
  // the default). `user` is "" or "-" when the proxy did not authenticate.
  ClientMatch Resolve(std::string_view address, std::string_view user) const;
  // The range (or default) alone, ignoring groups.
  ClientMatch ResolveAddress(std::string_view address) const;

 private:
  struct Range {
    std::array<uint8_t, 16> network{};  // IPv4 held as IPv4-mapped IPv6
    int bits = 0;                       // prefix length in the 128-bit space
    const ClientRange* source = nullptr;
  };
  std::vector<ClientRange> ranges_source_;
  std::vector<Range> ranges_;
  std::vector<UserGroup> groups_;
  std::string default_profile_;
};

// Parses "10.0.0.0/8", "2001:db8::/32" or a bare address into a 128-bit network and
// prefix length (IPv4 as IPv4-mapped IPv6); nullopt when it is not one.
std::optional<std::pair<std::array<uint8_t, 16>, int>> ParseCidr(std::string_view cidr);

// True when `user` is a member of `group` (exact name, "prefix*" or "*suffix").
bool GroupHasMember(const UserGroup& group, std::string_view user);

}  // namespace esafe::filter
