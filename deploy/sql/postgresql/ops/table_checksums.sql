-- deploy/sql/postgresql/ops/table_checksums.sql: the row count and a checksum of every user table, as one
-- line of JSON: [{"table": "schema.name", "row_count": N, "sha256": "hex"}, ...] sorted by table name.
-- Run by deploy/db-backup.sh (inside the snapshot pg_dump reads) and deploy/db-verify.sh (on the restored
-- copy). Not a migration: the silo embeds deploy/sql/postgresql/*.sql only, not this folder.
--
-- A table's checksum is SHA-256 over "<rows>:<sum of the rows' MD5 high halves>:<sum of their low halves>",
-- each row's MD5 taken over its text. A sum does not depend on row order, so no table is sorted (sorting
-- the digests instead took five times as long on a million rows, and held them all in one value); any
-- changed, missing or extra row moves it. It guards a restore against damage, not against a forger: the
-- file itself is guarded by its SHA-256 in the record. A row's text depends on a few session settings,
-- pinned here so that both sides print rows the same way.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;
SET bytea_output = 'hex';

WITH tables AS MATERIALIZED (
    -- Ordinary tables outside the system schemas, minus those an extension owns (pg_dump leaves their
    -- rows to the extension). Partitions are tables of their own; their parents hold no rows.
    SELECT n.nspname, c.relname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r'
      AND n.nspname <> 'information_schema'
      AND n.nspname NOT LIKE 'pg\_%'
      AND NOT EXISTS (
          SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
),
measured AS (
    -- query_to_xml runs one dynamic query per table inside this statement, hence inside this
    -- transaction's snapshot, without creating anything (the backup's transaction writes nothing).
    SELECT format('%I.%I', t.nspname, t.relname) AS name,
           query_to_xml(format(
               'SELECT count(*) AS row_count, encode(sha256(convert_to(concat_ws('':'', count(*),'
               ' coalesce(sum((''x'' || left(h, 16))::bit(64)::bigint::numeric), 0),'
               ' coalesce(sum((''x'' || right(h, 16))::bit(64)::bigint::numeric), 0)), ''UTF8'')), ''hex'') AS sha256'
               ' FROM (SELECT md5(r::text) AS h FROM %I.%I AS r) AS digests',
               t.nspname, t.relname), false, true, '') AS x
    FROM tables t
)
SELECT coalesce(jsonb_agg(jsonb_build_object(
           'table', m.name,
           'row_count', ((xpath('/row/row_count/text()', m.x))[1])::text::bigint,
           'sha256', ((xpath('/row/sha256/text()', m.x))[1])::text)
       ORDER BY m.name COLLATE "C"), '[]'::jsonb)::text
FROM measured m;
