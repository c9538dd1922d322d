-- Plan: action plan, training register, disclosure requests. The strands are Annex G's
-- five; the training matrix is Seeds 004 Section 4's.

CREATE TABLE plan_strands (
  id {ID},
  name TEXT NOT NULL,
  position BIGINT NOT NULL DEFAULT 0,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX plan_strands_name_unique ON plan_strands (lower(name));
-- esafe:rows 0005_plan_strands.yaml

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
-- esafe:rows 0005_training_matrix.yaml
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

-- esafe:append-only plan_progress 'progress updates are append-only'
