// The record kinds of the directory and the choices their fields offer, as the
// seeds name them.
#include "directory/directory.h"

namespace esafe::directory {

const std::vector<std::string>& Sectors() {
  static const std::vector<std::string> v = {
      "education", "early years", "health", "police", "children's social care", "youth service", "library",
      "voluntary/community", "faith", "commercial access point", "other"};
  return v;
}

// Working together to safeguard children, paragraphs 3.58–3.64 (seeds 004 Section 1).
const std::vector<std::string>& MembershipTypes() {
  static const std::vector<std::string> v = {"board partner", "other member", "other agency or group",
                                             "key national organisation"};
  return v;
}

// Seeds 004 Section 3, 'Identifying key stakeholders in infrastructure issues'.
const std::vector<std::string>& SiteTypes() {
  static const std::vector<std::string> v = {"school",
                                             "pupil referral unit / EOTAS",
                                             "post-16 or adult education (college)",
                                             "Connexions / work-based learning",
                                             "city learning centre",
                                             "library",
                                             "youth club or group",
                                             "community centre",
                                             "children in care placement",
                                             "children's home",
                                             "long-term sick / home tuition",
                                             "universal home access",
                                             "children's centre",
                                             "youth offending service",
                                             "probation service",
                                             "private ICT training centre",
                                             "internet café",
                                             "primary care trust",
                                             "acute trust",
                                             "office",
                                             "other"};
  return v;
}

const std::vector<std::string>& AccessTypes() {
  static const std::vector<std::string> v = {"desktop computers", "laptops", "tablets", "public access terminals",
                                             "wireless network", "wired network", "mobile devices",
                                             "games consoles", "learning platform", "other"};
  return v;
}

const std::vector<std::string>& AgeGroups() {
  static const std::vector<std::string> v = {"under 5", "5-11", "11-16", "16-18", "adults"};
  return v;
}

const std::vector<std::string>& EsafetyRoles() {
  static const std::vector<std::string> v = {"e-safety lead (ESLO / champion)", "deputy e-safety lead",
                                             "designated safeguarding lead", "network / infrastructure",
                                             "senior manager", "none"};
  return v;
}

const std::vector<std::string>& SubgroupRoles() {
  static const std::vector<std::string> v = {"none", "chair", "core", "co-opted", "associate"};
  return v;
}

namespace {

FieldSpec Id() { return {.name = "id", .type = FieldType::kInteger, .read_only = true}; }
FieldSpec Stamp(const char* name) { return {.name = name, .type = FieldType::kString, .read_only = true}; }
FieldSpec AgencyRef(bool required) {
  return {.name = "agency_id", .type = FieldType::kReference, .required = required,
          .description = "the owning agency; agency officers may leave it out for their own"};
}

const RecordSchema kAgencySchema(
    "agency", {Id(),
               {.name = "name", .type = FieldType::kString, .required = true, .max_length = 200},
               {.name = "sector", .type = FieldType::kChoice, .required = true, .choices = Sectors()},
               {.name = "membership_type", .type = FieldType::kChoice, .required = true,
                .choices = MembershipTypes(),
                .description = "as Working together to safeguard children defines it"},
               {.name = "address", .type = FieldType::kText, .max_length = 500},
               {.name = "phone", .type = FieldType::kString, .max_length = 40},
               {.name = "email", .type = FieldType::kEmail, .max_length = 254},
               {.name = "notes", .type = FieldType::kText, .max_length = 2000},
               Stamp("created_at"), Stamp("updated_at")});

const RecordSchema kSiteSchema(
    "site", {Id(), AgencyRef(false),
             {.name = "name", .type = FieldType::kString, .required = true, .max_length = 200},
             {.name = "site_type", .type = FieldType::kChoice, .required = true, .choices = SiteTypes()},
             {.name = "address", .type = FieldType::kText, .max_length = 500},
             {.name = "postcode", .type = FieldType::kString, .max_length = 12},
             {.name = "ip_ranges", .type = FieldType::kCidrList,
              .description = "the site's network ranges, used to apply its filtering profile"},
             {.name = "notes", .type = FieldType::kText, .max_length = 2000},
             Stamp("created_at"), Stamp("updated_at")});

const RecordSchema kAccessLocationSchema(
    "access_location",
    {Id(),
     {.name = "agency_id", .type = FieldType::kReference, .description = "taken from the site", .read_only = true},
     {.name = "site_id", .type = FieldType::kReference, .required = true},
     {.name = "name", .type = FieldType::kString, .required = true, .max_length = 200,
      .description = "where it is, e.g. 'ICT suite', 'children's library PCs'"},
     {.name = "access_type", .type = FieldType::kChoice, .required = true, .choices = AccessTypes()},
     {.name = "device_count", .type = FieldType::kInteger, .min = 0, .max = 100000},
     {.name = "age_groups", .type = FieldType::kChoiceSet, .choices = AgeGroups(),
      .description = "who uses it"},
     {.name = "equipment_owner", .type = FieldType::kChoice, .required = true,
      .choices = {"agency", "personal", "mixed"}},
     {.name = "connection_provider", .type = FieldType::kString, .max_length = 200},
     {.name = "filtering_provider", .type = FieldType::kString, .max_length = 200},
     {.name = "filtering_accredited", .type = FieldType::kBoolean,
      .description = "the filtering provider is accredited / an IWF member"},
     {.name = "monitoring_in_place", .type = FieldType::kBoolean},
     {.name = "last_reviewed", .type = FieldType::kDate},
     {.name = "notes", .type = FieldType::kText, .max_length = 2000},
     Stamp("created_at"), Stamp("updated_at")});

const RecordSchema kPersonSchema(
    "person", {Id(), AgencyRef(false),
               {.name = "full_name", .type = FieldType::kString, .required = true, .max_length = 200},
               {.name = "job_title", .type = FieldType::kString, .max_length = 200},
               {.name = "email", .type = FieldType::kEmail, .max_length = 254},
               {.name = "phone", .type = FieldType::kString, .max_length = 40},
               {.name = "esafety_role", .type = FieldType::kChoice, .required = true, .choices = EsafetyRoles()},
               {.name = "subgroup_role", .type = FieldType::kChoice, .required = true, .choices = SubgroupRoles(),
                .description = "membership of the partnership's e-safety sub-group"},
               {.name = "notes", .type = FieldType::kText, .max_length = 2000},
               Stamp("created_at"), Stamp("updated_at")});

}  // namespace

const std::vector<KindInfo>& AllKinds() {
  static const std::vector<KindInfo> kinds = {
      {Kind::kAgency, "agency", "agencies", "agencies", &kAgencySchema},
      {Kind::kSite, "site", "sites", "sites", &kSiteSchema},
      {Kind::kAccessLocation, "access_location", "access-locations", "access_locations", &kAccessLocationSchema},
      {Kind::kPerson, "person", "people", "people", &kPersonSchema},
  };
  return kinds;
}

const KindInfo& Info(Kind kind) { return AllKinds()[static_cast<size_t>(kind)]; }

}  // namespace esafe::directory
