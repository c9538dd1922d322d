// The help and contacts map (issue 8 'Help and contacts'): for each kind of concern
// (illegal content, a child at risk, an allegation against staff, bullying, fraud, the
// partnership, providers and health), who to contact locally and nationally, with phone,
// hours and the 24/7 alternative, and which escalation targets each contact serves.
// The shipped map (data/contacts/contacts.yaml) is compiled in; national routes are
// from seeds 004 Section 7, local entries are placeholders the partnership fills in.
// Shown on the public /help page, beside every flowchart outcome, and (the national
// reporting routes) on the block page.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_schema.h"
#include "core/result.h"

namespace esafe::incidents::contacts {

struct Contact {
  std::string name;
  std::string role;
  std::string scope;         // "local" or "national"
  std::string phone;         // may be empty (web-only routes)
  std::string hours;
  std::string out_of_hours;  // the 24/7 alternative, may be empty
  std::string web;           // http(s) address, may be empty
  bool reporting_route = false;  // a national reporting route shown on the block page
  std::string source;        // where the entry comes from (seeds section)
  // The escalation targets (incidents::EscalationTargets() keys) this contact is the
  // route for: a flowchart outcome that says to tell one of them shows this contact.
  std::vector<std::string> serves;
  bool Serves(std::string_view target) const {
    return std::find(serves.begin(), serves.end(), target) != serves.end();
  }
  int line = 0;
};

struct Kind {
  std::string id;     // illegal_content, child_at_risk, staff_allegation, bullying, fraud, partners
  std::string title;
  std::string when;
  std::vector<Contact> contacts;
  int line = 0;
};

struct ContactMap {
  std::vector<Kind> kinds;
  const Kind* Find(std::string_view id) const;
  // Every reporting_route contact, once each by name, in file order.
  std::vector<Contact> ReportingRoutes() const;
  // The first contact (file order) that serves escalation target `target`; nullptr when
  // none does.
  const Contact* ForTarget(std::string_view target) const;
};

// YAML text -> map. A broken file is refused with "FILE:LINE: reason" (every problem,
// one per line, in the error message).
Result<ContactMap> Parse(std::string_view yaml, std::string_view file);

// data/contacts/contacts.yaml as shipped.
std::string_view ShippedYaml();

// The map in use: the shipped one unless UseFile() loaded another (esafe serve --contacts).
const ContactMap& Active();
// Loads FILE and makes it the active map; the error names file, line and reason.
Result<void> UseFile(const std::string& path);

// The concern kinds for an incident category (vocabulary Categories()) or an escalation
// target (EscalationTargets()); empty when none applies.
std::vector<std::string> KindsForCategory(std::string_view category);
std::vector<std::string> KindsForTarget(std::string_view target);

Json ToJson(const Contact& c);
Json ToJson(const Kind& k);
Json ToJson(const ContactMap& m);
// The listed kinds (unknown ids skipped), as a JSON array of ToJson(Kind).
Json KindsJson(const ContactMap& m, const std::vector<std::string>& ids);

// The kinds to show beside a flowchart outcome (same shape as KindsJson), ordered so
// that the first contact shown fits the outcome:
//   1. when `illegal_material`, the illegal_content kind (its first contact is the
//      designated lead; then the IWF and the police);
//   2. for each target in `tell_in_order`, a kind that serves it: the kind
//      KindsForTarget() names if that kind serves it, otherwise the first kind in file
//      order with a contact serving it;
//   3. the kinds for `category` (KindsForCategory()).
// Each kind appears once. When `illegal_material`, the fraud kind never appears (its
// "ICT support or filtering provider" must not be handed illegal material).
Json ForOutcome(const ContactMap& m, const std::vector<std::string>& tell_in_order, bool illegal_material,
                std::string_view category);

// A local contact still carrying a "set by your partnership" placeholder.
struct Unfinished {
  std::string kind_id;
  std::string kind_title;
  std::string name;
  std::string field;  // the placeholder fields, e.g. "phone, hours"
  int line;           // the contact's line in the file
};
// Every local contact whose phone, hours or out_of_hours still contains "set by your
// partnership", one entry per contact, in file order.
std::vector<Unfinished> UnfinishedSetUp(const ContactMap& m);
Json ToJson(const std::vector<Unfinished>& unfinished);  // {"unfinished": [...], "count": N}

}  // namespace esafe::incidents::contacts
