-- Access (src/access/accounts.cc, sessions.cc, totp.cc): account management: an
-- administrator's password reset must be changed at next sign-in; a TOTP second factor
-- (its secret, a secret awaiting confirmation, and the last time step accepted, so a
-- code is never accepted twice); demo accounts, suspended while the server runs without
-- --demo; the last sign-in. Sessions get an opaque public id (never the token) and the
-- browser's user agent, so people can see and end them. The demo accounts made before
-- this migration are recognised by their names and the one hash they share.

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
