-- The durable action pipeline: actions, their audit trail and attempts, dead letters, and the built-in
-- executor's idempotency ledger. Every row carries the correlation id of the work that wrote it.

CREATE TABLE sonia.actions (
    action_id             varchar(40)   NOT NULL PRIMARY KEY,
    session_id            varchar(128)  NULL,
    tool                  varchar(64)   NOT NULL,
    args                  nvarchar(max) NOT NULL,
    args_hash             char(64)      NOT NULL,
    request_hash          char(64)      NOT NULL,
    idempotency_key       varchar(128)  NOT NULL,
    status                varchar(32)   NOT NULL,
    requires_confirmation bit           NOT NULL,
    attempts              int           NOT NULL DEFAULT 0,
    failure_class         varchar(32)   NULL,
    error                 nvarchar(max) NULL,
    result                nvarchar(max) NULL,
    correlation_id        varchar(128)  NOT NULL,
    replay_of             varchar(40)   NULL,
    dlq_id                varchar(40)   NULL,
    created_at            datetime2(3)  NOT NULL,
    updated_at            datetime2(3)  NOT NULL,
    expires_at            datetime2(3)  NULL,
    next_attempt_at       datetime2(3)  NULL,
    lease_until           datetime2(3)  NULL,
    version               int           NOT NULL
);
GO

-- A client's idempotency key names one submission; replays reuse the key on purpose.
CREATE UNIQUE INDEX ux_actions_idempotency_key ON sonia.actions (idempotency_key) WHERE replay_of IS NULL;
CREATE INDEX ix_actions_created ON sonia.actions (created_at DESC);
CREATE INDEX ix_actions_session ON sonia.actions (session_id, created_at DESC);
CREATE INDEX ix_actions_status ON sonia.actions (status, created_at DESC);
-- The recovery sweep: unfinished actions whose owner stopped renewing its lease.
CREATE INDEX ix_actions_recovery ON sonia.actions (lease_until) WHERE status IN ('queued', 'executing', 'approved');
CREATE INDEX ix_actions_expiry ON sonia.actions (expires_at) WHERE status = 'awaiting_confirmation';
GO

CREATE TABLE sonia.action_audit (
    audit_id       bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    action_id      varchar(40)   NOT NULL REFERENCES sonia.actions (action_id),
    from_status    varchar(32)   NULL,
    to_status      varchar(32)   NOT NULL,
    at             datetime2(3)  NOT NULL,
    actor          varchar(64)   NOT NULL,
    correlation_id varchar(128)  NOT NULL,
    detail         nvarchar(max) NULL
);
CREATE INDEX ix_action_audit_action ON sonia.action_audit (action_id, audit_id);
GO

CREATE TABLE sonia.action_attempts (
    action_id      varchar(40)   NOT NULL REFERENCES sonia.actions (action_id),
    attempt        int           NOT NULL,
    started_at     datetime2(3)  NOT NULL,
    finished_at    datetime2(3)  NULL,
    outcome        varchar(32)   NULL,
    failure_class  varchar(32)   NULL,
    error          nvarchar(max) NULL,
    correlation_id varchar(128)  NOT NULL,
    CONSTRAINT pk_action_attempts PRIMARY KEY (action_id, attempt)
);
GO

CREATE TABLE sonia.dead_letters (
    dlq_id            varchar(40)   NOT NULL PRIMARY KEY,
    action_id         varchar(40)   NOT NULL UNIQUE REFERENCES sonia.actions (action_id),
    correlation_id    varchar(128)  NOT NULL,
    failure_class     varchar(32)   NOT NULL,
    error_type        varchar(200)  NULL,
    error_message     nvarchar(max) NULL,
    attempts          int           NOT NULL,
    tool              varchar(64)   NOT NULL,
    args              nvarchar(max) NOT NULL,
    idempotency_key   varchar(128)  NOT NULL,
    status            varchar(32)   NOT NULL,
    created_at        datetime2(3)  NOT NULL,
    resolved_at       datetime2(3)  NULL,
    resolved_by       varchar(64)   NULL,
    resolution_reason nvarchar(max) NULL,
    replay_action_id  varchar(40)   NULL
);
CREATE INDEX ix_dead_letters_status ON sonia.dead_letters (status, created_at DESC);
GO

-- The built-in executor runs a side effect and records its key in one transaction: never twice.
CREATE TABLE sonia.executions (
    idempotency_key varchar(128)  NOT NULL PRIMARY KEY,
    action_id       varchar(40)   NOT NULL,
    tool            varchar(64)   NOT NULL,
    result          nvarchar(max) NOT NULL,
    executed_at     datetime2(3)  NOT NULL
);
GO
