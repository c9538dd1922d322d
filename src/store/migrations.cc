// The schema, as numbered migrations applied in order at start. A migration is
// never edited once released; a change is a new migration. Timestamps are
// ISO 8601 UTC text; booleans are 0/1 integers; lists are comma-separated text.
#include <set>

#include <fmt/format.h>

#include "core/clock.h"
#include "store/database.h"

namespace esafe::store {
namespace {

struct Migration {
  int64_t version;
  const char* name;
  const char* common;    // both dialects, after token expansion
  const char* sqlite;    // SQLite only
  const char* postgres;  // PostgreSQL only
};

constexpr Migration kMigrations[] = {
    {1, "directory and access",
     R"sql(
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
)sql",
     R"sql(
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql",
     R"sql(
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
)sql"},
    {2, "incident log",
     R"sql(
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
)sql",
     R"sql(
CREATE TRIGGER incident_events_no_update BEFORE UPDATE ON incident_events
BEGIN SELECT RAISE(ABORT, 'the incident chronology is append-only'); END;
CREATE TRIGGER incident_events_no_delete BEFORE DELETE ON incident_events
BEGIN SELECT RAISE(ABORT, 'the incident chronology is append-only'); END;
CREATE TRIGGER incident_custody_no_update BEFORE UPDATE ON incident_custody
BEGIN SELECT RAISE(ABORT, 'the chain of custody is append-only'); END;
CREATE TRIGGER incident_custody_no_delete BEFORE DELETE ON incident_custody
BEGIN SELECT RAISE(ABORT, 'the chain of custody is append-only'); END;
CREATE TRIGGER flowchart_versions_no_update BEFORE UPDATE ON flowchart_versions
BEGIN SELECT RAISE(ABORT, 'a published flowchart version is never changed'); END;
CREATE TRIGGER flowchart_versions_no_delete BEFORE DELETE ON flowchart_versions
BEGIN SELECT RAISE(ABORT, 'a published flowchart version is never changed'); END;
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN SELECT RAISE(ABORT, 'incident records are never deleted; withdraw them instead'); END;
CREATE TRIGGER incident_people_no_delete BEFORE DELETE ON incident_people
BEGIN SELECT RAISE(ABORT, 'incident records are never deleted'); END;
CREATE TRIGGER incident_actions_no_delete BEFORE DELETE ON incident_actions
BEGIN SELECT RAISE(ABORT, 'incident records are never deleted'); END;
CREATE TRIGGER incident_referrals_no_delete BEFORE DELETE ON incident_referrals
BEGIN SELECT RAISE(ABORT, 'incident records are never deleted'); END;
CREATE TRIGGER incident_shares_no_delete BEFORE DELETE ON incident_shares
BEGIN SELECT RAISE(ABORT, 'incident records are never deleted'); END;
CREATE TRIGGER incident_evidence_no_delete BEFORE DELETE ON incident_evidence
BEGIN SELECT RAISE(ABORT, 'incident records are never deleted'); END;
CREATE TRIGGER incident_reviews_no_delete BEFORE DELETE ON incident_reviews
BEGIN SELECT RAISE(ABORT, 'incident records are never deleted'); END;
)sql",
     R"sql(
CREATE FUNCTION incident_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the incident chronology is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION incident_never_deleted() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'incident records are never deleted'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incident_events_no_change BEFORE UPDATE OR DELETE ON incident_events
FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incident_custody_no_change BEFORE UPDATE OR DELETE ON incident_custody
FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER flowchart_versions_no_change BEFORE UPDATE OR DELETE ON flowchart_versions
FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
FOR EACH ROW EXECUTE FUNCTION incident_never_deleted();
CREATE TRIGGER incident_people_no_delete BEFORE DELETE ON incident_people
FOR EACH ROW EXECUTE FUNCTION incident_never_deleted();
CREATE TRIGGER incident_actions_no_delete BEFORE DELETE ON incident_actions
FOR EACH ROW EXECUTE FUNCTION incident_never_deleted();
CREATE TRIGGER incident_referrals_no_delete BEFORE DELETE ON incident_referrals
FOR EACH ROW EXECUTE FUNCTION incident_never_deleted();
CREATE TRIGGER incident_shares_no_delete BEFORE DELETE ON incident_shares
FOR EACH ROW EXECUTE FUNCTION incident_never_deleted();
CREATE TRIGGER incident_evidence_no_delete BEFORE DELETE ON incident_evidence
FOR EACH ROW EXECUTE FUNCTION incident_never_deleted();
CREATE TRIGGER incident_reviews_no_delete BEFORE DELETE ON incident_reviews
FOR EACH ROW EXECUTE FUNCTION incident_never_deleted();
)sql"},
    // 3: enforce (src/enforce/site_profiles.h). A site's filtering profile, so that the
    // enforcement points map the site's ip_ranges to it.
    {3, "filtering: profile per site",
     R"sql(
CREATE TABLE filter_site_profiles (
  site_id BIGINT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
  profile TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
)sql",
     "", ""},
    {4, "standards: audit templates, rounds and returns",
     R"sql(
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
)sql",
     "", ""},
    {5, "plan: action plan, training register, disclosure requests",
     R"sql(
CREATE TABLE plan_strands (
  id {ID},
  name TEXT NOT NULL,
  position BIGINT NOT NULL DEFAULT 0,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX plan_strands_name_unique ON plan_strands (lower(name));
INSERT INTO plan_strands (name, position, created_at, updated_at) VALUES
  ('Strategy group', 1, '2009-01-01T00:00:00Z', '2009-01-01T00:00:00Z'),
  ('Policies, procedures and practices', 2, '2009-01-01T00:00:00Z', '2009-01-01T00:00:00Z'),
  ('Education, training and information', 3, '2009-01-01T00:00:00Z', '2009-01-01T00:00:00Z'),
  ('Infrastructure and technology', 4, '2009-01-01T00:00:00Z', '2009-01-01T00:00:00Z'),
  ('Inspection and standards', 5, '2009-01-01T00:00:00Z', '2009-01-01T00:00:00Z');

CREATE TABLE plan_objectives (
  id {ID},
  strand_id BIGINT NOT NULL REFERENCES plan_strands (id),
  title TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX plan_objectives_title_unique ON plan_objectives (strand_id, lower(title));

CREATE TABLE plan_actions (
  id {ID},
  objective_id BIGINT NOT NULL REFERENCES plan_objectives (id),
  title TEXT NOT NULL,
  method TEXT,
  lead_agency_id BIGINT REFERENCES agencies (id),
  lead_person_id BIGINT REFERENCES people (id),
  lead TEXT,
  timescale TEXT,
  due_date TEXT,
  success_measure TEXT,
  status TEXT NOT NULL,
  source TEXT,
  source_ref TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX plan_actions_objective ON plan_actions (objective_id);

CREATE TABLE plan_progress (
  id {ID},
  action_id BIGINT NOT NULL REFERENCES plan_actions (id),
  at TEXT NOT NULL,
  user_id BIGINT,
  username TEXT,
  status TEXT,
  note TEXT NOT NULL
);
CREATE INDEX plan_progress_action ON plan_progress (action_id);

CREATE TABLE training_matrix (
  audience TEXT NOT NULL,
  focus TEXT NOT NULL,
  required BIGINT NOT NULL,
  PRIMARY KEY (audience, focus)
);
-- Seeds 004 Section 4, the matrix approach to identifying training needs.
INSERT INTO training_matrix (audience, focus, required) VALUES
  ('children', 'e-safety awareness', 1),
  ('children', 'technical awareness', 1),
  ('children', 'assessing risks to children', 0),
  ('children', 'assessing risks posed by adults', 0),
  ('children', 'other safeguarding links', 0),
  ('children', 'refresher', 1),
  ('parents', 'e-safety awareness', 1),
  ('parents', 'technical awareness', 1),
  ('parents', 'assessing risks to children', 0),
  ('parents', 'assessing risks posed by adults', 0),
  ('parents', 'other safeguarding links', 0),
  ('parents', 'refresher', 1),
  ('those who work with children', 'e-safety awareness', 1),
  ('those who work with children', 'technical awareness', 1),
  ('those who work with children', 'assessing risks to children', 1),
  ('those who work with children', 'assessing risks posed by adults', 1),
  ('those who work with children', 'other safeguarding links', 1),
  ('those who work with children', 'refresher', 1),
  ('those who work with adults', 'e-safety awareness', 1),
  ('those who work with adults', 'technical awareness', 1),
  ('those who work with adults', 'assessing risks to children', 1),
  ('those who work with adults', 'assessing risks posed by adults', 1),
  ('those who work with adults', 'other safeguarding links', 1),
  ('those who work with adults', 'refresher', 1),
  ('those who work with technology', 'e-safety awareness', 1),
  ('those who work with technology', 'technical awareness', 1),
  ('those who work with technology', 'assessing risks to children', 0),
  ('those who work with technology', 'assessing risks posed by adults', 0),
  ('those who work with technology', 'other safeguarding links', 1),
  ('those who work with technology', 'refresher', 1),
  ('leaders / managers / strategists', 'e-safety awareness', 1),
  ('leaders / managers / strategists', 'technical awareness', 1),
  ('leaders / managers / strategists', 'assessing risks to children', 0),
  ('leaders / managers / strategists', 'assessing risks posed by adults', 0),
  ('leaders / managers / strategists', 'other safeguarding links', 1),
  ('leaders / managers / strategists', 'refresher', 1);
CREATE TABLE training_courses (
  id {ID},
  title TEXT NOT NULL,
  provider TEXT NOT NULL,
  audiences TEXT,
  focuses TEXT,
  refresher_months BIGINT,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX training_courses_title_unique ON training_courses (lower(title));
CREATE TABLE training_sessions (
  id {ID},
  course_id BIGINT NOT NULL REFERENCES training_courses (id),
  agency_id BIGINT REFERENCES agencies (id),
  held_on TEXT NOT NULL,
  venue TEXT,
  trainer TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE training_attendance (
  id {ID},
  session_id BIGINT NOT NULL REFERENCES training_sessions (id),
  person_id BIGINT NOT NULL REFERENCES people (id),
  recorded_at TEXT NOT NULL,
  recorded_by TEXT
);
CREATE UNIQUE INDEX training_attendance_unique ON training_attendance (session_id, person_id);
CREATE INDEX training_attendance_person ON training_attendance (person_id);
CREATE TABLE training_audience (
  person_id BIGINT PRIMARY KEY REFERENCES people (id),
  audience TEXT NOT NULL
);

CREATE TABLE disclosure_requests (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  requesting_body TEXT NOT NULL,
  investigating_officer TEXT NOT NULL,
  authorising_officer TEXT NOT NULL,
  notice_reference TEXT NOT NULL,
  requested_data TEXT NOT NULL,
  received_on TEXT NOT NULL,
  deadline TEXT NOT NULL,
  office_contacted TEXT,
  contacted_on TEXT,
  confirmed_by TEXT,
  validation_recorded_by TEXT,
  provided TEXT,
  provided_on TEXT,
  exactly_as_requested BIGINT,
  evidence_ref TEXT,
  copy_kept_at TEXT,
  response_recorded_by TEXT,
  created_by BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE disclosure_handlers (
  request_id BIGINT NOT NULL REFERENCES disclosure_requests (id),
  user_id BIGINT NOT NULL REFERENCES users (id),
  PRIMARY KEY (request_id, user_id)
);
)sql",
     R"sql(
CREATE TRIGGER plan_progress_no_update BEFORE UPDATE ON plan_progress
BEGIN SELECT RAISE(ABORT, 'progress updates are append-only'); END;
CREATE TRIGGER plan_progress_no_delete BEFORE DELETE ON plan_progress
BEGIN SELECT RAISE(ABORT, 'progress updates are append-only'); END;
)sql",
     R"sql(
CREATE FUNCTION plan_progress_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'progress updates are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER plan_progress_no_change BEFORE UPDATE OR DELETE ON plan_progress
FOR EACH ROW EXECUTE FUNCTION plan_progress_append_only();
)sql"},
    // Review requests from the block page, and the database's per-agency filtering
    // overrides as numbered versions. A version holds an agency's complete set of entries
    // as of that change, so any past state can be read back; versions are append-only.
    {6, "filtering: review requests and override versions",
     R"sql(
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
)sql",
     R"sql(
CREATE TRIGGER filter_override_versions_no_update BEFORE UPDATE ON filter_override_versions
BEGIN SELECT RAISE(ABORT, 'override versions are append-only'); END;
CREATE TRIGGER filter_override_versions_no_delete BEFORE DELETE ON filter_override_versions
BEGIN SELECT RAISE(ABORT, 'override versions are append-only'); END;
CREATE TRIGGER filter_override_entries_no_update BEFORE UPDATE ON filter_override_entries
BEGIN SELECT RAISE(ABORT, 'override versions are append-only'); END;
CREATE TRIGGER filter_override_entries_no_delete BEFORE DELETE ON filter_override_entries
BEGIN SELECT RAISE(ABORT, 'override versions are append-only'); END;
)sql",
     R"sql(
CREATE FUNCTION filter_overrides_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'override versions are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER filter_override_versions_no_change BEFORE UPDATE OR DELETE ON filter_override_versions
FOR EACH ROW EXECUTE FUNCTION filter_overrides_append_only();
CREATE TRIGGER filter_override_entries_no_change BEFORE UPDATE OR DELETE ON filter_override_entries
FOR EACH ROW EXECUTE FUNCTION filter_overrides_append_only();
)sql"},
    // 7: plan (src/plan/retention.h). The retention schedule per record type, legal holds,
    // and the append-only record of what a person confirmed was done with each due record.
    // Periods are defaults only — the partnership sets its own (see retention_job.cc).
    {7, "plan: retention schedule, legal holds, retention actions",
     R"sql(
CREATE TABLE retention_schedule (
  record_type TEXT PRIMARY KEY,
  months BIGINT NOT NULL,
  trigger_field TEXT NOT NULL,
  basis TEXT NOT NULL,
  updated_by TEXT,
  updated_at TEXT
);
INSERT INTO retention_schedule (record_type, months, trigger_field, basis) VALUES
  ('incident', 72, 'closed_at', 'default, the partnership sets its own: review six years after closure'),
  ('training_attendance', 72, 'recorded_at', 'default, the partnership sets its own: six years after attendance was recorded'),
  ('disclosure_request', 24, 'provided_on', 'default, the partnership sets its own: two years after the response (or receipt when none)');
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
)sql",
     R"sql(
CREATE TRIGGER retention_actions_no_update BEFORE UPDATE ON retention_actions
BEGIN SELECT RAISE(ABORT, 'retention actions are append-only'); END;
CREATE TRIGGER retention_actions_no_delete BEFORE DELETE ON retention_actions
BEGIN SELECT RAISE(ABORT, 'retention actions are append-only'); END;
)sql",
     R"sql(
CREATE FUNCTION retention_actions_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'retention actions are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER retention_actions_no_change BEFORE UPDATE OR DELETE ON retention_actions
FOR EACH ROW EXECUTE FUNCTION retention_actions_append_only();
)sql"},
    {8, "monitoring: alerts, their events by reference, state history, e-mail recipients",
     R"sql(
CREATE TABLE monitoring_alerts (
  id {ID},
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_rank BIGINT NOT NULL,
  agency_id BIGINT REFERENCES agencies (id),
  agency_key TEXT NOT NULL,
  site TEXT NOT NULL,
  client TEXT NOT NULL,
  user_ref TEXT NOT NULL,
  subject TEXT NOT NULL,
  incident_category TEXT NOT NULL,
  summary TEXT NOT NULL,
  detail TEXT NOT NULL,
  first_event_at TEXT NOT NULL,
  last_event_at TEXT NOT NULL,
  event_count BIGINT NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT,
  incident_id BIGINT REFERENCES incidents (id),
  notified_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX monitoring_alerts_agency_state ON monitoring_alerts (agency_id, state);
CREATE INDEX monitoring_alerts_unsent ON monitoring_alerts (notified_at, state);

CREATE TABLE monitoring_alert_events (
  alert_id BIGINT NOT NULL REFERENCES monitoring_alerts (id),
  ordinal BIGINT NOT NULL,
  event_time_us BIGINT NOT NULL,
  client TEXT NOT NULL,
  stream_position BIGINT NOT NULL,
  PRIMARY KEY (alert_id, ordinal)
);

CREATE TABLE monitoring_alert_history (
  id {ID},
  alert_id BIGINT NOT NULL REFERENCES monitoring_alerts (id),
  at TEXT NOT NULL,
  user_id BIGINT,
  username TEXT,
  from_state TEXT,
  to_state TEXT NOT NULL,
  reason TEXT
);
CREATE INDEX monitoring_alert_history_alert ON monitoring_alert_history (alert_id);

CREATE TABLE monitoring_recipients (
  id {ID},
  agency_id BIGINT REFERENCES agencies (id),
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX monitoring_recipients_agency ON monitoring_recipients (agency_id);
)sql",
     R"sql(
CREATE TRIGGER monitoring_alert_history_no_update BEFORE UPDATE ON monitoring_alert_history
BEGIN SELECT RAISE(ABORT, 'alert history is append-only'); END;
CREATE TRIGGER monitoring_alert_history_no_delete BEFORE DELETE ON monitoring_alert_history
BEGIN SELECT RAISE(ABORT, 'alert history is append-only'); END;
)sql",
     R"sql(
CREATE FUNCTION monitoring_alert_history_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'alert history is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER monitoring_alert_history_no_change BEFORE UPDATE OR DELETE ON monitoring_alert_history
FOR EACH ROW EXECUTE FUNCTION monitoring_alert_history_append_only();
)sql"},
    // 9: standards (src/standards/risk_assessment.cc). Each site's infrastructure risk
    // assessment (seeds 004 Section 3, the HSE five steps); every review is a new version.
    {9, "standards: infrastructure risk assessments per site",
     R"sql(
CREATE TABLE site_risk_assessments (
  id {ID},
  site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  version BIGINT NOT NULL,
  assessment TEXT NOT NULL,
  review_date TEXT NOT NULL,
  assessed_by TEXT NOT NULL,
  assessed_at TEXT NOT NULL
);
CREATE UNIQUE INDEX site_risk_assessments_version ON site_risk_assessments (site_id, version);
)sql",
     "", ""},
    // 10: young people's surveys (src/surveys). A response is anonymous by construction:
    // the survey, the setting, the age band, the survey's year, the day it was sent (no
    // time) and the answers; no account, IP address, user agent or device token.
    {10, "surveys: definitions, settings with access codes, anonymous responses",
     R"sql(
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
)sql",
     "", ""},
    // 11: plan (src/plan/aup_register.cc). Acceptable-use policies per agency and user
    // group, their versions (draft, current, retired) and who accepted which version, how;
    // the retention schedule also covers AUP acceptances and audit returns, and each daily
    // run of the retention job is recorded.
    {11, "plan: acceptable-use policies, versions, acceptances; retention of acceptances and audit returns",
     R"sql(
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
INSERT INTO retention_schedule (record_type, months, trigger_field, basis) VALUES
  ('aup_acceptance', 72, 'retired_at', 'default, the partnership sets its own: six years after the version accepted was replaced'),
  ('audit_returns', 72, 'deadline', 'default, the partnership sets its own: six years after the audit round''s deadline');
)sql",
     "", ""},
    // 12: monitoring (src/monitoring/alert_log.cc). An alert is recorded once: a rerun of
    // `esafe monitor run` over the same stretch of log, or over events the live monitor
    // already evaluated, finds its fingerprint taken. Alerts from before have none.
    {12, "monitoring: alerts recorded once, by fingerprint",
     R"sql(
ALTER TABLE monitoring_alerts ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX monitoring_alerts_fingerprint ON monitoring_alerts (fingerprint);
)sql",
     "", ""},
    // 13: incidents (src/incidents). Whether the incident may involve illegal material,
    // from the flowchart outcome reached (Annex B Chart 3): no evidence file is then
    // accepted, whatever the category. Incidents recorded before are marked from their
    // category, and from the version 1 outcomes that the version 2 flowcharts flag
    // (issue 16: e-mail 'possibly illegal', sexual images shared, staff and illegal
    // material, a disclosure of abuse or grooming, extremist material); an unfinished
    // walk is marked, since every version 1 chart could still reach such an outcome.
    {13, "incidents: illegal material flag from the flowchart outcome",
     R"sql(
ALTER TABLE incidents ADD COLUMN illegal_material INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET illegal_material = 1
  WHERE category IN ('accidental_illegal', 'deliberate_illegal', 'self_generated_images')
     OR flowchart_key = 'suspected-illegal-content'
     OR (flowchart_key IS NOT NULL AND flowchart_outcome IS NULL)
     OR (flowchart_key = 'suspicious-email' AND flowchart_outcome = 'illegal')
     OR (flowchart_key = 'cyberbullying' AND flowchart_outcome = 'sexual_images_shared')
     OR (flowchart_key = 'staff-misuse' AND flowchart_outcome IN ('illegal_by_staff', 'illegal_by_infrastructure_staff'))
     OR (flowchart_key = 'child-discloses-abuse' AND flowchart_outcome IN ('abuse', 'grooming'))
     OR (flowchart_key = 'inappropriate-content-child' AND flowchart_outcome = 'extremist');
)sql",
     "", ""},
    // 14: access (src/access/accounts.cc, sessions.cc, totp.cc). Account management: an
    // administrator's password reset must be changed at next sign-in; a TOTP second factor
    // (its secret, a secret awaiting confirmation, and the last time step accepted, so a
    // code is never accepted twice); demo accounts, suspended while the server runs without
    // --demo; the last sign-in. Sessions get an opaque public id (never the token) and the
    // browser's user agent, so people can see and end them. The demo accounts made before
    // this migration are recognised by their names and the one hash they share.
    {14, "access: disable, password reset, TOTP, demo accounts, session ids",
     R"sql(
ALTER TABLE users ADD COLUMN demo BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN demo_suspended BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login_at TEXT;
UPDATE users SET demo = 1
  WHERE lower(username) IN ('admin', 'library.eslo', 'riverside.eslo', 'lead', 'board')
    AND password_hash IN (SELECT password_hash FROM users
                          WHERE lower(username) IN ('admin', 'library.eslo', 'riverside.eslo', 'lead', 'board')
                          GROUP BY password_hash HAVING COUNT(*) >= 3);
ALTER TABLE sessions ADD COLUMN public_id TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
)sql",
     R"sql(
UPDATE sessions SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);
)sql",
     R"sql(
UPDATE sessions SET public_id = md5(random()::text || token_hash);
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);
)sql"},
    // Lists of people page in the order of this index (by name, then id): without it
    // each page of 100,000 people sorted them all again.
    {15, "directory: people in name order",
     R"sql(
CREATE INDEX people_name ON people (lower(full_name), id);
)sql",
     "", ""},
};

std::string Expand(std::string sql, Dialect d) {
  auto replace_all = [&](std::string_view token, std::string_view with) {
    for (size_t pos; (pos = sql.find(token)) != std::string::npos;) sql.replace(pos, token.size(), with);
  };
  replace_all("{ID}", d == Dialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  return sql;
}

}  // namespace

Result<int64_t> Migrate(Database& db) {
  return db.Transaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    if (c.dialect() == Dialect::kPostgres) {
      // Two servers starting together must not both migrate.
      ESAFE_TRY(c.ExecuteScript("SELECT pg_advisory_xact_lock(4242001)"));
    }
    ESAFE_TRY(c.ExecuteScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"));
    // Each migration not yet applied is applied, in order, even when a later
    // one was applied first (migrations written on branches land in any order).
    auto rows = c.Query("SELECT version FROM schema_migrations");
    if (!rows.ok()) return rows.error();
    std::set<int64_t> applied;
    for (const auto& r : *rows) applied.insert(r.Int("version"));
    int64_t current = applied.empty() ? 0 : *applied.rbegin();
    for (const auto& m : kMigrations) {
      if (applied.count(m.version)) continue;
      std::string sql = Expand(m.common, c.dialect());
      sql += c.dialect() == Dialect::kSqlite ? m.sqlite : m.postgres;
      auto done = c.ExecuteScript(sql);
      if (!done.ok()) {
        return Error::Internal(fmt::format("migration {} ({}) failed: {}", m.version, m.name, done.error().message));
      }
      ESAFE_TRY(c.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                          {m.version, std::string(m.name), clock::NowIso8601()}));
      current = std::max(current, m.version);
    }
    return current;
  });
}

Result<std::vector<std::string>> PendingMigrations(Connection& c) {
  auto rows = c.Query("SELECT version FROM schema_migrations");
  if (!rows.ok()) return rows.error();
  std::set<int64_t> applied;
  for (const auto& r : *rows) applied.insert(r.Int("version"));
  std::vector<std::string> pending;
  for (const auto& m : kMigrations) {
    if (!applied.count(m.version)) pending.push_back(fmt::format("{} {}", m.version, m.name));
  }
  return pending;
}

Result<std::unique_ptr<Database>> Open(std::string_view url, int max_readers) {
  Result<std::unique_ptr<Connection>> conn = Error::Invalid("unset");
  Database::Opener open_reader;
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.empty()) return Error::Invalid("--db sqlite: needs a file path, e.g. sqlite:var/esafe.db", "db");
    conn = OpenSqlite(path);
    // An in-memory database exists only in its one connection: a reader would open another, empty.
    if (path == ":memory:" || path.starts_with("file::memory:")) {
      max_readers = 0;
    } else {
      open_reader = [path] { return OpenSqliteReader(path); };
    }
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    conn = OpenPostgres(std::string(url));
    open_reader = [conninfo = std::string(url)] { return OpenPostgresReader(conninfo); };
  } else {
    return Error::Invalid("--db must be sqlite:PATH or postgresql://…", "db");
  }
  if (!conn.ok()) return conn.error();
  auto db = std::make_unique<Database>(std::move(conn.value()), std::move(open_reader), max_readers);
  auto migrated = Migrate(*db);
  if (!migrated.ok()) return migrated.error();
  return db;
}

}  // namespace esafe::store
