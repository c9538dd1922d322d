// Records validated by a RecordSchema (core/record_schema.h) as table rows and
// back. Every register stores its records through this one mapping, so a field
// kind is the same column value everywhere: booleans 0/1, choice sets and CIDR
// lists comma-joined text, references and integers as integers.
#pragma once

#include "core/record_schema.h"
#include "store/database.h"

namespace esafe::store {

// A validated JSON value as the column value its field is stored as.
Value ToValue(const FieldSpec& field, const Json& value);

// The schema's fields read from `row`; a field the row has no column for, or a
// NULL, reads as null.
Json FromRow(const RecordSchema& schema, const Row& row);

}  // namespace esafe::store
