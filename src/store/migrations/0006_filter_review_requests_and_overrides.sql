-- Filtering: review requests from the block page, and the database's per-agency
-- filtering overrides as numbered versions. A version holds an agency's complete set of
-- entries as of that change, so any past state can be read back; versions are append-only.

CREATE TABLE filter_review_requests (
  id {ID},
  reference TEXT NOT NULL,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  profile TEXT,
  category TEXT,
  reason TEXT,
  list_version TEXT,
  client_ip TEXT,
  site_id BIGINT REFERENCES sites (id),
  agency_id BIGINT REFERENCES agencies (id),
  note TEXT,
  contact TEXT,
  requested_by BIGINT REFERENCES users (id),
  status TEXT NOT NULL,
  decided_by BIGINT REFERENCES users (id),
  decided_at TEXT,
  decision_reason TEXT,
  override_version BIGINT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX filter_review_requests_reference ON filter_review_requests (reference);
CREATE INDEX filter_review_requests_status ON filter_review_requests (status, agency_id);
CREATE INDEX filter_review_requests_client ON filter_review_requests (client_ip, created_at);

CREATE TABLE filter_override_versions (
  version {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  request_id BIGINT REFERENCES filter_review_requests (id),
  change TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE INDEX filter_override_versions_agency ON filter_override_versions (agency_id, version);
CREATE TABLE filter_override_entries (
  version BIGINT NOT NULL REFERENCES filter_override_versions (version),
  action TEXT NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (version, action, entry)
);

-- esafe:postgres-function filter_overrides_append_only 'override versions are append-only'
-- esafe:append-only filter_override_versions 'override versions are append-only' via filter_overrides_append_only
-- esafe:append-only filter_override_entries 'override versions are append-only' via filter_overrides_append_only
