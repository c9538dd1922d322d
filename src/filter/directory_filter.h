// Filtering straight from a squidGuard/UT1 list directory with no database: what
// `esafe filter check --lists DIR --block CATS` and the benchmarks use.
//
// Pure function of the files it reads; safe to call from any thread.
#pragma once

#include <filesystem>
#include <memory>

#include "core/result.h"
#include "filter/category_policy.h"
#include "filter/filter_engine.h"
#include "filter/list_loader.h"

namespace esafe::filter {

// Loads the categories `policy` names from `directory` (only those: a UT1 folder holds
// tens of categories a check does not need) and binds the policy to them. Bad lines go to
// `report`. Returns Invalid naming an unknown category and listing the directory's
// categories; NotFound when the directory cannot be read; the file error when a list
// fails to parse at all.
Result<std::shared_ptr<const FilterState>> LoadDirectoryFilter(const std::filesystem::path& directory,
                                                               const CategoryPolicy& policy,
                                                               LoadReport& report);

}  // namespace esafe::filter
