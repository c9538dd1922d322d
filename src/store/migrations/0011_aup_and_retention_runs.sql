-- Plan (src/plan/aup_register.cc): acceptable-use policies per agency and user
-- group, their versions (draft, current, retired) and who accepted which version, how;
-- the retention schedule also covers AUP acceptances and audit returns, and each daily
-- run of the retention job is recorded.

CREATE TABLE aup_policies (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  user_group TEXT NOT NULL,
  title TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX aup_policies_group_unique ON aup_policies (agency_id, user_group);
CREATE TABLE aup_versions (
  id {ID},
  policy_id BIGINT NOT NULL REFERENCES aup_policies (id),
  number BIGINT NOT NULL,
  body TEXT,
  document_ref TEXT,
  effective_on TEXT NOT NULL,
  review_on TEXT NOT NULL,
  state TEXT NOT NULL,
  created_by TEXT NOT NULL,
  published_by TEXT,
  published_at TEXT,
  retired_by TEXT,
  retired_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX aup_versions_number_unique ON aup_versions (policy_id, number);
CREATE TABLE aup_acceptances (
  id {ID},
  version_id BIGINT NOT NULL REFERENCES aup_versions (id),
  person_id BIGINT REFERENCES people (id),
  user_id BIGINT REFERENCES users (id),
  subject_reference TEXT,
  accepted_on TEXT NOT NULL,
  method TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX aup_acceptances_version ON aup_acceptances (version_id);
CREATE INDEX aup_acceptances_person ON aup_acceptances (person_id);
CREATE TABLE retention_runs (
  id {ID},
  ran_at TEXT NOT NULL,
  ran_by TEXT NOT NULL,
  due BIGINT NOT NULL,
  held BIGINT NOT NULL
);
-- esafe:rows 0011_retention_schedule.yaml
