// surveys: the partnership's anonymous surveys of children and young people
// (issue 8): survey definitions as YAML, a link or code per school or youth
// setting, anonymous responses counted per setting and age band, and the
// indicators the board follows year on year.
//
// Anonymity is a property of what is stored: a response row holds the survey,
// the setting, the age band, the survey's year, the day it was sent (never a
// time) and the answers. No account, IP address, user agent or device token is
// stored anywhere; repeated submissions are limited by a cookie that is the same
// for every device and by a rate limit held only in memory (SubmissionGuard).
//
// Thread-safety: Surveys is a thin handle on a store::Database and is safe to
// use from many threads, as is SubmissionGuard. The definition functions are pure.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/access.h"
#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"

namespace esafe::surveys {

// ---- Survey definitions (survey_definition.cc) ----

enum class QuestionType { kSingleChoice, kMultipleChoice, kYesNo, kScale, kFreeText };

// "single_choice", "multiple_choice", "yes_no", "scale", "free_text".
std::string_view QuestionTypeName(QuestionType type);

struct Option {
  std::string value;       // stored in answers: a slug (a-z, 0-9, _)
  std::string label;       // what the child reads
  bool exclusive = false;  // "None of these": may not be chosen with another option
};

struct Question {
  std::string id;
  QuestionType type = QuestionType::kSingleChoice;
  std::string text;
  std::string help;
  bool required = true;
  std::vector<Option> options;  // choice questions; yes_no has yes and no
  int64_t min = 1, max = 5;     // scale
  std::string min_label, max_label;
  size_t max_length = 300;      // free text
  int line = 0;                 // in the YAML file
};

// An indicator is the share of respondents whose answer to `question` meets the
// condition, among those who answered it: for a multiple-choice question, that
// the answer includes one of `values`; for a single-choice or yes/no question,
// that the answer is one of `values`; for a scale, that it is at least `at_least`.
struct Indicator {
  std::string id;
  std::string title;
  std::string question;
  std::vector<std::string> values;
  std::optional<int64_t> at_least;
  int line = 0;
};

struct SurveyDefinition {
  std::string key;  // the same key across years: "being-safe-online-8-11"
  int64_t version = 1;
  std::string title;
  std::string age_band;  // "8-11"
  std::string opens_on, closes_on;  // YYYY-MM-DD, the default period
  int64_t report_threshold = 10;    // cells with fewer respondents are suppressed
  std::string intro, thanks;
  std::vector<Question> questions;
  std::vector<Indicator> indicators;

  const Question* Find(std::string_view question_id) const;
};

// Parses and validates a survey definition. On failure the Error (Invalid) holds
// every problem found, one a line, as "FILE:LINE: reason".
Result<SurveyDefinition> ParseSurvey(std::string_view yaml, std::string_view file_name);

// The definition as the survey page needs it (no indicators).
Json QuestionsJson(const SurveyDefinition& survey);
Json IndicatorsJson(const SurveyDefinition& survey);

// Checks every answer against its question: known question, option or value in
// range, required questions answered, free text within its length. Returns the
// answers as they are stored (unanswered optional questions left out; free text
// trimmed); Invalid naming the question as the field otherwise.
Result<Json> ValidateAnswers(const SurveyDefinition& survey, const Json& answers);

// Whether the (validated) answers meet the indicator's condition; nullopt when the
// respondent did not answer its question (they are left out of the share).
std::optional<bool> IndicatorHolds(const SurveyDefinition& survey, const Indicator& indicator,
                                   const Json& answers);

// The shipped default surveys (data/surveys/*.yaml), compiled in: file name and text.
struct ShippedSurvey {
  std::string_view file;
  std::string_view yaml;
};
const std::vector<ShippedSurvey>& ShippedSurveys();

// True when `date` is a real calendar date written YYYY-MM-DD.
bool ValidDate(std::string_view date);

// ---- Repeated-submission limiting and form tokens (submission_guard.cc) ----

// Held in memory only, never persisted. Form tokens prove that a submission
// comes from a survey page this server handed out recently (there is no session
// to carry a CSRF token). The rate limit counts submissions per access code and
// network address under a salted hash: the salt is random per process and never
// leaves memory, so the counts cannot be turned back into addresses, and they
// vanish with the window. Safe for concurrent use.
class SubmissionGuard {
 public:
  // At most `max_per_window` submissions per code and address in `window_seconds`.
  // A classroom shares one address, so the default allows a large class.
  explicit SubmissionGuard(int max_per_window = 60, int64_t window_seconds = 600);

  // A token for one load of the page of `code`, valid for `kFormTokenSeconds`: it
  // carries a random nonce, so every load gets its own.
  std::string IssueFormToken(std::string_view code, int64_t now) const;
  // Invalid("…reload the page…", "form_token") when the token is missing, forged,
  // for another code, or older than kFormTokenSeconds.
  Result<void> CheckFormToken(std::string_view code, std::string_view token, int64_t now) const;
  // CheckFormToken, then marks the token spent, so that one page load sends one set
  // of answers: Invalid("…already sent…") the second time. A submission that then
  // fails (an answer missing) gives it back with RefundFormToken, so the child can
  // correct the answer and send again from the same page.
  Result<void> SpendFormToken(std::string_view code, std::string_view token, int64_t now);
  void RefundFormToken(std::string_view token);
  // Counts one submission; Throttled when this code and address are over the limit.
  Result<void> Admit(std::string_view code, std::string_view remote_ip, int64_t now);

  static constexpr int64_t kFormTokenSeconds = 4 * 3600;

 private:
  int max_per_window_;
  int64_t window_seconds_;
  unsigned char token_key_[32];
  unsigned char salt_[16];
  std::mutex mutex_;
  std::map<std::string, std::deque<int64_t>> recent_;  // salted hash -> submission times
  std::map<std::string, int64_t> spent_;               // spent token -> when it would have expired
};

// ---- The surveys, their settings, responses, results (survey_store.cc, results.cc) ----

using access::Principal;

// The name of the cookie that marks a device as having answered `survey_id`. Its
// value is the same for every device ("1"), so it identifies no one.
std::string DoneCookieName(int64_t survey_id);

class Surveys {
 public:
  explicit Surveys(store::Database& db) : db_(db) {}

  // Partnership admins and leads: a new survey (status "draft") from YAML, or from
  // a shipped definition by key. Invalid with FILE:LINE: reasons for a bad file.
  Result<Json> Create(const Principal& who, std::string_view yaml, std::string_view file_name);
  Result<Json> CreateShipped(const Principal& who, std::string_view key);
  // Every survey the caller may see, newest first, with response counts in scope.
  Result<Json> List(const Principal& who);
  // One survey with its questions, indicators and the settings (with their codes)
  // the caller may see. Board members see no settings.
  Result<Json> Get(const Principal& who, int64_t id);
  // Partnership admins and leads: status (draft, open, closed), opens_on, closes_on.
  Result<Json> Update(const Principal& who, int64_t id, const Json& body);
  // A setting (an agency, optionally one of its sites) with a new random access
  // code. Managers for any agency; an agency officer for their own. Conflict when
  // the setting already has a code for this survey.
  Result<Json> AddSetting(const Principal& who, int64_t survey_id, const Json& body);

  // Counts per setting and age band, and in total, over the settings the caller
  // may read: partnership roles all, agency officers and agency auditors their
  // own. Cells below the survey's threshold show only that they are suppressed;
  // free text appears only in cells at or above it. Board members and agency
  // staff: Forbidden.
  Result<Json> Results(const Principal& who, int64_t survey_id);
  Result<std::string> ResultsCsv(const Principal& who, int64_t survey_id);
  Result<std::string> ResultsXlsx(const Principal& who, int64_t survey_id);

  // Each indicator per age band and survey year: respondents, count, percent;
  // suppressed below the threshold. Over every setting for partnership roles and
  // board members, over their own agency's for agency roles.
  Result<Json> Indicators(const Principal& who);
  Result<std::string> IndicatorsCsv(const Principal& who);
  Result<std::string> IndicatorsXlsx(const Principal& who);

  // ---- public, no account ----
  // The survey behind `code` for its page: title, intro, questions, setting name.
  // NotFound for an unknown code; Conflict when the survey is not open on `today`.
  Result<Json> PublicSurvey(std::string_view code, std::string_view today);
  // Validates and stores one response; returns {survey_id, thanks}. NotFound,
  // Conflict (not open) or Invalid (an answer out of range, a required one missing).
  Result<Json> Submit(std::string_view code, const Json& answers, std::string_view today);

  // For the demo and tests: stores validated answers for a setting directly, as
  // if sent on `day`, whatever the survey's status.
  Result<void> RecordResponse(int64_t setting_id, const Json& answers, std::string_view day);

 private:
  store::Database& db_;
};

// The demonstration surveys: last year's (closed) and this year's (open) 8-11
// survey at two settings, with responses, so the year-on-year chart shows a
// change. False when surveys already exist or there is no demo directory.
Result<bool> LoadSurveysDemo(store::Database& db);

}  // namespace esafe::surveys
