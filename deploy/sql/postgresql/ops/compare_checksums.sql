-- deploy/sql/postgresql/ops/compare_checksums.sql: compares the tables recorded at backup time with those
-- of the restored copy; run by deploy/db-verify.sh with psql variables `recorded` (the backup's
-- .tables.json) and `restored` (table_checksums.sql's output on the copy). One tab-separated line per
-- table: name, rows at backup, rows restored, sha256 at backup, sha256 restored, result ("ok" or why not).
-- A table present on one side only is a mismatch too.
SELECT coalesce(b."table", r."table"),
       coalesce(b.row_count::text, '-'),
       coalesce(r.row_count::text, '-'),
       coalesce(b.sha256, '-'),
       coalesce(r.sha256, '-'),
       CASE
           WHEN b."table" IS NULL THEN 'not in the backup record'
           WHEN r."table" IS NULL THEN 'missing from the restored copy'
           WHEN b.row_count IS DISTINCT FROM r.row_count THEN 'row count differs'
           WHEN b.sha256 IS DISTINCT FROM r.sha256 THEN 'checksum differs'
           ELSE 'ok'
       END
FROM jsonb_to_recordset(:'recorded'::jsonb -> 'tables') AS b("table" text, row_count bigint, sha256 text)
FULL JOIN jsonb_to_recordset(:'restored'::jsonb) AS r("table" text, row_count bigint, sha256 text)
    ON r."table" = b."table"
ORDER BY coalesce(b."table", r."table") COLLATE "C";
