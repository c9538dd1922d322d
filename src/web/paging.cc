#include "web/paging.h"

#include <sodium.h>

#include <fmt/format.h>

#include "core/text.h"
#include "web/app.h"

namespace esafe::web {
namespace {

constexpr int kCursorVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

// keep_slash: a path's slashes stay readable; only query names and values need them escaped.
std::string PercentEncode(std::string_view s, bool keep_slash = false) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
      out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

std::string EncodeCursor(const Json& key) {
  const std::string raw = key.dump();
  std::string out(sodium_base64_encoded_len(raw.size(), kCursorVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    kCursorVariant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<Json> DecodeCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 2048) return std::nullopt;
  std::string raw(cursor.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), cursor.data(), cursor.size(),
                        nullptr, &len, nullptr, kCursorVariant) != 0) {
    return std::nullopt;
  }
  raw.resize(len);
  Json key = Json::parse(raw, nullptr, false);
  // A key is a short flat array of text and whole numbers; anything else was not made here.
  if (key.is_discarded() || !key.is_array() || key.empty() || key.size() > 8) return std::nullopt;
  for (const auto& v : key) {
    if (!v.is_string() && !v.is_number_integer()) return std::nullopt;
  }
  return key;
}

Result<store::PageQuery> ReadPageQuery(const Request& req) {
  store::PageQuery page{.limit = kDefaultPageSize, .after = nullptr};
  if (auto it = req.query.find("limit"); it != req.query.end()) {
    auto n = text::ParseInt(it->second);
    if (!n || *n < 1 || *n > kMaxPageSize) {
      return Error::Invalid(fmt::format("limit must be a whole number from 1 to {}", kMaxPageSize), "limit");
    }
    page.limit = *n;
  }
  if (auto it = req.query.find("cursor"); it != req.query.end()) {
    auto key = DecodeCursor(it->second);
    if (!key) return Error::Invalid("cursor is not one this list gave; start again from the first page", "cursor");
    page.after = std::move(*key);
  }
  return page;
}

void AddNextLink(Response& r, const Request& req, const Json& next) {
  if (next.is_null()) return;
  std::string target = PercentEncode(req.path, true);
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    if (k == "cursor") continue;
    target += fmt::format("{}{}={}", sep, PercentEncode(k), PercentEncode(v));
    sep = '&';
  }
  target += fmt::format("{}cursor={}", sep, EncodeCursor(next));
  r.headers.emplace_back("Link", fmt::format("<{}>; rel=\"next\"", target));
}

Response PagedReply(const Call& call, const Result<store::Page>& page) {
  if (!page.ok()) return ErrorResponse(page.error());
  Response r = JsonResponse(200, page->items);
  AddNextLink(r, call.request, page->next);
  return r;
}

Result<void> CheckInMemoryCursor(const store::PageQuery& page) {
  // The key of an in-memory page is the position after its last row.
  if (!page.after.is_null() && (page.after.size() != 1 || !page.after[0].is_number_unsigned())) {
    return Error::Invalid("cursor is not one this list gave; start again from the first page", "cursor");
  }
  return Ok();
}

Response PageInMemory(Response whole, const Request& req, const store::PageQuery& page) {
  if (whole.status != 200 || whole.content_type != "application/json") return whole;
  Json all = Json::parse(whole.body, nullptr, false);
  if (!all.is_array()) return whole;
  size_t start = 0;
  if (!page.after.is_null()) {
    start = std::min(page.after[0].get<size_t>(), all.size());
  }
  const size_t end = std::min(all.size(), start + static_cast<size_t>(page.limit));
  Json items = Json::array();
  for (size_t i = start; i < end; ++i) items.push_back(std::move(all[i]));
  Response r = JsonResponse(200, items);
  for (auto& h : whole.headers) r.headers.push_back(std::move(h));
  AddNextLink(r, req, end < all.size() ? Json::array({end}) : Json());
  return r;
}

}  // namespace esafe::web
