// The block page: what a person sees instead of a blocked page — what was blocked, why,
// in plain words, and a link to ask for a review (which the web app's review form takes
// from there). Pages for the mandatory list offer no review and do not name the list's
// entry. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace esafe::enforce {

struct BlockPageInfo {
  std::string url;        // what was asked for (shown escaped): the wrapped URL through a content proxy
  std::string category;   // list category, "override", or the mandatory list's name
  std::string reason;     // "category", "time rule", "mandatory list", "override"
  std::string profile;    // the filtering profile that applied
  bool mandatory = false;
  std::string review_url; // base of the review link, e.g. "https://esafe.example/blocked"
  std::string list_version;  // PolicyState::Version() that decided, recorded with the review request
  std::string via;        // the content proxy's host ("translate.google.com"), "" when none
};

// Why the page was blocked, in plain words (text, not HTML).
std::string ExplainBlock(const BlockPageInfo& info);

// The national reporting routes (CEOP, IWF, ChildLine, police 999; seeds 004 Section 7)
// as an HTML section, with a link to the web app's /help page when review_url ends in
// "/blocked" (the help page is beside it).
std::string NationalRoutesHtml(const BlockPageInfo& info);
// "…/help" beside review_url's "…/blocked"; empty otherwise.
std::string HelpLink(const BlockPageInfo& info);

// A complete HTML document (UTF-8).
std::string RenderBlockPage(const BlockPageInfo& info);

// `base` with "url", "category", "profile", "reason" (and "list_version" when known) as
// percent-encoded query parameters, appended with '?' or '&' as `base` needs: what the web
// app's public /blocked page reads to explain the block and offer the review form.
std::string ReviewLink(std::string_view base, const BlockPageInfo& info);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);


}  // namespace esafe::enforce
