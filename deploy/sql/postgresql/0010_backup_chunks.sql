-- Backup artifacts stored in chunks (issue 12). One bytea per artifact cost the most of a backup: PostgreSQL writes a
-- large value as ~2 kB TOAST rows, one insert and one index entry each, and caps it at 1 GB (about 2.8 M actions).
-- A new backup writes its artifact's bytes as rows of sonia.backup_chunks instead, each at most 7,800 bytes, filled by
-- one binary COPY; the artifact's row keeps its rows, bytes and SHA-256, with content NULL. The artifact is its chunks
-- in seq order. STORAGE MAIN keeps a chunk in its row (never TOAST), compressed when that is worth it: lz4 where this
-- PostgreSQL has it (a quarter less time to store and read than uncompressed, measured), its default otherwise.
-- Expand only: backups written before keep their content in backup_artifacts.content and are read from there.

CREATE TABLE sonia.backup_chunks (
    backup_id varchar(40)  NOT NULL REFERENCES sonia.backups (backup_id) ON DELETE CASCADE,
    name      varchar(200) NOT NULL,
    seq       integer      NOT NULL,
    content   bytea        NOT NULL,
    PRIMARY KEY (backup_id, name, seq)
);
ALTER TABLE sonia.backup_chunks ALTER COLUMN content SET STORAGE MAIN;

DO $$
BEGIN
    ALTER TABLE sonia.backup_chunks ALTER COLUMN content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: backup chunks use its default compression';
END
$$;

ALTER TABLE sonia.backup_artifacts ALTER COLUMN content DROP NOT NULL;
