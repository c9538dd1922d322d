-- Lists of people page in the order of this index (by name, then id): without it
-- each page of 100,000 people sorted them all again.
CREATE INDEX people_name ON people (lower(full_name), id);
