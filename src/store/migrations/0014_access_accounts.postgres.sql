UPDATE sessions SET public_id = md5(random()::text || token_hash);
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);
