#include "incidents/vocabulary.h"

#include <algorithm>

namespace esafe::incidents {

const char* const kIllegalMaterialInstruction =
    "Files are never attached to an incident that may involve illegal material. Annex B Chart 3: \"Opening an "
    "attachment or URL that proves to hold illegal content is an illegal act\"; showing it to anyone, printing it "
    "or passing it on is too. Do not open, copy, print, forward or show the material to anyone. Secure the device "
    "or e-mail as it is, describe the evidence here (what it is, where it is held, who secured it and when), and "
    "report the material to the Internet Watch Foundation (www.iwf.org.uk) or the police: \"They are licensed to "
    "investigate, you are not.\"";

const std::vector<Term>& Categories() {
  static const std::vector<Term> v = {
      {"accidental_inappropriate", "accidental access to inappropriate material"},
      {"deliberate_inappropriate", "deliberate access to inappropriate material"},
      {"accidental_illegal", "accidental access to illegal material"},
      {"deliberate_illegal", "deliberate access to illegal material"},
      {"email_misuse", "inappropriate or illegal use of email"},
      {"other_technology_misuse", "inappropriate or illegal use of other technologies"},
      {"network_misuse", "deliberate misuse of the network (hacking, viruses)"},
      {"bullying_harassment", "bullying or harassment using technologies"},
      {"sexual_exploitation", "sexual exploitation using technologies"},
      {"grooming", "grooming"},
      {"self_generated_images", "self-generated images of a child"},
      {"self_harm_suicide", "self-harm or suicide content"},
      {"radicalisation", "radicalisation"},
      {"fraud_phishing", "fraud or phishing"},
      {"personal_information", "personal information exposed"},
      {"staff_allegation", "allegation against a member of staff"},
  };
  return v;
}

const std::vector<Term>& HowIdentified() {
  static const std::vector<Term> v = {
      {"child_disclosure", "the child told someone (disclosure)"},
      {"peer_report", "reported by another child or young person"},
      {"parent_report", "reported by a parent or carer"},
      {"staff_report", "reported by a member of staff or volunteer"},
      {"filtering_alert", "filtering or monitoring alert"},
      {"found_on_device", "found on a device"},
      {"external_agency", "told by an external agency"},
      {"other", "other"},
  };
  return v;
}

const std::vector<Term>& RiskLevels() {
  static const std::vector<Term> v = {
      {"little_or_no_danger", "little or no danger: the activity may continue"},
      {"encourage_safe_behaviour", "encourage safe behaviour: support the young person; stop the activity"},
      {"significant_risk", "significant risk: the incident must be escalated"},
  };
  return v;
}

const std::vector<Term>& EscalationTargets() {
  static const std::vector<Term> v = {
      {"designated_safeguarding_lead", "designated safeguarding lead (child protection officer)"},
      {"senior_manager", "headteacher or senior manager"},
      {"esafety_officer", "the agency's e-safety officer"},
      {"young_person", "the young person"},
      {"parents_carers", "parents or carers"},
      {"governors", "governors or management committee"},
      {"police", "police"},
      {"ceop", "CEOP (Child Exploitation and Online Protection Centre)"},
      {"iwf", "IWF (Internet Watch Foundation)"},
      {"childrens_social_care", "children's social care"},
      {"lado", "LADO (local authority designated officer for allegations)"},
      {"service_provider", "service provider or ISP (site, phone company)"},
      {"filtering_provider", "regional broadband consortium or filtering provider"},
      {"health", "health"},
      {"partnership_esafety_lead", "the partnership e-safety lead"},
  };
  return v;
}

const std::vector<Term>& ReferralTargets() {
  static const std::vector<Term> v = [] {
    std::vector<Term> out;
    for (const auto& t : EscalationTargets()) {
      if (t.key == "police" || t.key == "ceop" || t.key == "iwf" || t.key == "childrens_social_care" ||
          t.key == "lado" || t.key == "service_provider" || t.key == "filtering_provider" || t.key == "health" ||
          t.key == "partnership_esafety_lead") {
        out.push_back(t);
      }
    }
    out.push_back({"member_agency", "another member agency of the partnership"});
    return out;
  }();
  return v;
}

const std::vector<Term>& OutcomeConcerns() {
  static const std::vector<Term> v = {
      {"grooming", "a child may be being groomed"},
      {"sexual_images_of_child", "sexual images of a child"},
      {"abuse_disclosure", "a child has disclosed, or is strongly suspected to suffer, abuse"},
      {"adult_working_with_children", "an adult who works with children"},
  };
  return v;
}

const std::vector<Term>& PersonRoles() {
  static const std::vector<Term> v = {
      {"child", "child or young person"},
      {"staff_volunteer", "member of staff or volunteer"},
      {"parent_carer", "parent or carer"},
      {"unknown_adult", "unknown adult"},
  };
  return v;
}

const std::vector<Term>& DeviceOwners() {
  static const std::vector<Term> v = {
      {"agency", "the agency"},
      {"child_personal", "the child's own"},
      {"staff_personal", "a member of staff's own"},
      {"family", "the family's"},
      {"public_access", "a public access point (café, library)"},
      {"unknown", "not known"},
  };
  return v;
}

std::vector<std::string> Keys(const std::vector<Term>& terms) {
  std::vector<std::string> out;
  out.reserve(terms.size());
  for (const auto& t : terms) out.push_back(t.key);
  return out;
}

bool Contains(const std::vector<Term>& terms, std::string_view key) {
  return std::any_of(terms.begin(), terms.end(), [&](const Term& t) { return t.key == key; });
}

std::string Label(const std::vector<Term>& terms, std::string_view key) {
  for (const auto& t : terms) {
    if (t.key == key) return t.label;
  }
  return std::string(key);
}

bool IsSuspectedIllegalMaterial(std::string_view category) {
  return category == "accidental_illegal" || category == "deliberate_illegal" || category == "self_generated_images";
}

nlohmann::json VocabularyJson() {
  auto list = [](const std::vector<Term>& terms) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : terms) out.push_back({{"key", t.key}, {"label", t.label}});
    return out;
  };
  return {{"categories", list(Categories())},           {"how_identified", list(HowIdentified())},
          {"risk_levels", list(RiskLevels())},          {"escalation_targets", list(EscalationTargets())},
          {"referral_targets", list(ReferralTargets())}, {"person_roles", list(PersonRoles())},
          {"device_owners", list(DeviceOwners())}};
}

}  // namespace esafe::incidents
