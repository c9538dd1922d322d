-- Young people's surveys (src/surveys). A response is anonymous by construction:
-- the survey, the setting, the age band, the survey's year, the day it was sent (no
-- time) and the answers; no account, IP address, user agent or device token.

CREATE TABLE surveys (
  id {ID},
  survey_key TEXT NOT NULL,
  title TEXT NOT NULL,
  age_band TEXT NOT NULL,
  definition TEXT NOT NULL,
  status TEXT NOT NULL,
  opens_on TEXT NOT NULL,
  closes_on TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE survey_settings (
  id {ID},
  survey_id BIGINT NOT NULL REFERENCES surveys (id),
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  site_id BIGINT REFERENCES sites (id) ON DELETE SET NULL,
  label TEXT NOT NULL,
  access_code TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX survey_settings_code ON survey_settings (access_code);
CREATE INDEX survey_settings_survey ON survey_settings (survey_id, agency_id);
CREATE TABLE survey_responses (
  id {ID},
  survey_id BIGINT NOT NULL REFERENCES surveys (id),
  setting_id BIGINT NOT NULL REFERENCES survey_settings (id),
  age_band TEXT NOT NULL,
  year BIGINT NOT NULL,
  submitted_day TEXT NOT NULL,
  answers TEXT NOT NULL
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, setting_id);
