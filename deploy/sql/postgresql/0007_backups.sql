-- Verified backups of Sonia's records (issue 12). One consistent snapshot per backup, stored as rows: each artifact is
-- canonical JSON Lines (or JSON) in a bytea, so the database (sha256(content)) and the application hash the same bytes.
-- A backup's artifacts and its manifest are written in the transaction that read the snapshot: all or nothing.

CREATE TABLE sonia.backups (
    backup_id       varchar(40)  NOT NULL PRIMARY KEY,
    label           varchar(200) NULL,
    status          varchar(16)  NOT NULL,
    actor           varchar(64)  NOT NULL,
    correlation_id  varchar(128) NULL,
    created_at      timestamptz  NOT NULL,
    finished_at     timestamptz  NULL,
    schema_version  varchar(200) NULL,
    -- manifest.json as written; its digest beside it, so a changed manifest is caught.
    manifest        bytea        NULL,
    manifest_sha256 char(64)     NULL,
    error           text         NULL
);
CREATE INDEX ix_backups_created ON sonia.backups (created_at DESC, backup_id DESC);

CREATE TABLE sonia.backup_artifacts (
    backup_id varchar(40)  NOT NULL REFERENCES sonia.backups (backup_id) ON DELETE CASCADE,
    name      varchar(200) NOT NULL,
    content   bytea        NOT NULL,
    row_count bigint       NOT NULL,
    bytes     bigint       NOT NULL,
    sha256    char(64)     NOT NULL,
    PRIMARY KEY (backup_id, name)
);
-- Stored out of line but uncompressed: pglz on hundreds of MB of JSON costs more time than the disk it saves, and
-- sha256(content) and the readers then need no decompression. Exports are zipped.
ALTER TABLE sonia.backup_artifacts ALTER COLUMN content SET STORAGE EXTERNAL;

-- Every verification's answer, as the API returned it.
CREATE TABLE sonia.backup_verifications (
    verification_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    backup_id       varchar(40)  NOT NULL REFERENCES sonia.backups (backup_id) ON DELETE CASCADE,
    at              timestamptz  NOT NULL,
    actor           varchar(64)  NOT NULL,
    passed          boolean      NOT NULL,
    result          text         NOT NULL
);
CREATE INDEX ix_backup_verifications_backup ON sonia.backup_verifications (backup_id, verification_id);
