// The activity log: one filtering decision (ActivityEvent), client addresses and ranges, and the JSON-lines form.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace esafe::activity {

// A client address. IPv4 is held as an IPv4-mapped IPv6 address (::ffff:a.b.c.d),
// so one ordering covers both families.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  auto operator<=>(const IpAddress&) const = default;
  bool IsV4() const;
};

// Parses "192.0.2.1" or "2001:db8::1"; nullopt otherwise.
std::optional<IpAddress> ParseIp(std::string_view text);
// "192.0.2.1" for mapped IPv4, RFC 5952 text for IPv6.
std::string FormatIp(const IpAddress& ip);

// An inclusive address range, from a CIDR ("10.0.0.0/8", "2001:db8::/32") or a bare address.
struct IpRange {
  IpAddress first;
  IpAddress last;
  bool Contains(const IpAddress& ip) const { return first <= ip && ip <= last; }
};
// Fails (kInvalid, field "cidr") on anything that is not a CIDR or an address, or
// when host bits are set below the prefix ("10.0.0.1/8").
Result<IpRange> ParseCidr(std::string_view text);

// What the filter did.
enum class Action : uint8_t { kAllow = 0, kBlock = 1, kWarn = 2, kOverride = 3 };
std::string_view ActionName(Action action);            // "allow", "block", "warn", "override"
std::optional<Action> ParseAction(std::string_view name);

// One filtering decision: the one event type of the system. The enforcement points
// (src/enforce: the Squid helper, the ICAP service, `esafe filter check`) fill one per
// decision and hand it to a DecisionSink; the log stores, searches and exports it; its
// JSON-lines form (FormatEventJson) is both the enforcement points' --decision-log line
// and what the ingest socket and `esafe log ingest --stdin` read.
// Times are microseconds since the Unix epoch, UTC.
struct ActivityEvent {
  int64_t time_us = 0;
  IpAddress client;
  std::string user;          // pseudonymous reference, may be empty
  std::string site;          // the site's name, "" when unknown
  std::string agency;        // the directory's agency id in decimal ("3"): what search scoping matches
  std::string profile;
  std::string url;
  std::string host;          // canonical (lower-case) host
  std::string category;      // empty when uncategorised
  std::string list;          // the list that matched
  std::string list_version;
  Action action = Action::kAllow;
  std::string point;         // the enforcement point: "squid-helper", "icap", "filter-check"; "" when unknown
  std::string reason;        // why: "category", "time rule", "mandatory list", "override", "no match"…
  std::string entry;         // the list entry that matched, "" when none
  std::string node;          // the sending node's name (set by the ingest server); "" by default
  bool safe_search = false;  // the request was rewritten for safe search

  bool operator==(const ActivityEvent&) const = default;
};

// Limits on one event; longer fields are rejected, never truncated.
inline constexpr size_t kMaxUrlBytes = 8192;
inline constexpr size_t kMaxFieldBytes = 512;
// Every event within the field caps formats to a line under this (two 8 KiB fields and
// eleven of 512 B, doubled by JSON escaping at worst, plus the keys: under 45 KiB), so
// ParseEventJson takes every line FormatEventJson writes.
inline constexpr size_t kMaxLineBytes = 65536;

// Parses one JSON-lines event, the form FormatEventJson writes:
//   {"time":"2026-11-23T09:15:02.125000Z","client":"10.1.2.3","user":"u-81","site":"S12",
//    "agency":"3","profile":"primary","url":"http://ex.com/a","host":"ex.com",
//    "category":"gambling","list":"gambling","list_version":"2026-11-01","action":"block",
//    "point":"squid-helper","reason":"category","entry":"ex.com","node":"",
//    "safe_search":false}
// time (RFC 3339, UTC "Z" or an offset), client, url and action are required; host is
// taken from the URL when absent; every other key is optional (the older ingest form,
// without point … safe_search, is read as before). safe_search is a JSON boolean, every
// other value a string. Fails (kInvalid, field = the offending key) with a reason on
// anything else: bad JSON, unknown keys, wrong types, invalid UTF-8, control
// characters, over-long fields.
Result<ActivityEvent> ParseEventJson(std::string_view line);
// The JSON-lines form ParseEventJson reads (no trailing newline): every field, always,
// in the order above, the time with microseconds. ParseEventJson(FormatEventJson(e)) == e
// for every event whose strings are within the caps and free of control characters and
// whose host is lower case.
std::string FormatEventJson(const ActivityEvent& event);

// RFC 3339 → microseconds since the epoch; kInvalid on anything else. Also accepts a
// bare date "2026-11-23" (midnight UTC).
Result<int64_t> ParseTime(std::string_view text);
// "2026-11-23T09:15:02.125000Z".
std::string FormatTime(int64_t time_us);

}  // namespace esafe::activity
