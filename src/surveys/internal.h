// Helpers shared by the survey store and the results. Internal to src/surveys.
#pragma once

#include <cstdint>
#include <string>

#include "store/database.h"
#include "surveys/surveys.h"

namespace esafe::surveys::internal {

// The survey's year: the year it opens ("2026-09-01" -> 2026). Responses are
// counted under it, so a survey that runs September to July is one year.
int64_t SurveyYear(const std::string& opens_on);

// The survey row (into `row_out` when given) and its parsed definition; NotFound
// for an unknown id.
Result<SurveyDefinition> LoadDefinition(store::Connection& c, int64_t survey_id, store::Row* row_out);

// Board members see aggregate indicators only; agency staff neither.
bool MayReadResults(const Principal& who);

}  // namespace esafe::surveys::internal
