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

class Standards {
 public:
  explicit Standards(store::Database& db) : db_(db) {}

  // Publishes a template version (partnership managers). Conflict when that id
  // and version exist: a template in use is superseded, never edited.
  Result<Json> PublishTemplate(const access::Principal& who, std::string_view yaml);
  // Publishes the shipped template unless a template with its id exists.
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
  // Gaps the answers reveal, each with the suggested action.
  Result<Json> SuggestedActions(const access::Principal& who, int64_t round_id, int64_t agency_id);

  // The measures of success for a round, computed from submitted returns:
  // returns received versus expected; per measure the number and share of
  // agencies answering yes, overall and by sector; level profiles per aspect
  // (partnership average and each agency's level, for the radar chart).
  Result<Json> Measures(const access::Principal& who, int64_t round_id);

 private:
  store::Database& db_;
};

}  // namespace esafe::standards
