-- deploy/sql/sqlserver/ops/verify_backup.sql: proves a backup written by backup_database.sql is complete
-- and readable, run by deploy/db-verify.sh through `sqlcmd -b -v BackupFile=<path>` (a path on the SQL
-- Server machine). WITH CHECKSUM recomputes the page and backup checksums the backup wrote; any mismatch
-- is an error, which `sqlcmd -b` turns into a non-zero exit. Not a migration (see backup_database.sql).
SET NOCOUNT ON;

DECLARE @file nvarchar(4000) = N'$(BackupFile)';

RESTORE VERIFYONLY FROM DISK = @file WITH CHECKSUM;
