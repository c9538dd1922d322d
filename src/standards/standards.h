// standards: the annual e-safety audit — questionnaires as data, audit rounds
// in which every member agency submits a return, and the measures of success
// computed from those returns (seeds 004 Sections 2, 3 and 6; 001 'monitoring
// dataset'; 003 'collated annual audit report').
//
// A Standards object holds a reference to the Database and is safe to use
// from many threads. Every operation takes the Principal asking and applies
// the same scoping as the directory: agency officers fill in their own
// agency's return; the partnership opens rounds, returns returns for
// correction and reads every return; board members read measures only, with
// counts from 1 to 4 shown as "fewer than 5".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/access.h"
#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"

namespace esafe::standards {

enum class QuestionType { kYesNo, kNumber, kChoice, kDate, kText, kLevel };

struct Question {
  std::string id;
  std::string text;
  QuestionType type = QuestionType::kText;
  double min = 0, max = 1e12;
  std::vector<std::string> choices;
  std::vector<std::string> levels;  // kLevel: the statement for levels 1..5
  std::string measure;              // one of MeasureNames(), for yes_no questions
  std::string gap_when;             // the answer that reveals a gap
  std::string suggested_action;
  std::vector<std::string> improvement_actions;
};

struct Section {
  std::string id;
  std::string title;
  std::vector<Question> questions;
};

// An audit template: sections of questions, identified by id and version.
struct Template {
  std::string id;
  int64_t version = 0;
  std::string title;
  std::vector<Section> sections;

  const Question* Find(std::string_view question_id) const;
  Json ToJson() const;
};

// The Section 6 measures of success, each fed by one yes/no question.
const std::vector<std::string>& MeasureNames();

// Parses and validates a template. Errors read "FILE:LINE: reason".
Result<Template> ParseTemplate(std::string_view yaml, std::string_view file_name);

// The template shipped with esafe (data/audit/annual-return.yaml, compiled in).
std::string_view DefaultTemplateYaml();

// Checks answers against the template: unknown question ids, a date that is
// not a date, a number out of range, a level outside 1–5 are refused with the
// question named in Error::field. Returns the normalised answers.
Result<Json> CheckAnswers(const Template& t, const Json& answers);

// Counts shown to board members: 1–4 become "fewer than 5".
Json SuppressSmall(int64_t count);

// The board's wording of a Section 6 measure ("aup" -> "An acceptable-use policy").
std::string MeasureLabel(std::string_view measure);

// One table of the board report, in the shape every export takes: an id
// ("measures", "trend", …), a title, column headings and rows of display text.
struct ReportTable {
  std::string id;
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};
// The report's "tables" array back as ReportTables (for the CSV and XLSX writers).
std::vector<ReportTable> ReportTables(const Json& report);
// One table as CSV, a header row first.
std::string ReportTableCsv(const ReportTable& table);
// Every table as an XLSX workbook (one sheet each, an About sheet first), as bytes.
Result<std::string> ReportXlsx(const Json& report);

class Standards {
 public:
  explicit Standards(store::Database& db) : db_(db) {}

  // Publishes a template version (partnership managers). Conflict when that id
  // and version exist: a template in use is superseded, never edited.
  Result<Json> PublishTemplate(const access::Principal& who, std::string_view yaml);
  // Publishes the shipped template unless that id and version exist.
  Result<bool> EnsureDefaultTemplate();
  Result<Json> ListTemplates(const access::Principal& who);

  // Opens a round {title, year, template_id, deadline}: one return expected from every agency.
  Result<Json> OpenRound(const access::Principal& who, const Json& input);
  Result<Json> ListRounds(const access::Principal& who);

  // One agency's return in a round, with its questions' answers and status
  // (not_started, draft, submitted, returned).
  Result<Json> GetReturn(const access::Principal& who, int64_t round_id, int64_t agency_id);
  // Saves answers (merged into what is there) and evidence notes as a draft.
  // Refused once submitted, until the partnership returns it for correction.
  Result<Json> SaveDraft(const access::Principal& who, int64_t round_id, int64_t agency_id, const Json& input);
  // Submits the return: every yes/no and level question must be answered.
  Result<Json> Submit(const access::Principal& who, int64_t round_id, int64_t agency_id);
  // The partnership sends a submitted return back with a comment.
  Result<Json> ReturnForCorrection(const access::Principal& who, int64_t round_id, int64_t agency_id,
                                   const std::string& comment);
  // Every agency's status in the round, with overdue ones flagged.
  Result<Json> RoundStatus(const access::Principal& who, int64_t round_id);
  // Gaps the answers reveal, each with the suggested action and, once accepted
  // into the action plan, `plan_action_id`.
  Result<Json> SuggestedActions(const access::Principal& who, int64_t round_id, int64_t agency_id);

  // The measures of success for a round, computed from submitted returns:
  // returns received versus expected; per measure the number and share of
  // agencies answering yes, overall and by sector; level profiles per aspect
  // (partnership average and each agency's level, for the radar chart).
  Result<Json> Measures(const access::Principal& who, int64_t round_id);

  // The annual board report for a round (seeds 003 'collated annual audit
  // report'; 004 Section 6): the round's measures, by sector; every round's
  // returns received against expected; the year-on-year trend of each measure;
  // level profiles per aspect with `radar_agency_id`'s levels beside the
  // partnership average (partnership roles only: board members see averages);
  // and incident figures by year from the incident log, counts from 1 to 4
  // shown as "fewer than 5". Every figure is also in "tables" (ReportTable
  // shape) for the CSV and XLSX exports. Partnership roles and the board only.
  Result<Json> BoardReport(const access::Principal& who, int64_t round_id,
                           std::optional<int64_t> radar_agency_id = std::nullopt);

  // Accepts the suggested action for `question_id` into the strategy action
  // plan, led by the agency, under the 'Inspection and standards' strand.
  // The agency's officer or the partnership may do this; Invalid when the
  // answers reveal no gap there; Conflict when already accepted. Returns the
  // plan action.
  Result<Json> AcceptSuggestedAction(const access::Principal& who, int64_t round_id, int64_t agency_id,
                                     const std::string& question_id);

 private:
  store::Database& db_;
};

// ---- Infrastructure risk assessment per site (seeds 004 Section 3) ----
//
// The HSE five steps: 1 identify the hazards (answering Section 3's key
// questions), 2 decide who might be harmed and how, 3 evaluate the risks and
// decide on precautions, 4 record the findings and implement them (actions
// with owner and due date), 5 review, by a review date. Every save is a new
// version; the history is kept.
struct KeyQuestion {
  const char* id;
  const char* text;
};
// Section 3's key questions for identifying hazards, in the seed's order.
const std::vector<KeyQuestion>& RiskKeyQuestions();

class RiskAssessments {
 public:
  explicit RiskAssessments(store::Database& db) : db_(db) {}

  // The site's current assessment: {site_id, site_name, agency_id, agency_name,
  // key_questions, steps, current (null when never assessed), versions,
  // review_overdue}. `today` YYYY-MM-DD, empty for the real date. NotFound when
  // the site is not visible to `who`.
  Result<Json> Get(const access::Principal& who, int64_t site_id, const std::string& today = "");
  // Records a new version: {key_questions: {id: text}, hazards: [text],
  // who_might_be_harmed: text, risks: [{hazard, level: low|medium|high,
  // precautions_in_place, further_precautions}], actions: [{action, owner,
  // due_date, done}], review_notes, review_date}. The agency's officer or the
  // partnership; Invalid naming the field otherwise wrong.
  Result<Json> Save(const access::Principal& who, int64_t site_id, const Json& input, const std::string& today = "");
  // Every visible site with its assessment's version, review date and
  // whether the review is overdue or the site was never assessed.
  Result<Json> List(const access::Principal& who, const std::string& today = "");

 private:
  store::Database& db_;
};

// Loads a demonstration audit: last year's round with every return submitted
// and this year's open round with some returns in, into a database holding the
// directory demo and no rounds. Returns true when it loaded.
Result<bool> LoadStandardsDemo(store::Database& db);

}  // namespace esafe::standards
