-- The durable action pipeline: actions, their audit trail and attempts, dead letters, and the built-in
-- executor's idempotency ledger. Every row carries the correlation id of the work that wrote it.

CREATE TABLE sonia.actions (
    action_id             varchar(40)  NOT NULL PRIMARY KEY,
    session_id            varchar(128) NULL,
    tool                  varchar(64)  NOT NULL,
    args                  text         NOT NULL,
    args_hash             char(64)     NOT NULL,
    request_hash          char(64)     NOT NULL,
    idempotency_key       varchar(128) NOT NULL,
    status                varchar(32)  NOT NULL,
    requires_confirmation boolean      NOT NULL,
    attempts              integer      NOT NULL DEFAULT 0,
    failure_class         varchar(32)  NULL,
    error                 text         NULL,
    result                text         NULL,
    correlation_id        varchar(128) NOT NULL,
    replay_of             varchar(40)  NULL,
    dlq_id                varchar(40)  NULL,
    created_at            timestamptz  NOT NULL,
    updated_at            timestamptz  NOT NULL,
    expires_at            timestamptz  NULL,
    next_attempt_at       timestamptz  NULL,
    lease_until           timestamptz  NULL,
    version               integer      NOT NULL
);

-- A client's idempotency key names one submission; replays reuse the key on purpose.
CREATE UNIQUE INDEX ux_actions_idempotency_key ON sonia.actions (idempotency_key) WHERE replay_of IS NULL;
CREATE INDEX ix_actions_created ON sonia.actions (created_at DESC);
CREATE INDEX ix_actions_session ON sonia.actions (session_id, created_at DESC);
CREATE INDEX ix_actions_status ON sonia.actions (status, created_at DESC);
-- The recovery sweep: unfinished actions whose owner stopped renewing its lease.
CREATE INDEX ix_actions_recovery ON sonia.actions (lease_until) WHERE status IN ('queued', 'executing', 'approved');
CREATE INDEX ix_actions_expiry ON sonia.actions (expires_at) WHERE status = 'awaiting_confirmation';

CREATE TABLE sonia.action_audit (
    audit_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id      varchar(40)  NOT NULL REFERENCES sonia.actions (action_id),
    from_status    varchar(32)  NULL,
    to_status      varchar(32)  NOT NULL,
    at             timestamptz  NOT NULL,
    actor          varchar(64)  NOT NULL,
    correlation_id varchar(128) NOT NULL,
    detail         text         NULL
);
CREATE INDEX ix_action_audit_action ON sonia.action_audit (action_id, audit_id);

CREATE TABLE sonia.action_attempts (
    action_id      varchar(40)  NOT NULL REFERENCES sonia.actions (action_id),
    attempt        integer      NOT NULL,
    started_at     timestamptz  NOT NULL,
    finished_at    timestamptz  NULL,
    outcome        varchar(32)  NULL,
    failure_class  varchar(32)  NULL,
    error          text         NULL,
    correlation_id varchar(128) NOT NULL,
    PRIMARY KEY (action_id, attempt)
);

CREATE TABLE sonia.dead_letters (
    dlq_id            varchar(40)  NOT NULL PRIMARY KEY,
    action_id         varchar(40)  NOT NULL UNIQUE REFERENCES sonia.actions (action_id),
    correlation_id    varchar(128) NOT NULL,
    failure_class     varchar(32)  NOT NULL,
    error_type        varchar(200) NULL,
    error_message     text         NULL,
    attempts          integer      NOT NULL,
    tool              varchar(64)  NOT NULL,
    args              text         NOT NULL,
    idempotency_key   varchar(128) NOT NULL,
    status            varchar(32)  NOT NULL,
    created_at        timestamptz  NOT NULL,
    resolved_at       timestamptz  NULL,
    resolved_by       varchar(64)  NULL,
    resolution_reason text         NULL,
    replay_action_id  varchar(40)  NULL
);
CREATE INDEX ix_dead_letters_status ON sonia.dead_letters (status, created_at DESC);

-- The built-in executor runs a side effect and records its key in one transaction: never twice.
CREATE TABLE sonia.executions (
    idempotency_key varchar(128) NOT NULL PRIMARY KEY,
    action_id       varchar(40)  NOT NULL,
    tool            varchar(64)  NOT NULL,
    result          text         NOT NULL,
    executed_at     timestamptz  NOT NULL
);
