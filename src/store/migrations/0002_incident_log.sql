-- The incident log: flowchart versions, incidents and their people, actions,
-- referrals, shares, evidence and its chain of custody, reviews, and the chronology.
-- Incident records are never deleted (they are withdrawn); the chronology, the chain
-- of custody and published flowchart versions never change.

CREATE TABLE flowchart_versions (
  id {ID},
  flowchart_key TEXT NOT NULL,
  version BIGINT NOT NULL,
  title TEXT NOT NULL,
  source TEXT NOT NULL,
  source_name TEXT,
  sha256 TEXT NOT NULL,
  published_at TEXT NOT NULL,
  published_by TEXT NOT NULL
);
CREATE UNIQUE INDEX flowchart_versions_unique ON flowchart_versions (flowchart_key, version);

CREATE TABLE incidents (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  site_id BIGINT REFERENCES sites (id),
  status TEXT NOT NULL,
  occurred_at TEXT,
  reported_at TEXT NOT NULL,
  reported_by TEXT NOT NULL,
  reported_by_user_id BIGINT,
  how_identified TEXT NOT NULL,
  category TEXT NOT NULL,
  technology TEXT,
  service TEXT,
  device_owner TEXT,
  description TEXT NOT NULL,
  risk_level TEXT,
  flowchart_key TEXT,
  flowchart_version BIGINT,
  flowchart_answers TEXT,
  flowchart_outcome TEXT,
  must_not TEXT,
  conclusion TEXT,
  outcome TEXT,
  lessons_learned TEXT,
  closed_at TEXT,
  closure_note TEXT,
  withdrawn_at TEXT,
  withdrawn_reason TEXT,
  serious BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX incidents_agency ON incidents (agency_id, reported_at);

CREATE TABLE incident_people (
  id {ID},
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  role TEXT NOT NULL,
  reference TEXT NOT NULL,
  age BIGINT,
  name TEXT,
  notes TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX incident_people_incident ON incident_people (incident_id);

CREATE TABLE incident_actions (
  id {ID},
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  position BIGINT NOT NULL,
  what TEXT NOT NULL,
  who TEXT,
  notify TEXT,
  due_at TEXT,
  required BIGINT NOT NULL,
  source TEXT NOT NULL,
  done_at TEXT,
  done_by TEXT,
  done_note TEXT,
  not_done_reason TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX incident_actions_incident ON incident_actions (incident_id);
CREATE INDEX incident_actions_due ON incident_actions (done_at, due_at);

CREATE TABLE incident_referrals (
  id {ID},
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  target TEXT NOT NULL,
  agency_id BIGINT REFERENCES agencies (id),
  referred_at TEXT NOT NULL,
  reference_number TEXT,
  contact TEXT,
  notes TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX incident_referrals_incident ON incident_referrals (incident_id);

CREATE TABLE incident_shares (
  id {ID},
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  referral_id BIGINT REFERENCES incident_referrals (id),
  shared_at TEXT NOT NULL,
  shared_by TEXT NOT NULL,
  acknowledged_at TEXT,
  acknowledged_by TEXT
);
CREATE UNIQUE INDEX incident_shares_unique ON incident_shares (incident_id, agency_id);

CREATE TABLE incident_evidence (
  id {ID},
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  what TEXT NOT NULL,
  held_where TEXT NOT NULL,
  secured_by TEXT NOT NULL,
  secured_at TEXT NOT NULL,
  sha256 TEXT,
  file_name TEXT,
  file_size BIGINT,
  file_content TEXT,
  notes TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX incident_evidence_incident ON incident_evidence (incident_id);

CREATE TABLE incident_custody (
  id {ID},
  evidence_id BIGINT NOT NULL REFERENCES incident_evidence (id),
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  at TEXT NOT NULL,
  from_holder TEXT,
  to_holder TEXT NOT NULL,
  purpose TEXT,
  recorded_by TEXT NOT NULL
);
CREATE INDEX incident_custody_evidence ON incident_custody (evidence_id);

CREATE TABLE incident_reviews (
  id {ID},
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  reason TEXT,
  why_happened TEXT,
  prevention TEXT,
  response TEXT,
  lessons TEXT,
  opened_at TEXT NOT NULL,
  opened_by TEXT NOT NULL,
  completed_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX incident_reviews_incident ON incident_reviews (incident_id);

CREATE TABLE incident_events (
  id {ID},
  incident_id BIGINT NOT NULL REFERENCES incidents (id),
  at TEXT NOT NULL,
  user_id BIGINT,
  username TEXT,
  agency_id BIGINT,
  kind TEXT NOT NULL,
  summary TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

-- esafe:postgres-function incident_append_only 'the incident chronology is append-only'
-- esafe:postgres-function incident_never_deleted 'incident records are never deleted'
-- esafe:append-only incident_events 'the incident chronology is append-only' via incident_append_only
-- esafe:append-only incident_custody 'the chain of custody is append-only' via incident_append_only
-- esafe:append-only flowchart_versions 'a published flowchart version is never changed' via incident_append_only
-- esafe:no-delete incidents 'incident records are never deleted; withdraw them instead' via incident_never_deleted
-- esafe:no-delete incident_people 'incident records are never deleted' via incident_never_deleted
-- esafe:no-delete incident_actions 'incident records are never deleted' via incident_never_deleted
-- esafe:no-delete incident_referrals 'incident records are never deleted' via incident_never_deleted
-- esafe:no-delete incident_shares 'incident records are never deleted' via incident_never_deleted
-- esafe:no-delete incident_evidence 'incident records are never deleted' via incident_never_deleted
-- esafe:no-delete incident_reviews 'incident records are never deleted' via incident_never_deleted
