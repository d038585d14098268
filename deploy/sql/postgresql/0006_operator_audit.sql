-- What operators did, beside what actions did (sonia.action_audit): breaker isolate and reset, dead-letter replay
-- and discard, backups taken, verified, restored and deleted, promotion-gate runs. Incident bundles read it by time.

CREATE TABLE sonia.operator_audit (
    audit_id       bigserial     PRIMARY KEY,
    at             timestamptz   NOT NULL,
    actor          varchar(64)   NOT NULL,
    operation      varchar(64)   NOT NULL,
    target         varchar(200)  NOT NULL,
    correlation_id varchar(128)  NULL,
    detail         varchar(2000) NULL
);

CREATE INDEX ix_operator_audit_at ON sonia.operator_audit (at, audit_id);
