// Demonstration surveys: the shipped 8-11 survey run last school year (closed) and
// this school year (open) at Riverside Primary School and Eastfield Youth Service,
// with made-up answers, so the indicators chart has two years to compare.
#include <fmt/format.h>

#include "core/clock.h"
#include "surveys/surveys.h"

namespace esafe::surveys {
namespace {

// A small deterministic generator, so the demo looks the same every time.
struct Dice {
  uint32_t state;
  int Roll(int sides) {
    state = state * 1664525u + 1013904223u;
    return static_cast<int>((state >> 8) % static_cast<uint32_t>(sides));
  }
  bool Chance(int percent) { return Roll(100) < percent; }
};

// One child's answers. `bedroom` and `tell` are the percentages who have the
// internet in their bedroom and who would tell a trusted adult.
Json DemoAnswers(Dice& d, int bedroom, int tell) {
  Json where = Json::array({"home"});
  if (d.Chance(90)) where.push_back("school");
  if (d.Chance(40)) where.push_back("friends_house");
  if (d.Chance(15)) where.push_back("library");
  Json devices = Json::array();
  static const std::pair<const char*, int> kDevices[] = {{"phone", 45}, {"tablet", 70}, {"computer", 50},
                                                          {"games_console", 55}};
  for (const auto& device : kDevices) {
    if (d.Chance(device.second)) devices.push_back(device.first);
  }
  if (devices.empty()) devices.push_back("tablet");
  Json bedroom_items = Json::array();
  if (d.Chance(bedroom)) bedroom_items.push_back("internet");
  if (d.Chance(30)) bedroom_items.push_back("tablet");
  if (d.Chance(25)) bedroom_items.push_back("games_console");
  if (bedroom_items.empty()) bedroom_items.push_back("none");
  Json apps = Json::array({"video"});
  if (d.Chance(35)) apps.push_back("games_chat");
  if (d.Chance(20)) apps.push_back("chat");
  const bool upset = d.Chance(25);
  static const char* kAdults[] = {"parent", "parent", "parent", "teacher", "other_trusted_adult"};
  static const char* kOthers[] = {"friend", "nobody", "not_sure"};
  Json answers = {{"where_online", where},
                  {"devices", devices},
                  {"devices_in_bedroom", bedroom_items},
                  {"social_networks", apps},
                  {"upset", upset ? "yes" : "no"},
                  {"who_tell", d.Chance(tell) ? kAdults[d.Roll(5)] : kOthers[d.Roll(3)]},
                  {"feel_safe", 2 + d.Roll(4)}};
  if (upset) answers["what_upset"] = Json::array({d.Chance(50) ? "mean_messages" : "scary_video"});
  return answers;
}

}  // namespace

Result<bool> LoadSurveysDemo(store::Database& db) {
  auto state = db.Read<Json>([](store::Connection& c) -> Result<Json> {
    auto r = c.Query(
        "SELECT (SELECT COUNT(*) FROM surveys) AS surveys, "
        "(SELECT id FROM agencies WHERE name = 'Riverside Primary School') AS riverside, "
        "(SELECT id FROM agencies WHERE name = 'Eastfield Youth Service') AS eastfield");
    if (!r.ok()) return r.error();
    const auto& row = (*r)[0];
    return Json{{"surveys", row.Int("surveys")}, {"riverside", row.Int("riverside")}, {"eastfield", row.Int("eastfield")}};
  });
  if (!state.ok()) return state.error();
  if ((*state)["surveys"] != 0 || (*state)["riverside"] == 0 || (*state)["eastfield"] == 0) return false;

  access::Principal system;
  system.username = "demo-loader";
  system.role = access::Role::kPartnershipAdmin;
  system.ip = "local";

  // The school year a survey runs in: September to July.
  const std::string today = clock::NowIso8601().substr(0, 10);
  const int year = std::stoi(today.substr(0, 4));
  const int this_year = std::stoi(today.substr(5, 2)) >= 9 ? year : year - 1;

  Surveys surveys(db);
  struct Run {
    int start_year;
    const char* status;
    int riverside, eastfield;  // respondents
    int bedroom, tell;         // percentages the answers lean towards
  };
  const Run runs[] = {{this_year - 1, "closed", 26, 16, 50, 58}, {this_year, "open", 18, 12, 38, 74}};
  Dice dice{20261123u};
  for (const auto& run : runs) {
    auto created = surveys.CreateShipped(system, "being-safe-online-8-11");
    if (!created.ok()) return created.error();
    const int64_t id = (*created)["id"];
    auto opened = surveys.Update(system, id, {{"status", "open"},
                                              {"opens_on", fmt::format("{}-09-01", run.start_year)},
                                              {"closes_on", fmt::format("{}-07-31", run.start_year + 1)}});
    if (!opened.ok()) return opened.error();
    const std::string day = run.start_year == this_year ? today : fmt::format("{}-02-10", run.start_year + 1);
    const std::pair<const char*, int> settings[] = {{"riverside", run.riverside}, {"eastfield", run.eastfield}};
    for (const auto& [agency, respondents] : settings) {
      auto setting = surveys.AddSetting(system, id, {{"agency_id", (*state)[agency]}});
      if (!setting.ok()) return setting.error();
      for (int i = 0; i < respondents; ++i) {
        auto recorded = surveys.RecordResponse((*setting)["id"], DemoAnswers(dice, run.bedroom, run.tell), day);
        if (!recorded.ok()) return recorded.error();
      }
    }
    if (std::string(run.status) == "closed") {
      auto closed = surveys.Update(system, id, {{"status", "closed"}});
      if (!closed.ok()) return closed.error();
    }
  }
  return true;
}

}  // namespace esafe::surveys
