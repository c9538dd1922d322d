// Keyset paging: a list read one page at a time by its sort key, so that a page
// costs the same however far into the list it is and a row added or removed
// between two pages neither repeats nor skips another (issue 19, finding 3).
//
// A capability's list function takes a PageQuery and returns a Page. It writes
// its query with the sort key as the last terms, and lets AppendKeyset add the
// "after this key" condition, the ORDER BY and the LIMIT (one row more than the
// page, to learn whether another page follows):
//
//   Keyset order{{{"lower(t.name)", KeyType::kText}, {"t.id", KeyType::kInt}}};
//   sql = "SELECT t.*, " + order.SelectList() + " FROM people t WHERE t.agency_id = ?";
//   ESAFE_TRY(AppendKeyset(sql, params, order, page));
//   ... TakePage(rows, order, page, to_json)
//
// The key in PageQuery::after comes from a client (the web layer's cursor), so it
// is checked against the key's shape and types before it reaches SQL: a key that
// does not fit is Invalid naming "cursor". The key only narrows the rows the
// query's own conditions select, so it can never widen what a person sees.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"

namespace esafe::store {

// One page of a list: at most `limit` rows after the key `after`.
struct PageQuery {
  int64_t limit = 100;
  Json after;  // null for the first page; else the key Page::next gave
};

// A page of rows and the key to ask for the next page with (null on the last page).
struct Page {
  Json items = Json::array();
  Json next;
};

enum class KeyType { kText, kInt };

struct KeyColumn {
  std::string expression;  // SQL over the query's tables, never NULL: "lower(t.name)", "t.id"
  KeyType type;
};

// A sort order whose last column is unique (the id), so that the key identifies one row.
struct Keyset {
  std::vector<KeyColumn> columns;
  bool descending = false;  // newest first

  // "expr AS page_k0, …" for the SELECT list: TakePage reads the key from these.
  std::string SelectList() const;
};

// Appends " AND (k…) > (?…)" (< when descending) when page.after is a key, then the
// ORDER BY and "LIMIT page.limit + 1". Invalid naming "cursor" when `after` is not a
// key of this order.
Result<void> AppendKeyset(std::string& sql, std::vector<Value>& params, const Keyset& order, const PageQuery& page);

// The first page.limit rows as items, and the key of the last of them as `next` when
// the query found one more.
Page TakePage(const Rows& rows, const Keyset& order, const PageQuery& page,
              const std::function<Json(const Row&)>& to_json);

// Every row of a list, page by page: calls `read` with successive pages of `page_size`
// until the last, handing each page to `each`. Stops at the first error.
Result<void> ForEachPage(int64_t page_size, const std::function<Result<Page>(const PageQuery&)>& read,
                         const std::function<Result<void>(Json& items)>& each);

// Every row of a list as one array, read page by page (for callers that need them all).
Result<Json> AllItems(int64_t page_size, const std::function<Result<Page>(const PageQuery&)>& read);

}  // namespace esafe::store
