// RecordSchema: the fields of one kind of record, and the one place where input
// for it is checked.
//
// The same description validates JSON from the API, rows from a CSV import, and
// produces the OpenAPI schema, so that what the document promises is what the
// server enforces. A RecordSchema is immutable after construction and safe to
// share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace esafe {

using Json = nlohmann::json;

enum class FieldType {
  kString,     // one line of text
  kText,       // free text, may span lines
  kInteger,
  kBoolean,
  kChoice,     // one of `choices`
  kChoiceSet,  // several of `choices`; JSON array, stored comma-separated
  kDate,       // YYYY-MM-DD
  kEmail,
  kReference,  // id of another record (positive integer)
  kCidrList,   // IP ranges; JSON array, stored comma-separated
};

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  size_t max_length = 200;  // code points, for text-like fields
  std::vector<std::string> choices;
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
  std::string description;
  bool read_only = false;  // set by the server (id, timestamps); never accepted as input
};

class RecordSchema {
 public:
  RecordSchema(std::string name, std::vector<FieldSpec> fields);

  const std::string& name() const { return name_; }
  const std::vector<FieldSpec>& fields() const { return fields_; }
  const FieldSpec* Find(std::string_view field) const;

  // Checks `input` for a create (`partial` false: required fields must be present)
  // or an update (`partial` true: only the fields given are checked). On success
  // returns the normalised object (strings trimmed, choice sets as arrays, empty
  // optional strings as null); on failure the Error names the first bad field.
  Result<Json> Validate(const Json& input, bool partial) const;

  // Converts one CSV cell to the JSON value Validate expects (empty cell: absent).
  // Booleans accept yes/no/true/false/1/0; sets and CIDR lists are separated by ';' or ','.
  Result<Json> FromCell(const FieldSpec& field, std::string_view cell) const;

  // Formats a stored value as a CSV cell (inverse of FromCell).
  static std::string ToCell(const FieldSpec& field, const Json& value);

  // The OpenAPI 3 schema object for this record; `for_input` leaves out read-only fields.
  Json OpenApi(bool for_input) const;

 private:
  std::string name_;
  std::vector<FieldSpec> fields_;
};

}  // namespace esafe
