// Paging of list routes: every GET route whose answer is a JSON array ("[X]") takes
// `limit` (1–1000, default 100) and `cursor` (opaque, from the previous page) and
// announces the next page with an RFC 8288 header, Link: <same path and query with
// cursor=…>; rel="next", absent on the last page. The body stays a plain array.
//
// App applies this to every such route itself: it checks limit and cursor before
// the handler runs, and hands them to it as Call::page. A route that pages in SQL
// (Route::pages_in_sql) answers with PagedReply; for any other list the app pages
// the handler's whole array in memory with the same cursor format.
//
// A cursor is the sort key of the last row of the page, as a JSON array, in
// URL-safe base64. It only says where to continue: the capability still applies
// its own scoping, so a forged cursor can never show more than the person may see.
#pragma once

#include <optional>
#include <string>

#include "store/keyset.h"
#include "web/http.h"

namespace esafe::web {

struct Call;
struct Route;

constexpr int64_t kDefaultPageSize = 100;
constexpr int64_t kMaxPageSize = 1000;

// limit and cursor of the request as a PageQuery; Invalid naming the parameter
// when limit is not a whole number from 1 to 1000 or the cursor is not well formed.
Result<store::PageQuery> ReadPageQuery(const Request& request);

// The opaque cursor for a key, and back (nullopt when it is not one).
std::string EncodeCursor(const Json& key);
std::optional<Json> DecodeCursor(std::string_view cursor);

// Adds Link: <…>; rel="next" for the page after key `next` (nothing when null).
void AddNextLink(Response& response, const Request& request, const Json& next);

// The page as a JSON array with its Link header, or the error.
Response PagedReply(const Call& call, const Result<store::Page>& page);

// Invalid naming "cursor" when the cursor is not one PageInMemory gave.
Result<void> CheckInMemoryCursor(const store::PageQuery& page);

// Pages a handler's whole JSON array answer in memory: the rows after the cursor's
// position, at most page.limit of them. Answers that are not a 200 array pass unchanged.
Response PageInMemory(Response whole, const Request& request, const store::PageQuery& page);

}  // namespace esafe::web
