#include "store/keyset.h"

#include <fmt/format.h>

namespace esafe::store {

std::string Keyset::SelectList() const {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    out += fmt::format("{}{} AS page_k{}", i ? ", " : "", columns[i].expression, i);
  }
  return out;
}

Result<void> AppendKeyset(std::string& sql, std::vector<Value>& params, const Keyset& order, const PageQuery& page) {
  std::string terms, marks, order_by;
  for (size_t i = 0; i < order.columns.size(); ++i) {
    terms += fmt::format("{}{}", i ? ", " : "", order.columns[i].expression);
    marks += i ? ", ?" : "?";
    order_by += fmt::format("{}{}{}", i ? ", " : "", order.columns[i].expression, order.descending ? " DESC" : "");
  }
  if (!page.after.is_null()) {
    const Error bad = Error::Invalid("cursor is not one this list gave; start again from the first page", "cursor");
    if (!page.after.is_array() || page.after.size() != order.columns.size()) return bad;
    for (size_t i = 0; i < order.columns.size(); ++i) {
      const Json& v = page.after[i];
      if (order.columns[i].type == KeyType::kInt) {
        if (!v.is_number_integer()) return bad;
        params.emplace_back(v.get<int64_t>());
      } else {
        if (!v.is_string()) return bad;
        params.emplace_back(v.get<std::string>());
      }
    }
    sql += fmt::format(" AND ({}) {} ({})", terms, order.descending ? "<" : ">", marks);
  }
  sql += fmt::format(" ORDER BY {} LIMIT ?", order_by);
  params.emplace_back(page.limit + 1);
  return Ok();
}

Page TakePage(const Rows& rows, const Keyset& order, const PageQuery& page,
              const std::function<Json(const Row&)>& to_json) {
  Page out;
  const size_t n = std::min(rows.size(), static_cast<size_t>(std::max<int64_t>(page.limit, 0)));
  for (size_t i = 0; i < n; ++i) out.items.push_back(to_json(rows[i]));
  if (rows.size() > n && n > 0) {
    out.next = Json::array();
    for (size_t i = 0; i < order.columns.size(); ++i) {
      const std::string col = fmt::format("page_k{}", i);
      if (order.columns[i].type == KeyType::kInt) out.next.push_back(rows[n - 1].Int(col));
      else out.next.push_back(rows[n - 1].Text(col));
    }
  }
  return out;
}

Result<void> ForEachPage(int64_t page_size, const std::function<Result<Page>(const PageQuery&)>& read,
                         const std::function<Result<void>(Json& items)>& each) {
  PageQuery q{.limit = page_size, .after = nullptr};
  while (true) {
    auto page = read(q);
    if (!page.ok()) return page.error();
    ESAFE_TRY(each(page->items));
    if (page->next.is_null()) return Ok();
    q.after = std::move(page->next);
  }
}

Result<Json> AllItems(int64_t page_size, const std::function<Result<Page>(const PageQuery&)>& read) {
  Json all = Json::array();
  ESAFE_TRY(ForEachPage(page_size, read, [&](Json& items) -> Result<void> {
    for (auto& item : items) all.push_back(std::move(item));
    return Ok();
  }));
  return all;
}

}  // namespace esafe::store
