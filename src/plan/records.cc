// Row <-> JSON helpers for the plan registers.
#include <fmt/format.h>

#include "core/clock.h"
#include "plan/internal.h"

namespace esafe::plan::internal {

using store::Value;

Result<int64_t> Insert(store::Connection& c, const std::string& table, const RecordSchema& schema,
                       const Json& valid, std::vector<std::pair<std::string, Value>> extra, bool stamped) {
  std::vector<std::string> columns;
  std::vector<Value> values;
  for (auto& [k, v] : extra) {
    columns.push_back(k);
    values.push_back(std::move(v));
  }
  for (const auto& f : schema.fields()) {
    if (f.read_only || !valid.contains(f.name)) continue;
    if (std::find(columns.begin(), columns.end(), f.name) != columns.end()) continue;
    columns.push_back(f.name);
    values.push_back(ToValue(f, valid[f.name]));
  }
  if (stamped) {
    std::string now = clock::NowIso8601();
    columns.insert(columns.end(), {"created_at", "updated_at"});
    values.insert(values.end(), {now, now});
  }
  std::string placeholders;
  for (size_t i = 0; i < columns.size(); ++i) placeholders += i ? ", ?" : "?";
  auto rows = c.Query(
      fmt::format("INSERT INTO {} ({}) VALUES ({}) RETURNING id", table, fmt::join(columns, ", "), placeholders),
      values);
  if (!rows.ok()) return rows.error();
  return (*rows)[0].Int("id");
}

Result<std::vector<std::string>> Update(store::Connection& c, const std::string& table, const RecordSchema& schema,
                                        const Json& valid, int64_t id) {
  std::vector<std::string> sets, changed;
  std::vector<Value> values;
  for (const auto& f : schema.fields()) {
    if (f.read_only || !valid.contains(f.name)) continue;
    sets.push_back(f.name + " = ?");
    values.push_back(ToValue(f, valid[f.name]));
    changed.push_back(f.name);
  }
  if (sets.empty()) return changed;
  sets.push_back("updated_at = ?");
  values.emplace_back(clock::NowIso8601());
  values.emplace_back(id);
  ESAFE_TRY(c.Execute(fmt::format("UPDATE {} SET {} WHERE id = ?", table, fmt::join(sets, ", ")), values));
  return changed;
}

std::string Today(const std::string& today) {
  if (!today.empty()) return today;
  return clock::NowIso8601().substr(0, 10);
}

std::string AddMonths(const std::string& date, int64_t months) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(date.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return date;
  int64_t total = static_cast<int64_t>(y) * 12 + (m - 1) + months;
  y = static_cast<int>(total / 12);
  m = static_cast<int>(total % 12) + 1;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int last = kDays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 1 : 0);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, std::min(d, last));
}

}  // namespace esafe::plan::internal
