#include "enforce/block_page.h"

#include "core/text.h"

namespace esafe::enforce {

using text::HtmlEscape;

std::string ExplainBlock(const BlockPageInfo& info) {
  if (info.mandatory) {
    return "This address is on a list of illegal content that every agency in the partnership must block. "
           "It cannot be unblocked. If you reached it by accident you have done nothing wrong; if you are "
           "worried about what you saw, tell a member of staff you trust.";
  }
  // A page opened without the details (a bookmark, a proxy that passes none) must not
  // read as "the category \"\"": it says what it can.
  const std::string for_profile =
      info.profile.empty() ? std::string() : " for the \"" + info.profile + "\" filtering profile";
  if (info.category.empty()) return "This address is blocked" + for_profile + ".";
  if (info.reason == "time rule") {
    return "Sites in the category \"" + info.category + "\" are not available at this time of day for the \"" +
           info.profile + "\" filtering profile. They may be available outside these hours.";
  }
  if (info.reason == "override") {
    return "Your organisation has chosen to block this address for the \"" + info.profile + "\" filtering profile.";
  }
  return "This address is listed in the category \"" + info.category + "\", which is blocked for the \"" +
         info.profile + "\" filtering profile.";
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ReviewLink(std::string_view base, const BlockPageInfo& info) {
  std::string link(base);
  link += base.find('?') == std::string_view::npos ? '?' : '&';
  link += "url=" + PercentEncode(info.url) + "&category=" + PercentEncode(info.category) +
          "&profile=" + PercentEncode(info.profile) + "&reason=" + PercentEncode(info.reason);
  if (!info.list_version.empty()) link += "&list_version=" + PercentEncode(info.list_version);
  return link;
}

std::string HelpLink(const BlockPageInfo& info) {
  static constexpr std::string_view kBlocked = "/blocked";
  std::string_view base = info.review_url;
  if (const size_t q = base.find('?'); q != std::string_view::npos) base = base.substr(0, q);
  if (base.size() < kBlocked.size() || base.substr(base.size() - kBlocked.size()) != kBlocked) return "";
  return std::string(base.substr(0, base.size() - kBlocked.size())) + "/help";
}

// The national reporting routes as seeds 004 Section 7 lists them. The ICAP/Squid side
// has no database or web app to ask, so they are written here; they match the national
// entries of data/contacts/contacts.yaml (enforce_test checks the names), and the web
// app's /blocked and /help pages show the partnership's full map.
std::string NationalRoutesHtml(const BlockPageInfo& info) {
  std::string out =
      "<h2>Worried about something you saw?</h2>\n<p>Tell a member of staff you trust. You can also report it or "
      "talk to someone:</p>\n<ul>\n"
      "<li><strong>CEOP (Child Exploitation and Online Protection Centre)</strong>: report online behaviour "
      "towards a child that worries you, at <a href=\"https://www.ceop.police.uk/safety-centre/\">"
      "www.ceop.police.uk</a></li>\n"
      "<li><strong>Internet Watch Foundation (IWF)</strong>: report child sexual abuse images or other illegal "
      "content, at <a href=\"https://www.iwf.org.uk\">www.iwf.org.uk</a></li>\n"
      "<li><strong>ChildLine</strong>: free and confidential, 24 hours a day, on <strong>0800 1111</strong> or at "
      "<a href=\"https://www.childline.org.uk\">www.childline.org.uk</a></li>\n"
      "<li><strong>Police</strong>: if a child is in immediate danger, dial <strong>999</strong></li>\n</ul>\n";
  const std::string help = HelpLink(info);
  if (!help.empty()) {
    out += "<p><a id=\"help-link\" href=\"" + HtmlEscape(help) + "\">Help and contacts for every kind of concern</a></p>\n";
  }
  return out;
}

std::string RenderBlockPage(const BlockPageInfo& info) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>This page has been blocked</title>"
      "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}"
      "code{word-break:break-all}dt{font-weight:bold}</style></head><body>\n"
      "<h1>This page has been blocked</h1>\n<p>" +
      HtmlEscape(ExplainBlock(info)) + "</p>\n<dl>\n<dt>Address</dt><dd><code>" + HtmlEscape(info.url) + "</code></dd>\n";
  if (!info.via.empty()) page += "<dt>Through</dt><dd><code>" + HtmlEscape(info.via) + "</code></dd>\n";
  if (!info.mandatory) {
    if (!info.category.empty()) page += "<dt>Category</dt><dd>" + HtmlEscape(info.category) + "</dd>\n";
    if (!info.reason.empty()) page += "<dt>Why</dt><dd>" + HtmlEscape(info.reason) + "</dd>\n";
  }
  if (!info.profile.empty()) page += "<dt>Filtering profile</dt><dd>" + HtmlEscape(info.profile) + "</dd>\n";
  page += "</dl>\n";
  if (!info.mandatory && !info.review_url.empty()) {
    page += "<p>If you think this page should not be blocked, you can <a id=\"request-review\" href=\"" +
            HtmlEscape(ReviewLink(info.review_url, info)) +
            "\">request a review</a>. Your organisation's e-safety officer will look at it.</p>\n";
  }
  page += NationalRoutesHtml(info);
  page += "</body></html>\n";
  return page;
}

}  // namespace esafe::enforce
