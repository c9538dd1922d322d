-- Monitoring: alerts, their events by reference, state history, e-mail recipients.

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

-- esafe:append-only monitoring_alert_history 'alert history is append-only'
