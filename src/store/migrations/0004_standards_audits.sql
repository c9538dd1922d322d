-- Standards: audit templates, rounds and returns.

CREATE TABLE audit_templates (
  id {ID},
  key TEXT NOT NULL,
  version BIGINT NOT NULL,
  title TEXT NOT NULL,
  yaml TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_templates_version_unique ON audit_templates (key, version);

CREATE TABLE audit_rounds (
  id {ID},
  title TEXT NOT NULL,
  year BIGINT NOT NULL,
  template_id BIGINT NOT NULL REFERENCES audit_templates (id),
  deadline TEXT NOT NULL,
  opened_by TEXT NOT NULL,
  opened_at TEXT NOT NULL
);

CREATE TABLE audit_returns (
  round_id BIGINT NOT NULL REFERENCES audit_rounds (id),
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  status TEXT NOT NULL,
  answers TEXT NOT NULL,
  evidence_notes TEXT NOT NULL,
  returned_comment TEXT,
  submitted_at TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (round_id, agency_id)
);
