-- What operators did, beside what actions did (sonia.action_audit): breaker isolate and reset, dead-letter replay
-- and discard, backups taken, verified, restored and deleted, promotion-gate runs. Incident bundles read it by time.

CREATE TABLE sonia.operator_audit (
    audit_id       bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_operator_audit PRIMARY KEY,
    at             datetime2(3)          NOT NULL,
    actor          varchar(64)           NOT NULL,
    operation      varchar(64)           NOT NULL,
    target         nvarchar(200)         NOT NULL,
    correlation_id varchar(128)          NULL,
    detail         nvarchar(2000)        NULL
);
GO

CREATE INDEX ix_operator_audit_at ON sonia.operator_audit (at, audit_id);
GO
