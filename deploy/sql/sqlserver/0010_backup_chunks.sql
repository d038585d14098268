-- Backup artifacts stored in chunks (issue 12), the same table as on PostgreSQL: a new backup writes its artifact's bytes
-- as rows of sonia.backup_chunks and leaves backup_artifacts.content NULL. On SQL Server each artifact is written as ONE
-- chunk (seq 0): varbinary(max) is stored in LOB pages without PostgreSQL's TOAST cost, and HASHBYTES then digests the
-- stored value itself. Expand only: backups written before keep their content in backup_artifacts.content.

CREATE TABLE sonia.backup_chunks (
    backup_id varchar(40)    NOT NULL CONSTRAINT fk_backup_chunks_backup REFERENCES sonia.backups (backup_id) ON DELETE CASCADE,
    name      nvarchar(200)  NOT NULL,
    seq       int            NOT NULL,
    content   varbinary(max) NOT NULL,
    CONSTRAINT pk_backup_chunks PRIMARY KEY (backup_id, name, seq)
);
GO

ALTER TABLE sonia.backup_artifacts ALTER COLUMN content varbinary(max) NULL;
GO
