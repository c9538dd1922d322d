#include "enforce/decision_sink.h"

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace esafe::enforce {
namespace {

TEST(DecisionSinkTest, JsonLinesFromManyThreads) {
  const auto path = std::filesystem::temp_directory_path() / ("esafe-decisions-" + std::to_string(::getpid()) + ".jsonl");
  std::filesystem::remove(path);
  {
    auto sink = JsonLinesSink::Open(path);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 250; ++i) {
          DecisionEvent event;
          event.time_ms = 1'700'000'000'000 + i;
          event.point = "icap";
          event.client = "10.0.0." + std::to_string(t);
          event.agency_id = t;
          event.profile = "primary";
          event.url = "http://a.example/" + std::to_string(i);
          event.category = i % 2 ? "adult" : "";
          event.action = i % 2 ? "block" : "allow";
          event.list_version = "v/lists-1";
          (*sink)->Record(event);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ((*sink)->failures(), 0u);
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0, blocks = 0;
  while (std::getline(in, line)) {
    auto json = nlohmann::json::parse(line);  // throws (fails the test) on an interleaved line
    ++lines;
    if (json["action"] == "block") {
      ++blocks;
      EXPECT_EQ(json["category"], "adult");
    } else {
      EXPECT_TRUE(json["category"].is_null());
    }
    EXPECT_EQ(json["time"], "2023-11-14T22:13:20Z");
    EXPECT_TRUE(json["user"].is_null());
    EXPECT_EQ(json["list_version"], "v/lists-1");
  }
  EXPECT_EQ(lines, 1000);
  EXPECT_EQ(blocks, 500);
  std::filesystem::remove(path);
  EXPECT_FALSE(JsonLinesSink::Open("/nonexistent-dir/x.jsonl").ok());
}

}  // namespace
}  // namespace esafe::enforce
