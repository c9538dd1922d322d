-- Filtering (src/enforce/site_profiles.h): a site's filtering profile, so that the
-- enforcement points map the site's ip_ranges to it.

CREATE TABLE filter_site_profiles (
  site_id BIGINT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
  profile TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
