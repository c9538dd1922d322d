// The incident log through its capability API: recording through a
// flowchart, versions, scoping, audit, closure, evidence, chronology,
// overdue actions, escalation between agencies and serious incidents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "incident_fixture.h"

namespace esafe::incidents {
namespace {

using ::testing::HasSubstr;
using access::Role;

class IncidentLogTest : public IncidentFixture {};

TEST_F(IncidentLogTest, RecordingThroughAFlowchartStoresVersionAnswersAndDueTimes) {
  auto teacher = Staff(school);
  Json inc = Record(teacher, "child-discloses-abuse", {{"danger", "no"}, {"what_told", "abuse"}});
  EXPECT_EQ(inc["flowchart_id"], "child-discloses-abuse");
  EXPECT_EQ(inc["flowchart_version"], 2);
  EXPECT_EQ(inc["flowchart_answers"], (Json{{"danger", "no"}, {"what_told", "abuse"}}));
  EXPECT_EQ(inc["category"], "grooming");  // from the flowchart when not given
  EXPECT_EQ(inc["risk_level"], "significant_risk");
  EXPECT_EQ(inc["reported_by"], teacher.display_name);
  EXPECT_EQ(DueFor(inc, "designated_safeguarding_lead"), "2024-03-01T09:00:00Z");
  bool twelve_hours = false;
  for (const auto& a : inc["actions"]) {
    if (a["what"].get<std::string>().find("written record") != std::string::npos) {
      EXPECT_EQ(a["due_at"], "2024-03-01T21:00:00Z");  // Annex E: within 12 hours
      EXPECT_EQ(a["required"], true);
      twelve_hours = true;
    }
  }
  EXPECT_TRUE(twelve_hours);
}

TEST_F(IncidentLogTest, AnswersCanBeRecordedStepByStepUntilAnOutcome) {
  auto officer = Officer(school);
  Json inc = Record(officer, "cyberbullying", Json::object());
  int64_t id = inc["id"];
  EXPECT_TRUE(inc["risk_level"].is_null());
  EXPECT_TRUE(inc["actions"].empty());
  auto step = log.RecordAnswers(officer, id, {{"sexual_images", "no"}});
  ASSERT_TRUE(step.ok()) << step.error().message;
  EXPECT_EQ((*step)["walk"]["next"]["node"], "harm_self");
  EXPECT_FALSE(log.RecordAnswers(officer, id, {{"harm_self", "perhaps"}}).ok());
  step = log.RecordAnswers(officer, id, {{"harm_self", "no"}, {"who_posted", "ours"}});
  ASSERT_TRUE(step.ok());
  EXPECT_EQ((*step)["risk_level"], "encourage_safe_behaviour");
  EXPECT_EQ((*step)["flowchart_outcome"], "investigate_here");
  auto again = log.RecordAnswers(officer, id, {{"who_posted", "unknown_or_elsewhere"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
}

constexpr const char* kNewEmailFlowchart = R"(id: suspicious-email
title: Suspicious e-mail (local version)
version: 3
nodes:
  - id: content
    question: Is it spam?
    answers:
      - value: "yes"
        text: "Yes"
        next: spam
  - id: spam
    outcome:
      risk: little_or_no_danger
      tell:
        - who: esafety_officer
          within: 7d
)";

TEST_F(IncidentLogTest, PublishingKeepsTheOldVersionInForceWhenTheNewOneIsInvalid) {
  auto lead = Lead();
  auto officer = Officer(school);
  Json before = Record(officer, "suspicious-email", {{"content", "scam"}});
  EXPECT_EQ(before["flowchart_version"], 2);

  std::string broken = std::string(kNewEmailFlowchart);
  broken.replace(broken.find("who: esafety_officer"), 20, "who: the_newspaper");
  auto refused = log.PublishFlowchart(lead, broken, "email-v2.yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalid);
  EXPECT_THAT(refused.error().message, HasSubstr("email-v2.yaml:15: "));
  EXPECT_THAT(refused.error().message, HasSubstr("unknown escalation target 'the_newspaper'"));
  EXPECT_EQ((*log.GetFlowchart(lead, "suspicious-email"))["version"], 2);

  EXPECT_EQ(log.PublishFlowchart(officer, kNewEmailFlowchart, "v2.yaml").error().kind, ErrorKind::kForbidden);
  auto published = log.PublishFlowchart(lead, kNewEmailFlowchart, "v2.yaml");
  ASSERT_TRUE(published.ok()) << published.error().message;
  EXPECT_EQ((*published)["version"], 3);
  EXPECT_EQ(log.PublishFlowchart(lead, kNewEmailFlowchart, "v2.yaml").error().kind, ErrorKind::kConflict);

  // Version 2 names no category, so the incident must give one.
  Json after = Record(officer, "suspicious-email", {{"content", "yes"}}, {{"category", "email_misuse"}});
  EXPECT_EQ(after["flowchart_version"], 3);
  EXPECT_EQ(after["risk_level"], "little_or_no_danger");
  // The earlier incident still names the version it was walked with.
  EXPECT_EQ((*log.Get(officer, before["id"]))["flowchart_version"], 2);
  EXPECT_EQ((*log.GetFlowchart(lead, "suspicious-email", 2))["version"], 2);
}

// A flowchart version published before outcomes carried illegal_material (and
// before prohibitions had to sit in must_not) still walks, and an outcome whose
// must_not forbids handling the material still refuses an evidence file.
TEST_F(IncidentLogTest, AVersionPublishedUnderEarlierRulesStillWalksAndStillRefusesFiles) {
  const std::string legacy =
      "id: legacy-email\ntitle: Legacy\nversion: 1\nnodes:\n"
      "  - id: content\n    question: What is in it?\n    answers:\n"
      "      - {value: illegal, text: Possibly illegal, next: illegal}\n"
      "      - {value: scam, text: A scam, next: scam}\n"
      "  - id: illegal\n    outcome:\n      risk: significant_risk\n"
      "      actions:\n        - {do: 'Do not open it; report it to the IWF.', within: 24h}\n"
      "      tell:\n        - {who: iwf, within: 24h}\n"
      "      must_not:\n        - Do not open the attachment or the link.\n"
      "  - id: scam\n    outcome:\n      risk: encourage_safe_behaviour\n      tell:\n"
      "        - {who: esafety_officer, within: 24h}\n";
  ASSERT_TRUE(tdb.db().Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("INSERT INTO flowchart_versions (flowchart_key, version, title, source, source_name, sha256, "
                        "published_at, published_by) VALUES ('legacy-email', 1, 'Legacy', ?, 'legacy.yaml', 'x', ?, 'test')",
                        {legacy, clock::NowIso8601()}));
    return true;
  }).ok());
  auto officer = Officer(school);
  Json inc = Record(officer, "legacy-email", {{"content", "illegal"}}, {{"category", "email_misuse"}});
  ASSERT_FALSE(inc.is_null());
  EXPECT_EQ(inc["risk_level"], "significant_risk");
  EXPECT_EQ(inc["illegal_material"], true);
  auto described = log.AddEvidence(officer, inc["id"], {{"what", "the e-mail"}, {"held_where", "a folder"},
                                                        {"secured_by", "officer"}, {"secured_at", "2024-03-01"}});
  ASSERT_TRUE(described.ok());
  auto refused = log.AttachEvidenceFile(officer, inc["id"], (*described)["evidence"][0]["id"], "mail.eml", "x");
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
}

TEST_F(IncidentLogTest, AgencyScopingNamesAndAuditedReads) {
  auto officer = Officer(school);
  auto teacher = Staff(school);
  auto other_teacher = Staff(school);
  auto library_officer = Officer(library);
  Json inc = Record(teacher, "cyberbullying", {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}});
  int64_t id = inc["id"];
  auto person = log.AddPerson(teacher, id, {{"role", "child"}, {"reference", "Child A"}, {"age", 13},
                                            {"name", "Jane Example"}});
  ASSERT_TRUE(person.ok()) << person.error().message;
  EXPECT_EQ(log.AddPerson(officer, id, {{"role", "child"}, {"reference", "Child B"}}).error().field, "age");

  // Inside the owning agency: the officer and the reporter see the name.
  EXPECT_EQ((*log.Get(officer, id))["people"][0]["name"], "Jane Example");
  EXPECT_EQ((*log.Get(teacher, id))["people"][0]["name"], "Jane Example");
  // Another member of staff, another agency: the incident does not exist for them.
  EXPECT_EQ(log.Get(other_teacher, id).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(log.Get(library_officer, id).error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(log.List(library_officer, {})->empty());
  EXPECT_TRUE(log.List(other_teacher, {})->empty());
  EXPECT_EQ(log.List(officer, {})->size(), 1u);
  EXPECT_EQ(log.Update(library_officer, id, {{"service", "x"}}).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(log.Update(teacher, id, {{"service", "x"}}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(log.Create(library_officer, {{"agency_id", school}, {"how_identified", "other"}, {"category", "grooming"},
                                          {"description", "x"}}).error().kind, ErrorKind::kInvalid);
  // The partnership lead reads every agency's incidents, but not children's names.
  auto lead = Lead();
  auto seen = log.Get(lead, id);
  ASSERT_TRUE(seen.ok());
  EXPECT_FALSE(seen->at("people")[0].contains("name"));
  EXPECT_EQ(seen->at("people")[0]["reference"], "Child A");
  // Board members see statistics only.
  EXPECT_EQ(log.List(Board(), {}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(log.Get(Board(), id).error().kind, ErrorKind::kNotFound);
  // Every read is in the audit trail.
  EXPECT_EQ(CountAudit("read", "incident", id), 3);
  // The chronology never carries the name.
  auto chronology = log.Chronology(officer, id);
  ASSERT_TRUE(chronology.ok());
  for (const auto& e : *chronology) {
    EXPECT_EQ(e["summary"].get<std::string>().find("Jane"), std::string::npos);
  }
}

TEST_F(IncidentLogTest, CannotCloseWithOpenRequiredActionsWithoutAReason) {
  auto officer = Officer(school);
  Json inc = Record(officer, "suspicious-email", {{"content", "scam"}});
  int64_t id = inc["id"];
  auto refused = log.Close(officer, id, {{"conclusion", "dealt with"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
  EXPECT_THAT(refused.error().message, HasSubstr("required action(s) still open"));
  // Completing all but one, then closing with a reason.
  Json actions = inc["actions"];
  ASSERT_GE(actions.size(), 2u);
  for (size_t i = 0; i + 1 < actions.size(); ++i) {
    ASSERT_TRUE(log.CompleteAction(officer, id, actions[i]["id"], {{"note", "done"}}).ok());
  }
  EXPECT_EQ(log.Close(officer, id, {{"conclusion", "dealt with"}}).error().kind, ErrorKind::kConflict);
  auto closed = log.Close(officer, id, {{"conclusion", "dealt with"}, {"lessons_learned", "remind staff"},
                                        {"open_actions_reason", "the officer was told in person"}});
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  EXPECT_EQ((*closed)["status"], "closed");
  EXPECT_EQ((*closed)["actions"].back()["not_done_reason"], "the officer was told in person");
  EXPECT_EQ(log.AddAction(officer, id, {{"what", "late"}}).error().kind, ErrorKind::kConflict);
}

TEST_F(IncidentLogTest, SignificantRiskMustBeEscalatedBeforeClosing) {
  auto officer = Officer(school);
  Json inc = Record(officer, "child-discloses-abuse", {{"danger", "no"}, {"what_told", "grooming"}});
  int64_t id = inc["id"];
  auto refused = log.Close(officer, id, {{"conclusion", "x"}, {"open_actions_reason", "none"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("must be escalated"));
  ASSERT_TRUE(log.AddReferral(officer, id, {{"target", "ceop"}, {"reference_number", "CEOP-123"}}).ok());
  EXPECT_TRUE(log.Close(officer, id, {{"conclusion", "x"}, {"open_actions_reason", "police took over"}}).ok());
}

TEST_F(IncidentLogTest, EvidenceFilesAreRefusedForSuspectedIllegalMaterial) {
  auto officer = Officer(school);
  Json inc = Record(officer, "suspected-illegal-content", {{"kind", "child_abuse_images"}, {"where", "staff_device"}},
                    {{"category", "deliberate_illegal"}});
  int64_t id = inc["id"];
  EXPECT_THAT(inc["illegal_material_instruction"].get<std::string>(), HasSubstr("Do not open, copy, print"));
  auto described = log.AddEvidence(officer, id, {{"what", "teacher's laptop, switched off"},
                                                 {"held_where", "head's locked office"},
                                                 {"secured_by", "head teacher"},
                                                 {"secured_at", "2024-03-01T10:00:00Z"}});
  ASSERT_TRUE(described.ok()) << described.error().message;
  int64_t evidence = (*described)["evidence"][0]["id"];
  EXPECT_EQ((*described)["evidence"][0]["custody"].size(), 1u);
  auto refused = log.AttachEvidenceFile(officer, id, evidence, "image.jpg", "bytes");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
  EXPECT_THAT(refused.error().message, HasSubstr("Do not open, copy, print, forward or show"));
  EXPECT_THAT(refused.error().message, HasSubstr("Internet Watch Foundation"));
  EXPECT_EQ(CountAudit("refused", "incident", id), 1);
  auto after = log.Get(officer, id);
  EXPECT_TRUE((*after)["evidence"][0]["file_name"].is_null());
  // Custody is appended to, never rewritten.
  ASSERT_TRUE(log.AddCustody(officer, id, evidence, {{"from_holder", "head teacher"}, {"to_holder", "DC Smith"},
                                                     {"purpose", "forensic examination"}}).ok());
  EXPECT_EQ((*log.Get(officer, id))["evidence"][0]["custody"].size(), 2u);
}

TEST_F(IncidentLogTest, EvidenceFilesAreHashedWhereAllowed) {
  auto officer = Officer(school);
  Json inc = Record(officer, "cyberbullying", {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}});
  int64_t id = inc["id"];
  auto e1 = log.AddEvidence(officer, id, {{"what", "screenshot of the comments"}, {"held_where", "esafe"},
                                          {"secured_by", "head"}, {"secured_at", "2024-03-01"}});
  ASSERT_TRUE(e1.ok()) << e1.error().message;
  int64_t evidence = (*e1)["evidence"][0]["id"];
  auto attached = log.AttachEvidenceFile(officer, id, evidence, "comments.png", "abc");
  ASSERT_TRUE(attached.ok()) << attached.error().message;
  EXPECT_EQ((*attached)["evidence"][0]["sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ((*attached)["evidence"][0]["file_size"], 3);
  auto e2 = log.AddEvidence(officer, id, {{"what", "video"}, {"held_where", "USB in safe"}, {"secured_by", "head"},
                                          {"secured_at", "2024-03-01T10:00:00+01:00"},
                                          {"sha256", std::string(64, 'a')}});
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ((*e2)["evidence"][1]["secured_at"], "2024-03-01T09:00:00Z");
  EXPECT_EQ(log.AttachEvidenceFile(officer, id, (*e2)["evidence"][1]["id"], "v.mp4", "abc").error().kind,
            ErrorKind::kConflict);
}

TEST_F(IncidentLogTest, ChronologyIsAppendOnlyAndNothingIsDeleted) {
  auto officer = Officer(school);
  Json inc = Record(officer, "suspicious-email", {{"content", "inappropriate"}, {"sender", "spam"}});
  int64_t id = inc["id"];
  ASSERT_TRUE(log.Update(officer, id, {{"service", "school e-mail"}}).ok());
  auto withdrawn = log.Withdraw(officer, id, "recorded twice in error; see the other incident");
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_EQ((*withdrawn)["status"], "withdrawn");
  EXPECT_EQ((*withdrawn)["withdrawn_reason"], "recorded twice in error; see the other incident");
  EXPECT_EQ(log.Withdraw(officer, id, "again").error().kind, ErrorKind::kConflict);
  EXPECT_EQ(log.Withdraw(officer, id, " ").error().kind, ErrorKind::kInvalid);
  auto events = log.Chronology(officer, id);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> kinds;
  for (const auto& e : *events) kinds.push_back(e["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"created", "flowchart_outcome", "updated", "withdrawn"}));
  EXPECT_EQ((*events)[2]["detail"]["changed"]["service"]["to"], "school e-mail");

  auto tamper = tdb.db().Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("UPDATE incident_events SET summary = 'nothing happened' WHERE incident_id = ?", {id}));
    return true;
  });
  EXPECT_FALSE(tamper.ok());
  auto erase = tdb.db().Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("DELETE FROM incident_events WHERE incident_id = ?", {id}));
    return true;
  });
  EXPECT_FALSE(erase.ok());
  auto drop = tdb.db().Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("DELETE FROM incidents WHERE id = ?", {id}));
    return true;
  });
  EXPECT_FALSE(drop.ok());
  EXPECT_EQ(log.Chronology(officer, id)->size(), 4u);
}

TEST_F(IncidentLogTest, OverdueActionsForTheAgencyAndThePartnership) {
  auto officer = Officer(school);
  auto library_officer = Officer(library);
  Json inc = Record(officer, "child-discloses-abuse", {{"danger", "no"}, {"what_told", "abuse"}},
                    {{"reported_at", "2024-01-01T09:00:00Z"}});
  Record(library_officer, "suspicious-email", {{"content", "scam"}}, {{"reported_at", "2024-01-01T09:00:00Z"}});
  // Within the first hour nothing due 'at once' is overdue yet (the referral by
  // phone may be in progress); after it, only the 'immediately' actions are.
  EXPECT_TRUE(log.Overdue(officer, std::nullopt, "2024-01-01T09:45:00Z")->empty());
  auto early = log.Overdue(officer, std::nullopt, "2024-01-01T10:30:00Z");
  ASSERT_TRUE(early.ok()) << early.error().message;
  for (const auto& row : *early) {
    EXPECT_EQ(row["agency_id"], school);
    EXPECT_EQ(row["due_at"], "2024-01-01T09:00:00Z");
  }
  size_t immediate = early->size();
  EXPECT_GT(immediate, 0u);
  auto day_later = log.Overdue(officer, std::nullopt, "2024-01-02T10:00:00Z");
  EXPECT_GT(day_later->size(), immediate);  // the 12h and 24h ones too
  // The partnership sees both agencies; an officer only their own.
  auto all = log.Overdue(Lead(), std::nullopt, "2024-01-02T10:00:00Z");
  std::set<int64_t> agencies;
  for (const auto& row : *all) agencies.insert(row["agency_id"].get<int64_t>());
  EXPECT_EQ(agencies, (std::set<int64_t>{school, library}));
  EXPECT_EQ(log.Overdue(officer, library, "2024-01-02T10:00:00Z").error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(log.Overdue(Staff(school)).error().kind, ErrorKind::kForbidden);
  // Recording the referral to social care closes the 'tell social care' action.
  ASSERT_TRUE(log.AddReferral(officer, inc["id"], {{"target", "childrens_social_care"},
                                                   {"referred_at", "2024-01-01T09:20:00Z"},
                                                   {"reference_number", "CSC/24/001"}}).ok());
  auto after_referral = log.Overdue(officer, std::nullopt, "2024-01-02T10:00:00Z");
  ASSERT_TRUE(after_referral.ok());
  for (const auto& row : *after_referral) {
    EXPECT_NE(row["notify"], "childrens_social_care");
  }
}

TEST_F(IncidentLogTest, EscalationSharesWithTheOtherAgencyWhichAcknowledges) {
  auto school_officer = Officer(school);
  auto care_officer = Officer(social_care);
  auto care_staff = Staff(social_care);
  auto library_officer = Officer(library);
  Json inc = Record(school_officer, "child-discloses-abuse", {{"danger", "no"}, {"what_told", "abuse"}});
  int64_t id = inc["id"];
  ASSERT_TRUE(log.AddPerson(school_officer, id, {{"role", "child"}, {"reference", "Pupil 1"}, {"age", 14},
                                                 {"name", "Real Name"}}).ok());
  ASSERT_TRUE(log.AddEvidence(school_officer, id, {{"what", "pupil's own laptop"}, {"held_where", "with police"},
                                                   {"secured_by", "DSL"}, {"secured_at", "2024-03-01"}}).ok());
  EXPECT_EQ(log.Get(care_officer, id).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(log.AddReferral(school_officer, id, {{"target", "member_agency"}}).error().field, "agency_id");
  auto referred = log.AddReferral(school_officer, id, {{"target", "member_agency"}, {"agency_id", social_care},
                                                       {"reference_number", "MASH-77"}});
  ASSERT_TRUE(referred.ok()) << referred.error().message;
  EXPECT_EQ((*referred)["shares"][0]["agency_name"], "Children's Social Care");
  EXPECT_TRUE((*referred)["shares"][0]["acknowledged_at"].is_null());

  auto inbox = log.SharedWithMe(care_officer);
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0]["acknowledged"], false);
  EXPECT_EQ((*log.List(care_officer, {}))[0]["shared"], true);
  auto shared = log.Get(care_officer, id);
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ((*shared)["shared"], true);
  EXPECT_FALSE((*shared)["people"][0].contains("name"));
  EXPECT_FALSE(shared->contains("evidence"));
  EXPECT_TRUE(log.Chronology(care_officer, id).ok());
  EXPECT_EQ(log.Update(care_officer, id, {{"service", "x"}}).error().kind, ErrorKind::kForbidden);
  // Only that agency's officers; not its other staff, not a third agency.
  EXPECT_EQ(log.Get(care_staff, id).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(log.Get(library_officer, id).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(log.Acknowledge(library_officer, id).error().kind, ErrorKind::kNotFound);

  auto ack = log.Acknowledge(care_officer, id);
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_EQ(log.Acknowledge(care_officer, id).error().kind, ErrorKind::kConflict);
  auto seen_by_school = log.Get(school_officer, id);
  EXPECT_FALSE((*seen_by_school)["shares"][0]["acknowledged_at"].is_null());
  std::vector<std::string> kinds;
  auto chronology = log.Chronology(school_officer, id);
  ASSERT_TRUE(chronology.ok());
  for (const auto& e : *chronology) kinds.push_back(e["kind"]);
  EXPECT_THAT(kinds, ::testing::IsSupersetOf({"referral", "shared", "acknowledged"}));
  EXPECT_EQ(CountAudit("share", "incident", id), 1);
  EXPECT_EQ(CountAudit("acknowledge", "incident", id), 1);
}

TEST_F(IncidentLogTest, SeriousIncidentsOpenAReviewWithTheFourQuestions) {
  auto officer = Officer(fostering);
  auto lead = Lead();
  Json inc = Record(officer, "suspected-illegal-content", {{"kind", "child_abuse_images"}, {"where", "known_person"}});
  int64_t id = inc["id"];
  ASSERT_TRUE(log.MarkSerious(officer, id, "child abuse images; a sibling may be at risk").ok());
  EXPECT_EQ(log.MarkSerious(officer, id, "again").error().kind, ErrorKind::kConflict);
  auto early = log.UpdateReview(lead, id, {{"why_happened", "no clear lines of reporting"}, {"complete", true}});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().kind, ErrorKind::kInvalid);
  auto review = log.UpdateReview(lead, id, {{"why_happened", "no clear lines of reporting"},
                                            {"prevention", "referral to social care and police at once"},
                                            {"response", "a week's delay; images were to be viewed by social workers"},
                                            {"lessons", "involve the partnership e-safety lead in the first instance"},
                                            {"complete", true}});
  ASSERT_TRUE(review.ok()) << review.error().message;
  EXPECT_EQ((*review)["complete"], true);
  EXPECT_EQ(log.UpdateReview(lead, id, {{"lessons", "x"}}).error().kind, ErrorKind::kConflict);
  auto list = log.ListSerious(lead);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0]["review_complete"], true);
  EXPECT_TRUE(log.ListSerious(Officer(school))->empty());
  EXPECT_EQ(log.ListSerious(Board()).error().kind, ErrorKind::kForbidden);
  auto csv = log.ExportSeriousCsv(lead);
  ASSERT_TRUE(csv.ok());
  EXPECT_THAT(*csv, HasSubstr("incident_id,agency_name,category_label"));
  EXPECT_THAT(*csv, HasSubstr("Oakwood Fostering Agency"));
  EXPECT_THAT(*csv, HasSubstr("involve the partnership e-safety lead"));
}

TEST_F(IncidentLogTest, TimesAreNormalised) {
  EXPECT_EQ(NormaliseTime("2024-03-01"), "2024-03-01T00:00:00Z");
  EXPECT_EQ(NormaliseTime("2024-03-01T10:30"), "2024-03-01T10:30:00Z");
  EXPECT_EQ(NormaliseTime("2024-03-01T00:30:00+01:00"), "2024-02-29T23:30:00Z");
  EXPECT_EQ(NormaliseTime("2024-03-01T10:30:00.123Z"), "2024-03-01T10:30:00Z");
  EXPECT_FALSE(NormaliseTime("2023-02-29"));
  EXPECT_FALSE(NormaliseTime("yesterday"));
  EXPECT_FALSE(NormaliseTime("2024-03-01T25:00:00Z"));
  auto officer = Officer(school);
  auto bad = log.Create(officer, {{"how_identified", "other"}, {"category", "grooming"}, {"description", "x"},
                                  {"reported_at", "last week"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "reported_at");
}

}  // namespace
}  // namespace esafe::incidents
