// The words an incident record and a flowchart may use, from the seeds.
//
// Each list is a fixed set of stable keys (what is stored, exported and written
// in flowchart files) with the label a person reads. Keys never change once
// released; labels may be reworded. All functions return references to
// immutable statics and are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace esafe::incidents {

struct Term {
  std::string key;
  std::string label;
};

// The nine scenarios of seeds 004 Section 3 'Responding to specific incidents',
// then grooming, self-generated images of a child, self-harm or suicide content,
// radicalisation, fraud and phishing, personal information exposed and an
// allegation against a member of staff.
const std::vector<Term>& Categories();

// How the incident came to light (Section 5: 'How was the incident identified?').
const std::vector<Term>& HowIdentified();

// The three levels of Annex D Part 1: little_or_no_danger,
// encourage_safe_behaviour, significant_risk (must be escalated).
const std::vector<Term>& RiskLevels();

// Everyone a flowchart may say must be told (the Annex D Part 2 grid, plus the
// designated safeguarding lead and the LADO).
const std::vector<Term>& EscalationTargets();

// The targets that are escalations outside the agency: a referral to one of
// these is recorded with a date and a reference number. A subset of
// EscalationTargets() plus "member_agency" (another agency of the partnership).
const std::vector<Term>& ReferralTargets();

// What a flowchart outcome may be about, each with the rule it brings
// (flowchart Validate()): grooming, sexual_images_of_child and
// abuse_disclosure must tell children's social care (Annex E: the designated
// person "should immediately refer the matter to the LA children's social care
// department"); sexual_images_of_child is also illegal material (Annex B
// Chart 3); adult_working_with_children must tell the LADO (Section 3
// 'Responding to allegations made online').
const std::vector<Term>& OutcomeConcerns();

// Roles of the people involved: child (with age), staff_volunteer,
// parent_carer, unknown_adult.
const std::vector<Term>& PersonRoles();

// Who owns the device involved.
const std::vector<Term>& DeviceOwners();

// Keys of a list, in order, for RecordSchema choices.
std::vector<std::string> Keys(const std::vector<Term>& terms);
// True when `key` is in `terms`.
bool Contains(const std::vector<Term>& terms, std::string_view key);
// The label for `key`, or `key` itself when unknown.
std::string Label(const std::vector<Term>& terms, std::string_view key);

// True for categories where the material itself may be illegal (child abuse
// images, criminally obscene or race-hate material): evidence files are never
// attached, only described (Annex B Chart 3).
bool IsSuspectedIllegalMaterial(std::string_view category);

// What to do instead of attaching suspected illegal material (Annex B Chart 3).
extern const char* const kIllegalMaterialInstruction;

// Every list above as {"categories": [{"key","label"}…], …}, for forms.
nlohmann::json VocabularyJson();

}  // namespace esafe::incidents
