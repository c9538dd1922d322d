-- Monitoring (src/monitoring/alert_log.cc): an alert is recorded once: a rerun of
-- `esafe monitor run` over the same stretch of log, or over events the live monitor
-- already evaluated, finds its fingerprint taken. Alerts from before have none.

ALTER TABLE monitoring_alerts ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX monitoring_alerts_fingerprint ON monitoring_alerts (fingerprint);
