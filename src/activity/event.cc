// ActivityEvent's text forms: addresses, CIDR ranges, actions, times and JSON lines.
#include <arpa/inet.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "activity/activity.h"
#include "core/text.h"

namespace esafe::activity {
namespace {

constexpr std::array<uint8_t, 12> kV4Prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string HostFromUrl(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    return text::Lower(authority.substr(1, close == std::string_view::npos ? authority.size() - 1 : close - 1));
  }
  auto colon = authority.find(':');
  return text::Lower(authority.substr(0, colon));
}

}  // namespace

bool IpAddress::IsV4() const { return std::memcmp(bytes.data(), kV4Prefix.data(), 12) == 0; }

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  IpAddress ip;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::memcpy(ip.bytes.data(), kV4Prefix.data(), 12);
    std::memcpy(ip.bytes.data() + 12, &v4, 4);
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(ip.bytes.data(), &v6, 16);
    return ip;
  }
  return std::nullopt;
}

std::string FormatIp(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ip.IsV4()) {
    inet_ntop(AF_INET, ip.bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

Result<IpRange> ParseCidr(std::string_view text) {
  auto bad = [&](std::string why) { return Error::Invalid("bad CIDR \"" + std::string(text) + "\": " + why, "cidr"); };
  auto slash = text.find('/');
  auto ip = ParseIp(text.substr(0, slash));
  if (!ip) return bad("not an IPv4 or IPv6 address");
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  int max_bits = v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    auto n = text::ParseInt(text.substr(slash + 1));
    if (!n || *n < 0 || *n > max_bits || text.substr(slash + 1).front() == '+' || text.substr(slash + 1).front() == '-')
      return bad("prefix length must be 0.." + std::to_string(max_bits));
    bits = static_cast<int>(*n);
  }
  const int total = v4 ? 96 + bits : bits;
  IpRange range{*ip, *ip};
  for (int i = total; i < 128; ++i) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (i % 8));
    if (range.first.bytes[i / 8] & mask) return bad("host bits set below the prefix");
    range.last.bytes[i / 8] |= mask;
  }
  return range;
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kAllow: return "allow";
    case Action::kBlock: return "block";
    case Action::kWarn: return "warn";
    case Action::kOverride: return "override";
  }
  return "allow";
}

std::optional<Action> ParseAction(std::string_view name) {
  if (name == "allow") return Action::kAllow;
  if (name == "block") return Action::kBlock;
  if (name == "warn") return Action::kWarn;
  if (name == "override") return Action::kOverride;
  return std::nullopt;
}

Result<int64_t> ParseTime(std::string_view s) {
  auto bad = [&] {
    return Error::Invalid("bad time \"" + std::string(s.substr(0, 64)) +
                              "\": expected RFC 3339 such as 2026-11-23T09:15:02Z or a date 2026-11-23",
                          "time");
  };
  int y, mo, d;
  if (s.size() < 10 || !Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d))
    return bad();
  if (!text::IsIsoDate(s.substr(0, 10))) return bad();
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if (s.size() == 10) {
    if (days < 0) return bad();
    return days * 86400LL * 1000000LL;
  }
  int h, mi, sec;
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, h) || s[13] != ':' ||
      !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, sec) || h > 23 || mi > 59 || sec > 60)
    return bad();
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return bad();
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return bad();
    offset = (oh * 3600LL + om * 60LL) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const int64_t result = ((days * 86400LL + h * 3600LL + mi * 60LL + std::min(sec, 59)) - offset) * 1000000LL + micros;
  // 1970-01-01 up to the end of 9999: every time the formatter writes back the same way.
  if (result < 0 || result >= 253402300800LL * 1000000LL) return bad();
  return result;
}

std::string FormatTime(int64_t t) {
  int64_t secs = t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000);
  int64_t micros = t - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(micros));
  return buf;
}

Result<ActivityEvent> ParseEventJson(std::string_view line) {
  if (line.size() > kMaxLineBytes) return Error::TooLarge("event line over " + std::to_string(kMaxLineBytes) + " bytes");
  auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Error::Invalid("not valid JSON (or not UTF-8)");
  if (!json.is_object()) return Error::Invalid("an event must be a JSON object");
  ActivityEvent e;
  bool have_time = false, have_client = false, have_url = false, have_action = false, have_host = false;
  for (const auto& [key, value] : json.items()) {
    if (key == "safe_search") {
      if (!value.is_boolean()) return Error::Invalid("\"safe_search\" must be true or false", key);
      e.safe_search = value.get<bool>();
      continue;
    }
    if (!value.is_string()) return Error::Invalid("\"" + key.substr(0, 64) + "\" must be a string", key.substr(0, 64));
    const auto& v = value.get_ref<const std::string&>();
    const size_t cap = key == "url" || key == "entry" ? kMaxUrlBytes : kMaxFieldBytes;
    if (v.size() > cap) return Error::TooLarge("\"" + key + "\" is over " + std::to_string(cap) + " bytes", key);
    if (text::HasControlCharacters(v) || v.find_first_of("\r\n\t") != std::string::npos)
      return Error::Invalid("\"" + key + "\" holds a control character", key);
    if (key == "time") {
      auto t = ParseTime(v);
      if (!t) return t.error();
      e.time_us = *t;
      have_time = true;
    } else if (key == "client") {
      auto ip = ParseIp(v);
      if (!ip) return Error::Invalid("\"client\" is not an IPv4 or IPv6 address", key);
      e.client = *ip;
      have_client = true;
    } else if (key == "action") {
      auto a = ParseAction(v);
      if (!a) return Error::Invalid("\"action\" must be allow, block, warn or override", key);
      e.action = *a;
      have_action = true;
    } else if (key == "url") {
      if (v.empty()) return Error::Invalid("\"url\" is empty", key);
      e.url = v;
      have_url = true;
    } else if (key == "host") {
      e.host = text::Lower(v);
      have_host = true;
    } else if (std::string* field = key == "user"           ? &e.user
                                    : key == "site"         ? &e.site
                                    : key == "agency"       ? &e.agency
                                    : key == "profile"      ? &e.profile
                                    : key == "category"     ? &e.category
                                    : key == "list"         ? &e.list
                                    : key == "list_version" ? &e.list_version
                                    : key == "point"        ? &e.point
                                    : key == "reason"       ? &e.reason
                                    : key == "entry"        ? &e.entry
                                    : key == "node"         ? &e.node
                                                            : nullptr) {
      *field = v;
    } else {
      return Error::Invalid("unknown key \"" + key.substr(0, 64) + "\"", key.substr(0, 64));
    }
  }
  if (!have_time) return Error::Invalid("\"time\" is required", "time");
  if (!have_client) return Error::Invalid("\"client\" is required", "client");
  if (!have_url) return Error::Invalid("\"url\" is required", "url");
  if (!have_action) return Error::Invalid("\"action\" is required", "action");
  if (!have_host) e.host = HostFromUrl(e.url);
  return e;
}

std::string FormatEventJson(const ActivityEvent& e) {
  nlohmann::ordered_json j;
  j["time"] = FormatTime(e.time_us);
  j["client"] = FormatIp(e.client);
  j["user"] = e.user;
  j["site"] = e.site;
  j["agency"] = e.agency;
  j["profile"] = e.profile;
  j["url"] = e.url;
  j["host"] = e.host;
  j["category"] = e.category;
  j["list"] = e.list;
  j["list_version"] = e.list_version;
  j["action"] = std::string(ActionName(e.action));
  j["point"] = e.point;
  j["reason"] = e.reason;
  j["entry"] = e.entry;
  j["node"] = e.node;
  j["safe_search"] = e.safe_search;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace esafe::activity
