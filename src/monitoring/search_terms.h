// monitoring: the words a child typed, from a search-engine or video-site URL.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "monitoring/severity.h"

namespace esafe::monitoring {

// What someone searched for.
struct SearchQuery {
  std::string engine;  // "google", "bing", "duckduckgo", "youtube", "yahoo", …
  std::string text;    // percent- and plus-decoded, lower-cased, spaces collapsed
};

// The search words in `url` when it is a search on a known search engine or video
// site (Google, Bing, DuckDuckGo, YouTube, Yahoo, Ecosia, Yandex, Baidu, Ask, Brave,
// Startpage, Qwant, TikTok, Vimeo, Reddit), from the query string or the fragment;
// nullopt for any other URL, a search with no words, or malformed encoding.
// Never fails on any input. At most kMaxSearchBytes of decoded text are kept.
std::optional<SearchQuery> ExtractSearch(std::string_view url);
inline constexpr size_t kMaxSearchBytes = 512;

}  // namespace esafe::monitoring
