-- Plan (src/plan/retention.h): the retention schedule per record type, legal holds,
-- and the append-only record of what a person confirmed was done with each due record.
-- Periods are defaults only — the partnership sets its own (see retention_job.cc).

CREATE TABLE retention_schedule (
  record_type TEXT PRIMARY KEY,
  months BIGINT NOT NULL,
  trigger_field TEXT NOT NULL,
  basis TEXT NOT NULL,
  updated_by TEXT,
  updated_at TEXT
);
-- esafe:rows 0007_retention_schedule.yaml
CREATE TABLE retention_holds (
  id {ID},
  record_type TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  reason TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL,
  released_by TEXT,
  released_at TEXT,
  release_reason TEXT
);
CREATE INDEX retention_holds_record ON retention_holds (record_type, record_id);
CREATE TABLE retention_actions (
  id {ID},
  record_type TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  action TEXT NOT NULL,
  due_on TEXT NOT NULL,
  extended_until TEXT,
  note TEXT NOT NULL,
  done_by TEXT NOT NULL,
  done_at TEXT NOT NULL
);
CREATE INDEX retention_actions_record ON retention_actions (record_type, record_id);

-- esafe:append-only retention_actions 'retention actions are append-only'
