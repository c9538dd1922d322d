#include "filter/client_map.h"

#include <arpa/inet.h>

#include <cstring>

namespace esafe::filter {
namespace {

std::optional<std::array<uint8_t, 16>> ParseAddress(const std::string& text, bool& v4) {
  std::array<uint8_t, 16> out{};
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) {
    out[10] = 0xFF;
    out[11] = 0xFF;
    std::memcpy(out.data() + 12, &a4, 4);
    v4 = true;
    return out;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
    std::memcpy(out.data(), &a6, 16);
    v4 = false;
    return out;
  }
  return std::nullopt;
}

bool InRange(const std::array<uint8_t, 16>& address, const std::array<uint8_t, 16>& network, int bits) {
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i) {
    if (address[i] != network[i]) return false;
  }
  if (bits == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - bits));
  return (address[i] & mask) == (network[i] & mask);
}

}  // namespace

std::optional<std::pair<std::array<uint8_t, 16>, int>> ParseCidr(std::string_view cidr) {
  const size_t slash = cidr.find('/');
  bool v4 = false;
  auto address = ParseAddress(std::string(cidr.substr(0, slash)), v4);
  if (!address) return std::nullopt;
  int bits = v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    const std::string_view digits = cidr.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    int value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    if (value > bits) return std::nullopt;
    bits = value;
  }
  return std::pair{*address, v4 ? bits + 96 : bits};
}

bool GroupHasMember(const UserGroup& group, std::string_view user) {
  for (const auto& member : group.members) {
    const std::string_view m = member;
    if (m.size() > 1 && m.front() == '*') {
      if (user.ends_with(m.substr(1))) return true;
    } else if (m.size() > 1 && m.back() == '*') {
      if (user.starts_with(m.substr(0, m.size() - 1))) return true;
    } else if (m == user) {
      return true;
    }
  }
  return false;
}

Result<ClientMap> ClientMap::Build(const ProfileSet& set, const std::vector<ClientRange>& extra) {
  ClientMap map;
  map.default_profile_ = set.default_profile;
  map.groups_ = set.groups;
  map.ranges_source_ = set.clients;
  for (ClientRange range : extra) {
    // A directory site with no profile of its own still names its site and agency (so
    // its decisions, and the alerts they raise, reach that agency) under the default.
    if (range.profile.empty()) range.profile = set.default_profile;
    map.ranges_source_.push_back(std::move(range));
  }
  for (const auto& source : map.ranges_source_) {
    auto parsed = ParseCidr(source.cidr);
    if (!parsed) return Error::Invalid("'" + source.cidr + "' is not an address range like 10.0.0.0/8", "cidr");
    if (!set.Find(source.profile)) {
      return Error::Invalid("range " + source.cidr + " names profile '" + source.profile +
                                "', which is not defined; profiles: " + set.Names(),
                            "profile");
    }
    map.ranges_.push_back({parsed->first, parsed->second, &source});
  }
  return map;
}

ClientMatch ClientMap::Resolve(std::string_view address, std::string_view user) const {
  ClientMatch by_address = ResolveAddress(address);
  if (!user.empty() && user != "-") {
    for (const auto& group : groups_) {
      if (!GroupHasMember(group, user)) continue;
      // The group decides the profile; where it names no agency, the member's decisions
      // belong to the site and agency of the address they connect from.
      ClientMatch match{group.profile, by_address.site, by_address.site_id, by_address.agency_id, "group " + group.name};
      if (group.agency_id || group.site_id || !group.site.empty()) {
        match.site = group.site;
        match.site_id = group.site_id;
        match.agency_id = group.agency_id;
      }
      return match;
    }
  }
  return by_address;
}

ClientMatch ClientMap::ResolveAddress(std::string_view address) const {
  // Squid's %>A may be "addr/fqdn"; IPv6 may arrive bracketed.
  std::string_view text = address.substr(0, address.find('/'));
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  bool v4 = false;
  const Range* best = nullptr;
  if (auto parsed = ParseAddress(std::string(text), v4)) {
    for (const auto& range : ranges_) {
      if ((!best || range.bits > best->bits) && InRange(*parsed, range.network, range.bits)) best = &range;
    }
  }
  if (best) {
    const ClientRange& r = *best->source;
    return {r.profile, r.site, r.site_id, r.agency_id, "range " + r.cidr};
  }
  return {default_profile_, "", std::nullopt, std::nullopt, "default"};
}

}  // namespace esafe::filter
