-- deploy/sql/sqlserver/ops/backup_database.sql: a native full backup of the connected database, run by
-- deploy/db-backup.sh through `sqlcmd -b -v BackupFile=<path>`. Not a migration: the silo embeds
-- deploy/sql/sqlserver/*.sql only, not this folder.
-- sqlcmd replaces $(BackupFile) before the server sees the text; the path is on the SQL Server
-- machine, as its service account sees it.
--   CHECKSUM  page checksums are verified while reading and a backup checksum is written, so
--             RESTORE VERIFYONLY ... WITH CHECKSUM can prove the file later (verify_backup.sql);
--   COPY_ONLY the operator's own backup chain (differential bases, log backups) is left untouched;
--   INIT, FORMAT the file holds this one backup set, so VERIFYONLY checks this one and no older set.
SET NOCOUNT ON;

DECLARE @database sysname = DB_NAME();
DECLARE @file nvarchar(4000) = N'$(BackupFile)';

BACKUP DATABASE @database TO DISK = @file
    WITH CHECKSUM, COPY_ONLY, INIT, FORMAT, STATS = 10, NAME = N'Sonia whole-database backup';
