-- Verified backups of Sonia's records (issue 12). One consistent snapshot per backup, stored as rows: each artifact is
-- canonical JSON Lines (or JSON) in a varbinary(max), so the database (HASHBYTES('SHA2_256', content), whose input is
-- unlimited since SQL Server 2016; 8000 bytes before) and the application hash the same bytes.
-- The snapshot is read at SNAPSHOT isolation, which needs ALLOW_SNAPSHOT_ISOLATION ON. ALTER DATABASE cannot run inside
-- the transaction this migration runs in, so a DBA (or deploy/up.sh) sets it once:
--     ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;
-- A backup taken without it fails and says so; nothing falls back to a weaker isolation.

CREATE TABLE sonia.backups (
    backup_id       varchar(40)    NOT NULL CONSTRAINT pk_backups PRIMARY KEY,
    label           nvarchar(200)  NULL,
    status          varchar(16)    NOT NULL,
    actor           varchar(64)    NOT NULL,
    correlation_id  varchar(128)   NULL,
    created_at      datetime2(3)   NOT NULL,
    finished_at     datetime2(3)   NULL,
    schema_version  nvarchar(200)  NULL,
    manifest        varbinary(max) NULL,
    manifest_sha256 char(64)       NULL,
    error           nvarchar(max)  NULL
);
GO

CREATE INDEX ix_backups_created ON sonia.backups (created_at DESC, backup_id DESC);
GO

CREATE TABLE sonia.backup_artifacts (
    backup_id varchar(40)    NOT NULL CONSTRAINT fk_backup_artifacts_backup REFERENCES sonia.backups (backup_id) ON DELETE CASCADE,
    name      nvarchar(200)  NOT NULL,
    content   varbinary(max) NOT NULL,
    row_count bigint         NOT NULL,
    bytes     bigint         NOT NULL,
    sha256    char(64)       NOT NULL,
    CONSTRAINT pk_backup_artifacts PRIMARY KEY (backup_id, name)
);
GO

CREATE TABLE sonia.backup_verifications (
    verification_id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_backup_verifications PRIMARY KEY,
    backup_id       varchar(40)           NOT NULL CONSTRAINT fk_backup_verifications_backup
                                          REFERENCES sonia.backups (backup_id) ON DELETE CASCADE,
    at              datetime2(3)          NOT NULL,
    actor           varchar(64)           NOT NULL,
    passed          bit                   NOT NULL,
    result          nvarchar(max)         NOT NULL
);
GO

CREATE INDEX ix_backup_verifications_backup ON sonia.backup_verifications (backup_id, verification_id);
GO
