// Demonstration plan content: objectives and actions in the Annex G strands,
// in the words of the Telford and Wandsworth plans (seeds 000, 002), and the
// courses and sessions of a typical training programme (seeds 004 Section 4),
// and acceptable-use policies with some acceptances.
#include <fmt/format.h>

#include "plan/plan.h"

namespace esafe::plan {

Result<bool> LoadPlanDemo(store::Database& db) {
  auto existing = db.Read<int64_t>([](store::Connection& c) -> Result<int64_t> {
    auto r = c.Query("SELECT (SELECT COUNT(*) FROM plan_actions) AS actions, (SELECT COUNT(*) FROM agencies) AS agencies");
    if (!r.ok()) return r.error();
    return (*r)[0].Int("agencies") == 0 ? -1 : (*r)[0].Int("actions");
  });
  if (!existing.ok()) return existing.error();
  if (*existing != 0) return false;
  access::Principal system;
  system.username = "demo-loader";
  system.role = access::Role::kPartnershipAdmin;
  system.ip = "local";

  auto ids = db.Read<Json>([](store::Connection& c) -> Result<Json> {
    Json out = Json::object();
    for (const char* sql : {"SELECT id, name AS n FROM plan_strands", "SELECT id, name AS n FROM agencies",
                            "SELECT id, full_name AS n FROM people"}) {
      auto rows = c.Query(sql);
      if (!rows.ok()) return rows.error();
      for (const auto& r : *rows) out[r.Text("n")] = r.Int("id");
    }
    return out;
  });
  if (!ids.ok()) return ids.error();
  auto id = [&](const char* name) -> Json { return ids->contains(name) ? (*ids)[name] : Json(nullptr); };

  ActionPlan plan(db);
  struct ObjectiveDemo {
    const char* strand;
    const char* title;
  };
  const ObjectiveDemo objectives[] = {
      {"Strategy group", "Report the work of the sub-group to the board and meet its performance indicators"},
      {"Policies, procedures and practices", "Embed e-safety policy into the daily practice of every setting"},
      {"Education, training and information", "Raise awareness of e-safety among children, parents and staff"},
      {"Infrastructure and technology", "Accredited filtering and monitoring wherever children get online"},
      {"Inspection and standards", "Audit e-safety provision across member agencies every year"},
  };
  std::vector<int64_t> objective_ids;
  for (const auto& o : objectives) {
    auto r = plan.CreateObjective(system, {{"strand_id", id(o.strand)}, {"title", o.title}});
    if (!r.ok()) return r.error();
    objective_ids.push_back((*r)["id"]);
  }
  struct ActionDemo {
    size_t objective;
    const char* title;
    const char* method;
    const char* agency;
    const char* person;
    const char* timescale;
    const char* due;
    const char* success;
    const char* status;
  };
  const ActionDemo actions[] = {
      {0, "Progress report to the board", "Annual report drawn from esafe's records", nullptr, "Grace Okafor",
       "April each year", "2026-04-30", "The board has received formal feedback on the e-safety work", "completed"},
      {1, "Advise every setting of the need to have an ESLO",
       "Letter to head teachers and service managers; follow-up at cluster meetings", nullptr, "Amira Shah",
       "Autumn term", "2025-12-19", "Every school and agency names an ESLO in the directory", "in_progress"},
      {1, "Acceptable use policies reviewed in every setting", "Model AUP circulated; settings confirm adoption",
       "County Library Service", nullptr, "Ongoing", "2026-09-30", "All settings have a current AUP",
       "achieved_evolving"},
      {2, "Thinkuknow sessions for every secondary school", "CEOP ambassadors deliver to year 7 assemblies",
       "Northgate Academy", nullptr, "Spring term", "2025-03-31", "Every secondary school has had a session",
       "not_achieved"},
      {3, "Filter public Wi-Fi in libraries", "Move the library Wi-Fi to the consortium's accredited service",
       "County Library Service", "Helen Price", "By March", "2026-03-31",
       "No access location without accredited filtering", "in_progress"},
      {4, "Annual e-safety audit of member agencies", "Self-review returns collated by the sub-group", nullptr,
       "Grace Okafor", "Summer term", "2026-07-17", "Returns from every board partner", "not_achieved"},
  };
  for (const auto& a : actions) {
    Json input = {{"objective_id", objective_ids[a.objective]}, {"title", a.title}, {"method", a.method},
                  {"timescale", a.timescale}, {"due_date", a.due}, {"success_measure", a.success},
                  {"status", a.status}, {"source", "strategy"}};
    if (a.agency) input["lead_agency_id"] = id(a.agency);
    if (a.person) input["lead_person_id"] = id(a.person);
    auto r = plan.CreateAction(system, input);
    if (!r.ok()) return r.error();
  }

  TrainingRegister training(db);
  auto thinkuknow = training.CreateCourse(
      system, {{"title", "Thinkuknow introduction"}, {"provider", "CEOP Thinkuknow"},
               {"audiences", {"those who work with children", "those who work with adults"}},
               {"focuses", {"e-safety awareness", "assessing risks to children", "assessing risks posed by adults"}},
               {"refresher_months", 36}});
  if (!thinkuknow.ok()) return thinkuknow.error();
  auto technical = training.CreateCourse(
      system, {{"title", "Filtering and monitoring for network staff"}, {"provider", "in-house"},
               {"audiences", {"those who work with technology"}},
               {"focuses", {"e-safety awareness", "technical awareness", "other safeguarding links"}},
               {"refresher_months", 24}});
  if (!technical.ok()) return technical.error();
  auto leaders = training.CreateCourse(
      system, {{"title", "E-safety for leaders and governors"}, {"provider", "in-house"},
               {"audiences", {"leaders / managers / strategists"}},
               {"focuses", {"e-safety awareness", "other safeguarding links"}}, {"refresher_months", 36}});
  if (!leaders.ok()) return leaders.error();
  auto session = training.CreateSession(system, {{"course_id", (*thinkuknow)["id"]}, {"held_on", "2025-11-12"},
                                                 {"venue", "Central Library meeting room"}, {"trainer", "CEOP ambassador"},
                                                 {"agency_id", id("County Library Service")}});
  if (!session.ok()) return session.error();
  for (const char* person : {"Amira Shah", "Grace Okafor"}) {
    if (id(person).is_null()) continue;
    auto r = training.RecordAttendance(system, (*session)["id"], {{"person_id", id(person)}});
    if (!r.ok()) return r.error();
  }
  auto old_session = training.CreateSession(system, {{"course_id", (*technical)["id"]}, {"held_on", "2022-02-03"},
                                                     {"venue", "Regional Broadband Consortium"}});
  if (!old_session.ok()) return old_session.error();
  if (!id("Tom Fletcher").is_null()) {
    auto r = training.RecordAttendance(system, (*old_session)["id"], {{"person_id", id("Tom Fletcher")}});
    if (!r.ok()) return r.error();
  }

  // Acceptable-use policies: a staff AUP in its second version at the library and at
  // Northgate (where one person has not accepted it yet), and Riverside's pupils' AUP,
  // past its review date so that the reminder shows.
  AupRegister aups(db);
  struct VersionDemo {
    const char* body;
    const char* effective_on;
    const char* review_on;
  };
  struct AupDemo {
    const char* agency;
    const char* group;
    const char* title;
    std::vector<VersionDemo> versions;  // the last is published, the others retired by it
    std::vector<const char*> people;    // accepted the current version on paper
    std::vector<const char*> references;
  };
  const AupDemo policies[] = {
      {"County Library Service", "staff", "Staff acceptable use of the library's ICT",
       {{"Staff use the library's computers and Wi-Fi for work; personal use in breaks only.", "2023-09-01", "2025-09-01"},
        {"Staff use the library's computers and Wi-Fi for work; personal use in breaks only. Report any concern "
         "about a child's use of the public PCs to the e-safety officer the same day.",
         "2025-09-01", "2027-09-01"}},
       {"Helen Price"}, {}},
      {"Northgate Academy", "staff", "Staff and governors' AUP",
       {{"Staff follow the academy's e-safety policy; school devices are monitored.", "2025-01-06", "2027-01-06"}},
       {"Grace Okafor"}, {}},
      {"Riverside Primary School", "pupils_under_11", "Our rules for using computers (KS1 and KS2)",
       {{"I will ask an adult before I go online. I will tell an adult if I see something that upsets me.",
         "2024-09-02", "2025-09-01"}},
       {}, {"RPS-Y5-03", "RPS-Y5-11", "RPS-Y6-07"}},
      {"Riverside Primary School", "staff", "Staff acceptable use policy",
       {{"Staff use school devices for school work; photographs of pupils only on school devices.", "2025-09-01",
         "2027-09-01"}},
       {"Amira Shah"}, {}},
  };
  for (const auto& a : policies) {
    if (id(a.agency).is_null()) continue;
    auto policy = aups.CreatePolicy(system, {{"agency_id", id(a.agency)}, {"user_group", a.group}, {"title", a.title}});
    if (!policy.ok()) return policy.error();
    int64_t current = 0;
    for (const auto& v : a.versions) {
      auto version = aups.CreateVersion(system, (*policy)["id"],
                                        {{"body", v.body}, {"effective_on", v.effective_on}, {"review_on", v.review_on}});
      if (!version.ok()) return version.error();
      current = (*version)["id"];
      auto published = aups.Publish(system, current);
      if (!published.ok()) return published.error();
    }
    const std::string accepted_on = a.versions.back().effective_on;
    for (const char* person : a.people) {
      if (id(person).is_null()) continue;
      auto r = aups.RecordPaperAcceptance(system, current, {{"person_id", id(person)}, {"accepted_on", accepted_on}});
      if (!r.ok()) return r.error();
    }
    for (const char* reference : a.references) {
      auto r = aups.RecordPaperAcceptance(system, current, {{"subject_reference", reference}, {"accepted_on", accepted_on}});
      if (!r.ok()) return r.error();
    }
  }
  return true;
}

}  // namespace esafe::plan
