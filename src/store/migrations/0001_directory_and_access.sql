-- The directory (agencies, sites, access locations, people) and access (accounts,
-- sessions, sign-in attempts, the append-only audit trail).

CREATE TABLE agencies (
  id {ID},
  name TEXT NOT NULL,
  sector TEXT NOT NULL,
  membership_type TEXT NOT NULL,
  address TEXT,
  phone TEXT,
  email TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX agencies_name_unique ON agencies (lower(name));

CREATE TABLE sites (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  name TEXT NOT NULL,
  site_type TEXT NOT NULL,
  address TEXT,
  postcode TEXT,
  ip_ranges TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sites_name_unique ON sites (agency_id, lower(name));

CREATE TABLE access_locations (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  site_id BIGINT NOT NULL REFERENCES sites (id),
  name TEXT NOT NULL,
  access_type TEXT NOT NULL,
  device_count BIGINT,
  age_groups TEXT,
  equipment_owner TEXT NOT NULL,
  connection_provider TEXT,
  filtering_provider TEXT,
  filtering_accredited BIGINT,
  monitoring_in_place BIGINT,
  last_reviewed TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX access_locations_site ON access_locations (site_id);
CREATE UNIQUE INDEX access_locations_name_unique ON access_locations (site_id, lower(name));

CREATE TABLE people (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  full_name TEXT NOT NULL,
  job_title TEXT,
  email TEXT,
  phone TEXT,
  esafety_role TEXT NOT NULL,
  subgroup_role TEXT NOT NULL,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX people_agency ON people (agency_id);

CREATE TABLE users (
  id {ID},
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  agency_id BIGINT REFERENCES agencies (id),
  disabled BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_unique ON users (lower(username));

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  ip TEXT,
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE login_attempts (
  id {ID},
  username TEXT NOT NULL,
  ip TEXT NOT NULL,
  at BIGINT NOT NULL,
  succeeded BIGINT NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE audit_events (
  id {ID},
  at TEXT NOT NULL,
  user_id BIGINT,
  username TEXT,
  role TEXT,
  agency_id BIGINT,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT,
  summary TEXT,
  ip TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);

-- esafe:append-only audit_events 'the audit trail is append-only'
