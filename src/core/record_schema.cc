#include "core/record_schema.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/text.h"

namespace esafe {
namespace {


Result<std::string> CheckText(const FieldSpec& f, const Json& v) {
  if (!v.is_string()) return Error::Invalid(fmt::format("{} must be text", f.name), f.name);
  const auto& raw = v.get_ref<const std::string&>();
  if (!text::IsValidUtf8(raw)) return Error::Invalid(fmt::format("{} is not valid UTF-8", f.name), f.name);
  std::string s(text::Trim(raw));
  bool multiline = f.type == FieldType::kText;
  if (text::HasControlCharacters(s) || (!multiline && s.find_first_of("\r\n") != std::string::npos)) {
    return Error::Invalid(fmt::format("{} contains control characters", f.name), f.name);
  }
  if (!multiline && text::HasBidiControls(s)) {
    return Error::Invalid(fmt::format("{} contains bidirectional control characters, which can disguise it", f.name),
                          f.name);
  }
  if (text::CodePointCount(s) > f.max_length) {
    return Error::Invalid(fmt::format("{} is longer than {} characters", f.name, f.max_length), f.name);
  }
  return s;
}

Result<Json> CheckValue(const FieldSpec& f, const Json& v) {
  if (v.is_null()) {
    if (f.required) return Error::Invalid(fmt::format("{} is required", f.name), f.name);
    return Json(nullptr);
  }
  switch (f.type) {
    case FieldType::kString:
    case FieldType::kText:
    case FieldType::kEmail:
    case FieldType::kDate:
    case FieldType::kChoice: {
      auto s = CheckText(f, v);
      if (!s.ok()) return s.error();
      if (s->empty()) {
        if (f.required) return Error::Invalid(fmt::format("{} is required", f.name), f.name);
        return Json(nullptr);
      }
      if (f.type == FieldType::kEmail && !text::IsEmailAddress(*s)) {
        return Error::Invalid(fmt::format("{} is not an e-mail address", f.name), f.name);
      }
      if (f.type == FieldType::kDate && !text::IsIsoDate(*s)) {
        return Error::Invalid(fmt::format("{} must be a date written YYYY-MM-DD", f.name), f.name);
      }
      if (f.type == FieldType::kChoice &&
          std::find(f.choices.begin(), f.choices.end(), *s) == f.choices.end()) {
        return Error::Invalid(fmt::format("{} must be one of: {}", f.name, fmt::join(f.choices, ", ")), f.name);
      }
      return Json(*s);
    }
    case FieldType::kInteger:
    case FieldType::kReference: {
      if (!v.is_number_integer()) return Error::Invalid(fmt::format("{} must be a whole number", f.name), f.name);
      int64_t n;
      if (v.is_number_unsigned()) {
        if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
          return Error::Invalid(fmt::format("{} is too large", f.name), f.name);
        }
        n = static_cast<int64_t>(v.get<uint64_t>());
      } else {
        n = v.get<int64_t>();
      }
      int64_t min = f.type == FieldType::kReference ? 1 : f.min;
      if (n < min || n > f.max) {
        return Error::Invalid(fmt::format("{} is out of range", f.name), f.name);
      }
      return Json(n);
    }
    case FieldType::kBoolean:
      if (!v.is_boolean()) return Error::Invalid(fmt::format("{} must be true or false", f.name), f.name);
      return v;
    case FieldType::kChoiceSet:
    case FieldType::kCidrList: {
      if (!v.is_array()) return Error::Invalid(fmt::format("{} must be a list", f.name), f.name);
      if (v.size() > 64) return Error::Invalid(fmt::format("{} has more than 64 entries", f.name), f.name);
      std::set<std::string> seen;
      Json out = Json::array();
      FieldSpec item = f;
      item.type = FieldType::kString;
      item.max_length = 64;
      for (const auto& e : v) {
        auto s = CheckText(item, e);
        if (!s.ok()) return s.error();
        if (s->empty() || s->find(',') != std::string::npos || s->find(';') != std::string::npos) {
          return Error::Invalid(fmt::format("{} has an empty or malformed entry", f.name), f.name);
        }
        if (f.type == FieldType::kChoiceSet &&
            std::find(f.choices.begin(), f.choices.end(), *s) == f.choices.end()) {
          return Error::Invalid(fmt::format("{} entries must be among: {}", f.name, fmt::join(f.choices, ", ")),
                                f.name);
        }
        if (f.type == FieldType::kCidrList && !text::IsCidr(*s)) {
          return Error::Invalid(fmt::format("{}: '{}' is not an IP address range", f.name, *s), f.name);
        }
        if (seen.insert(*s).second) out.push_back(*s);
      }
      if (f.required && out.empty()) return Error::Invalid(fmt::format("{} is required", f.name), f.name);
      return out;
    }
  }
  return Error::Internal("unknown field type");
}

}  // namespace

RecordSchema::RecordSchema(std::string name, std::vector<FieldSpec> fields)
    : name_(std::move(name)), fields_(std::move(fields)) {}

const FieldSpec* RecordSchema::Find(std::string_view field) const {
  for (const auto& f : fields_) if (f.name == field) return &f;
  return nullptr;
}

Result<Json> RecordSchema::Validate(const Json& input, bool partial) const {
  if (!input.is_object()) return Error::Invalid(fmt::format("a {} must be a JSON object", name_));
  for (const auto& [key, value] : input.items()) {
    const FieldSpec* f = Find(key);
    if (f == nullptr) return Error::Invalid(fmt::format("unknown field '{}'", key.substr(0, 64)), key.substr(0, 64));
    if (f->read_only) return Error::Invalid(fmt::format("{} is set by the server and cannot be given", key), key);
  }
  Json out = Json::object();
  for (const auto& f : fields_) {
    if (f.read_only) continue;
    auto it = input.find(f.name);
    if (it == input.end()) {
      if (!partial && f.required) return Error::Invalid(fmt::format("{} is required", f.name), f.name);
      continue;
    }
    auto checked = CheckValue(f, *it);
    if (!checked.ok()) return checked.error();
    out[f.name] = std::move(checked.value());
  }
  return out;
}

Result<Json> RecordSchema::FromCell(const FieldSpec& f, std::string_view raw) const {
  std::string_view cell = text::Trim(raw);
  if (cell.empty()) return Json(nullptr);
  switch (f.type) {
    case FieldType::kInteger:
    case FieldType::kReference: {
      auto n = text::ParseInt(cell);
      if (!n) return Error::Invalid(fmt::format("{} must be a whole number", f.name), f.name);
      return Json(*n);
    }
    case FieldType::kBoolean: {
      std::string v = text::Lower(cell);
      if (v == "yes" || v == "true" || v == "1" || v == "y") return Json(true);
      if (v == "no" || v == "false" || v == "0" || v == "n") return Json(false);
      return Error::Invalid(fmt::format("{} must be yes or no", f.name), f.name);
    }
    case FieldType::kChoiceSet:
    case FieldType::kCidrList: {
      Json out = Json::array();
      size_t start = 0;
      while (start <= cell.size()) {
        size_t end = cell.find_first_of(";,", start);
        if (end == std::string_view::npos) end = cell.size();
        auto part = text::Trim(cell.substr(start, end - start));
        if (!part.empty()) out.push_back(std::string(part));
        start = end + 1;
      }
      return out;
    }
    default:
      return Json(std::string(cell));
  }
}

std::string RecordSchema::ToCell(const FieldSpec& f, const Json& v) {
  if (v.is_null()) return {};
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) {
      if (!out.empty()) out += ';';
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
    return out;
  }
  if (v.is_string()) return v.get<std::string>();
  (void)f;
  return v.dump();
}

Json RecordSchema::OpenApi(bool for_input) const {
  Json props = Json::object();
  Json required = Json::array();
  for (const auto& f : fields_) {
    if (for_input && f.read_only) continue;
    Json p;
    switch (f.type) {
      case FieldType::kString: case FieldType::kText:
        p = {{"type", "string"}, {"maxLength", f.max_length}}; break;
      case FieldType::kEmail: p = {{"type", "string"}, {"format", "email"}, {"maxLength", f.max_length}}; break;
      case FieldType::kDate: p = {{"type", "string"}, {"format", "date"}}; break;
      case FieldType::kChoice: p = {{"type", "string"}, {"enum", f.choices}}; break;
      case FieldType::kInteger: p = {{"type", "integer"}, {"format", "int64"}}; break;
      case FieldType::kReference: p = {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}}; break;
      case FieldType::kBoolean: p = {{"type", "boolean"}}; break;
      case FieldType::kChoiceSet:
        p = {{"type", "array"}, {"items", {{"type", "string"}, {"enum", f.choices}}}, {"maxItems", 64}}; break;
      case FieldType::kCidrList:
        p = {{"type", "array"}, {"items", {{"type", "string"}, {"description", "IPv4 or IPv6 CIDR range"}}},
             {"maxItems", 64}}; break;
    }
    if (f.type == FieldType::kInteger) {
      if (f.min != INT64_MIN) p["minimum"] = f.min;
      if (f.max != INT64_MAX) p["maximum"] = f.max;
    }
    if (!f.description.empty()) p["description"] = f.description;
    if (f.read_only) p["readOnly"] = true;
    if (!f.required && !f.read_only) p["nullable"] = true;
    props[f.name] = p;
    if (f.required && (!for_input || !f.read_only)) required.push_back(f.name);
  }
  Json schema = {{"type", "object"}, {"properties", props}};
  if (for_input) schema["additionalProperties"] = false;
  if (!required.empty()) schema["required"] = required;
  return schema;
}

}  // namespace esafe
