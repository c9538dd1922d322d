// Helpers shared by the filter tests: a small in-memory list set and the UT1 data folder.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "filter/filter_engine.h"
#include "filter/list_loader.h"
#include "filter/list_snapshot_builder.h"

namespace esafe::filter::testing {

// The small list the canonicalisation corpus is matched against.
inline std::shared_ptr<const ListSnapshot> SmallLists() {
  ListSnapshotBuilder builder;
  LoadReport report;
  EXPECT_TRUE(LoadListText("blocked.example\n192.0.2.10\n[2001:db8::1]\nbücher.example\nпример.испытание\n",
                           "small/domains", "adult", ListFormat::kDomains, builder, report)
                  .ok());
  EXPECT_TRUE(LoadListText("listed.example/bad/path\n203.0.113.5/evil\n", "small/urls", "adult",
                           ListFormat::kUrls, builder, report)
                  .ok());
  EXPECT_EQ(report.bad_lines, 0u);
  return builder.Build();
}

inline std::shared_ptr<const FilterState> BlockAll(std::shared_ptr<const ListSnapshot> lists) {
  CategoryPolicy policy;
  policy.block = lists->categories();
  auto state = MakeFilterState(std::move(lists), policy);
  EXPECT_TRUE(state.ok());
  return *state;
}

// $ESAFE_SHARED_DATA/ut1 (set by ctest), else the shared data folder beside the checkout;
// an empty path when neither exists.
inline std::filesystem::path Ut1Directory() {
  const char* data = std::getenv("ESAFE_SHARED_DATA");
  std::filesystem::path dir = data ? std::filesystem::path(data) / "ut1"
                                   : std::filesystem::path(__FILE__).parent_path() / "../../../shared/data/ut1";
  return std::filesystem::exists(dir) ? dir : std::filesystem::path();
}

}  // namespace esafe::filter::testing
