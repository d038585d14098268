-- Orleans 10.4.2 ADO.NET providers (clustering, reminders, grain storage) on SQL Server 2019+.
-- Written for this project from the providers' query contract (docs: ORLEANS-ADONET-CONTRACT.md).
--
-- Tables live in dbo: the providers read the unqualified table OrleansQuery, which resolves through
-- the login's default schema (dbo).
-- Orleans opens no transaction around a query, so every check-then-write below is one batch that
-- takes its own locks (UPDLOCK/HOLDLOCK or an UPDATE that locks the version row first) and commits.
-- Identity columns use binary collations so that keys compare exactly (case-sensitive), as they do
-- in .NET and on PostgreSQL. Times are stored as datetime2(3) and hold the UTC values passed in.
-- Batches are separated by GO lines (split by DbUp).

-- ---------------------------------------------------------------------------------------------
-- Query table
-- ---------------------------------------------------------------------------------------------
CREATE TABLE dbo.OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText nvarchar(max) NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY CLUSTERED (QueryKey)
);
GO

-- ---------------------------------------------------------------------------------------------
-- Clustering
-- ---------------------------------------------------------------------------------------------
-- One row per deployment (ClusterOptions.ClusterId); Version is the table ETag shared by all members.
CREATE TABLE dbo.OrleansMembershipVersion
(
    DeploymentId nvarchar(150) COLLATE Latin1_General_100_BIN2 NOT NULL,
    Version      int           NOT NULL CONSTRAINT DF_OrleansMembershipVersion_Version DEFAULT (0),
    ModifiedOn   datetime2(3)  NOT NULL CONSTRAINT DF_OrleansMembershipVersion_ModifiedOn DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT PK_OrleansMembershipVersion PRIMARY KEY CLUSTERED (DeploymentId)
);

CREATE TABLE dbo.OrleansMembership
(
    DeploymentId nvarchar(150) COLLATE Latin1_General_100_BIN2 NOT NULL,
    Address      varchar(45)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    Port         int           NOT NULL,
    Generation   int           NOT NULL,
    SiloName     nvarchar(150) NOT NULL,
    HostName     nvarchar(150) NOT NULL,
    Status       int           NOT NULL,
    ProxyPort    int           NOT NULL,
    SuspectTimes nvarchar(max) COLLATE Latin1_General_100_BIN2 NULL,
    StartTime    datetime2(3)  NOT NULL,
    IAmAliveTime datetime2(3)  NOT NULL,
    CONSTRAINT PK_OrleansMembership PRIMARY KEY CLUSTERED (DeploymentId, Address, Port, Generation),
    -- Deleting the version row (DeleteMembershipTableEntriesKey) removes the members with it.
    CONSTRAINT FK_OrleansMembership_OrleansMembershipVersion FOREIGN KEY (DeploymentId)
        REFERENCES dbo.OrleansMembershipVersion (DeploymentId) ON DELETE CASCADE
);
GO

-- ---------------------------------------------------------------------------------------------
-- Reminders
-- ---------------------------------------------------------------------------------------------
-- GrainId arrives as varchar (AnsiString); a UTF-8 collation keeps any character it carries.
-- Key size: 300 + 300 + 300 bytes, within the 900-byte clustered key limit.
CREATE TABLE dbo.OrleansReminder
(
    ServiceId    nvarchar(150) COLLATE Latin1_General_100_BIN2      NOT NULL,
    GrainId      varchar(300)  COLLATE Latin1_General_100_BIN2_UTF8 NOT NULL,
    ReminderName nvarchar(150) COLLATE Latin1_General_100_BIN2      NOT NULL,
    StartTime    datetime2(3)  NOT NULL,
    Period       bigint        NOT NULL,
    -- GrainId.GetUniformHashCode() reinterpreted as a signed int, stored exactly as received.
    GrainHash    int           NOT NULL,
    Version      int           NOT NULL,
    CONSTRAINT PK_OrleansReminder PRIMARY KEY CLUSTERED (ServiceId, GrainId, ReminderName)
);

CREATE NONCLUSTERED INDEX IX_OrleansReminder_ServiceId_GrainHash
    ON dbo.OrleansReminder (ServiceId, GrainHash);
GO

-- ---------------------------------------------------------------------------------------------
-- Grain storage
-- ---------------------------------------------------------------------------------------------
CREATE TABLE dbo.OrleansStorage
(
    ServiceId              nvarchar(150)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    GrainTypeString        nvarchar(200)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    GrainIdN0              bigint         NOT NULL,
    GrainIdN1              bigint         NOT NULL,
    GrainIdExtensionString nvarchar(480)  COLLATE Latin1_General_100_BIN2 NULL,
    GrainIdHash            int            NOT NULL,
    GrainTypeHash          int            NOT NULL,
    PayloadBinary          varbinary(max) NULL,
    Version                int            NOT NULL,
    ModifiedOn             datetime2(3)   NOT NULL CONSTRAINT DF_OrleansStorage_ModifiedOn DEFAULT (SYSUTCDATETIME())
);

-- Lookups narrow by the two 32-bit hashes, then compare the full identity (hashes can collide).
CREATE CLUSTERED INDEX CIX_OrleansStorage_Hashes
    ON dbo.OrleansStorage (GrainIdHash, GrainTypeHash);

-- The identity. A unique index treats NULL as equal to NULL, as the identity requires.
-- Key size: 300 + 400 + 16 + 960 = 1676 bytes, within the 1700-byte nonclustered key limit.
CREATE UNIQUE NONCLUSTERED INDEX UX_OrleansStorage_Identity
    ON dbo.OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString);
GO

-- ---------------------------------------------------------------------------------------------
-- Clustering queries
-- ---------------------------------------------------------------------------------------------
-- Readers take HOLDLOCK so the version and the member rows come from one consistent moment;
-- writers lock the version row first, in the same order, so the two do not deadlock.
INSERT INTO dbo.OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', N'
SET NOCOUNT ON;
INSERT INTO dbo.OrleansMembershipVersion (DeploymentId, Version, ModifiedOn)
SELECT @DeploymentId, 0, SYSUTCDATETIME()
WHERE NOT EXISTS (SELECT 1 FROM dbo.OrleansMembershipVersion WITH (UPDLOCK, HOLDLOCK)
                  WHERE DeploymentId = @DeploymentId);
SELECT CAST(@@ROWCOUNT AS int) AS Result;
'),

('MembershipReadAllKey', N'
SET NOCOUNT ON;
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM dbo.OrleansMembershipVersion AS v WITH (HOLDLOCK)
LEFT OUTER JOIN dbo.OrleansMembership AS m WITH (HOLDLOCK)
    ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
'),

('MembershipReadRowKey', N'
SET NOCOUNT ON;
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM dbo.OrleansMembershipVersion AS v WITH (HOLDLOCK)
LEFT OUTER JOIN dbo.OrleansMembership AS m WITH (HOLDLOCK)
    ON m.DeploymentId = v.DeploymentId
   AND m.Address = @Address
   AND m.Port = @Port
   AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
'),

('InsertMembershipKey', N'
SET NOCOUNT ON;
SET XACT_ABORT ON;
DECLARE @Result int = 0;
BEGIN TRANSACTION;
UPDATE dbo.OrleansMembershipVersion
SET Version = Version + 1, ModifiedOn = SYSUTCDATETIME()
WHERE DeploymentId = @DeploymentId AND Version = @Version;
IF @@ROWCOUNT = 1
BEGIN
    INSERT INTO dbo.OrleansMembership
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
         SuspectTimes, StartTime, IAmAliveTime)
    SELECT @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
           NULL, @StartTime, @IAmAliveTime
    WHERE NOT EXISTS (SELECT 1 FROM dbo.OrleansMembership WITH (UPDLOCK, HOLDLOCK)
                      WHERE DeploymentId = @DeploymentId AND Address = @Address
                        AND Port = @Port AND Generation = @Generation);
    SET @Result = @@ROWCOUNT;
END;
IF @Result = 1
    COMMIT TRANSACTION;
ELSE
    ROLLBACK TRANSACTION;
SELECT @Result AS Result;
'),

('UpdateMembershipKey', N'
SET NOCOUNT ON;
SET XACT_ABORT ON;
DECLARE @Result int = 0;
BEGIN TRANSACTION;
UPDATE dbo.OrleansMembershipVersion
SET Version = Version + 1, ModifiedOn = SYSUTCDATETIME()
WHERE DeploymentId = @DeploymentId AND Version = @Version;
IF @@ROWCOUNT = 1
BEGIN
    UPDATE dbo.OrleansMembership
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address
      AND Port = @Port AND Generation = @Generation;
    SET @Result = @@ROWCOUNT;
END;
IF @Result = 1
    COMMIT TRANSACTION;
ELSE
    ROLLBACK TRANSACTION;
SELECT @Result AS Result;
'),

('UpdateIAmAlivetimeKey', N'
SET NOCOUNT ON;
UPDATE dbo.OrleansMembership
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = @Port AND Generation = @Generation;
'),

('GatewaysQueryKey', N'
SET NOCOUNT ON;
SELECT Address, ProxyPort, Generation
FROM dbo.OrleansMembership
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
'),

('DeleteMembershipTableEntriesKey', N'
SET NOCOUNT ON;
DELETE FROM dbo.OrleansMembershipVersion
WHERE DeploymentId = @DeploymentId;
'),

('CleanupDefunctSiloEntriesKey', N'
SET NOCOUNT ON;
DELETE FROM dbo.OrleansMembership
WHERE DeploymentId = @DeploymentId
  AND IAmAliveTime < @IAmAliveTime
  AND Status <> 3;
'),

('CleanupDefunctSiloEntryKey', N'
SET NOCOUNT ON;
DELETE FROM dbo.OrleansMembership
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = @Port AND Generation = @Generation
  AND StartTime = @StartTime
  AND IAmAliveTime = @IAmAliveTime
  AND (SuspectTimes = @SuspectTimes OR (SuspectTimes IS NULL AND @SuspectTimes IS NULL));
');
GO

-- ---------------------------------------------------------------------------------------------
-- Reminder queries
-- ---------------------------------------------------------------------------------------------
INSERT INTO dbo.OrleansQuery (QueryKey, QueryText) VALUES
('ReadReminderRowsKey', N'
SET NOCOUNT ON;
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM dbo.OrleansReminder
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
'),

('ReadReminderRowKey', N'
SET NOCOUNT ON;
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM dbo.OrleansReminder
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
'),

('ReadRangeRows1Key', N'
SET NOCOUNT ON;
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM dbo.OrleansReminder
WHERE ServiceId = @ServiceId
  AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
'),

('ReadRangeRows2Key', N'
SET NOCOUNT ON;
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM dbo.OrleansReminder
WHERE ServiceId = @ServiceId
  AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
'),

('UpsertReminderRowKey', N'
SET NOCOUNT ON;
SET XACT_ABORT ON;
DECLARE @NewVersion int;
BEGIN TRANSACTION;
UPDATE dbo.OrleansReminder WITH (UPDLOCK, HOLDLOCK)
SET StartTime = @StartTime, Period = @Period, GrainHash = @GrainHash,
    @NewVersion = Version = Version + 1
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
IF @@ROWCOUNT = 0
BEGIN
    INSERT INTO dbo.OrleansReminder (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0);
    SET @NewVersion = 0;
END;
COMMIT TRANSACTION;
SELECT @NewVersion AS Version;
'),

('DeleteReminderRowKey', N'
SET NOCOUNT ON;
DELETE FROM dbo.OrleansReminder
WHERE ServiceId = @ServiceId AND GrainId = @GrainId
  AND ReminderName = @ReminderName AND Version = @Version;
SELECT CAST(@@ROWCOUNT AS int) AS Result;
'),

('DeleteReminderRowsKey', N'
SET NOCOUNT ON;
DELETE FROM dbo.OrleansReminder
WHERE ServiceId = @ServiceId;
');
GO

-- ---------------------------------------------------------------------------------------------
-- Grain storage queries
-- ---------------------------------------------------------------------------------------------
-- Every lookup: hashes + full identity. EXISTS (SELECT a INTERSECT SELECT b) is a NULL-safe
-- equality that still allows an index seek.
INSERT INTO dbo.OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', N'
SET NOCOUNT ON;
SELECT PayloadBinary, Version
FROM dbo.OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND EXISTS (SELECT GrainIdExtensionString INTERSECT SELECT @GrainIdExtensionString);
'),

-- NULL version: insert version 1 unless the grain already has a row (then no row comes back).
-- Otherwise: update only if the stored version matches, and return version + 1.
('WriteToStorageKey', N'
SET NOCOUNT ON;
SET XACT_ABORT ON;
BEGIN TRANSACTION;
IF @GrainStateVersion IS NULL
BEGIN
    INSERT INTO dbo.OrleansStorage
        (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString,
         GrainIdHash, GrainTypeHash, PayloadBinary, Version, ModifiedOn)
    OUTPUT inserted.Version AS NewGrainStateVersion
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
           @GrainIdHash, @GrainTypeHash, @PayloadBinary, 1, SYSUTCDATETIME()
    WHERE NOT EXISTS (SELECT 1 FROM dbo.OrleansStorage WITH (UPDLOCK, HOLDLOCK)
                      WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
                        AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
                        AND EXISTS (SELECT GrainIdExtensionString INTERSECT SELECT @GrainIdExtensionString));
END
ELSE
BEGIN
    UPDATE dbo.OrleansStorage
    SET PayloadBinary = @PayloadBinary, Version = Version + 1, ModifiedOn = SYSUTCDATETIME()
    OUTPUT inserted.Version AS NewGrainStateVersion
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND EXISTS (SELECT GrainIdExtensionString INTERSECT SELECT @GrainIdExtensionString)
      AND Version = @GrainStateVersion;
END;
COMMIT TRANSACTION;
'),

-- Keeps the row with a NULL payload and a new version.
('ClearStorageKey', N'
SET NOCOUNT ON;
UPDATE dbo.OrleansStorage
SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = SYSUTCDATETIME()
OUTPUT inserted.Version AS NewGrainStateVersion
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND EXISTS (SELECT GrainIdExtensionString INTERSECT SELECT @GrainIdExtensionString)
  AND Version = @GrainStateVersion;
'),

-- Returns a value different from the version sent when the row was deleted; no row otherwise.
('DeleteStorageKey', N'
SET NOCOUNT ON;
DELETE FROM dbo.OrleansStorage
OUTPUT deleted.Version + 1 AS NewGrainStateVersion
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND EXISTS (SELECT GrainIdExtensionString INTERSECT SELECT @GrainIdExtensionString)
  AND Version = @GrainStateVersion;
');
GO
