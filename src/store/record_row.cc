#include "store/record_row.h"

#include <algorithm>

namespace esafe::store {

Value ToValue(const FieldSpec& field, const Json& value) {
  if (value.is_null()) return Value();
  switch (field.type) {
    case FieldType::kBoolean: return Value(static_cast<int64_t>(value.get<bool>()));
    case FieldType::kInteger:
    case FieldType::kReference: return Value(value.get<int64_t>());
    case FieldType::kChoiceSet:
    case FieldType::kCidrList: {
      std::string joined;
      for (const auto& e : value) {
        if (!joined.empty()) joined += ',';
        joined += e.get<std::string>();
      }
      return Value(joined);
    }
    default: return Value(value.get<std::string>());
  }
}

Json FromRow(const RecordSchema& schema, const Row& row) {
  Json out = Json::object();
  const auto& columns = row.columns();
  for (const auto& f : schema.fields()) {
    if (std::find(columns.begin(), columns.end(), f.name) == columns.end() || row.IsNull(f.name)) {
      out[f.name] = nullptr;
      continue;
    }
    switch (f.type) {
      case FieldType::kBoolean: out[f.name] = row.Int(f.name) != 0; break;
      case FieldType::kInteger:
      case FieldType::kReference: out[f.name] = row.Int(f.name); break;
      case FieldType::kChoiceSet:
      case FieldType::kCidrList: {
        Json list = Json::array();
        const std::string joined = row.Text(f.name);
        size_t start = 0;
        while (start < joined.size()) {
          size_t end = joined.find(',', start);
          if (end == std::string::npos) end = joined.size();
          if (end > start) list.push_back(joined.substr(start, end - start));
          start = end + 1;
        }
        out[f.name] = list;
        break;
      }
      default: out[f.name] = row.Text(f.name);
    }
  }
  return out;
}

}  // namespace esafe::store
