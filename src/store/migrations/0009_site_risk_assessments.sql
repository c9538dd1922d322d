-- Standards (src/standards/risk_assessment.cc): each site's infrastructure risk
-- assessment (seeds 004 Section 3, the HSE five steps); every review is a new version.

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
