#include <stdexcept>

#include "core/text.h"
#include "store/database.h"

namespace esafe::store {

const Value& Row::Get(std::string_view column) const {
  for (size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == column) return values_[i];
  }
  // A missing column is a programming error in the SQL beside the call, not bad input.
  throw std::logic_error("no column " + std::string(column) + " in result");
}

bool Row::IsNull(std::string_view column) const { return std::holds_alternative<std::monostate>(Get(column)); }

int64_t Row::Int(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) return text::ParseInt(*s).value_or(0);
  return 0;
}

std::string Row::Text(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

std::optional<std::string> Row::OptionalText(std::string_view column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

Result<Row> Connection::QueryOne(std::string_view sql, const std::vector<Value>& params, std::string_view what) {
  auto rows = Query(sql, params);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Error::NotFound(std::string(what) + " not found");
  return std::move(rows->front());
}

}  // namespace esafe::store
