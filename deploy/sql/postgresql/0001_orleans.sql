-- Orleans 10.4.2 ADO.NET providers (clustering, reminders, grain storage) on PostgreSQL 15.
-- Written for this project from the providers' query contract (docs: ORLEANS-ADONET-CONTRACT.md).
--
-- Tables live in the default schema (public): the providers read the unqualified table
-- "OrleansQuery", which PostgreSQL folds to orleansquery.
-- Orleans opens no transaction around a query, so every check-then-write below is ONE statement
-- (data-modifying CTEs, ON CONFLICT, row locks) and therefore atomic under READ COMMITTED.
-- Query texts are quoted with an empty dollar tag: a named tag would be taken for a DbUp variable
-- and fail the migration unless variable substitution is disabled.
-- Parameters (@Name) are bound by Npgsql with types taken from their DbType.

-- ---------------------------------------------------------------------------------------------
-- Query table
-- ---------------------------------------------------------------------------------------------
CREATE TABLE public.orleansquery
(
    querykey  varchar(64) NOT NULL,
    querytext text        NOT NULL,
    CONSTRAINT pk_orleansquery PRIMARY KEY (querykey)
);

-- ---------------------------------------------------------------------------------------------
-- Clustering
-- ---------------------------------------------------------------------------------------------
-- One row per deployment (ClusterOptions.ClusterId); version is the table ETag shared by all members.
CREATE TABLE public.orleansmembershipversion
(
    deploymentid varchar(150) NOT NULL,
    version      integer      NOT NULL DEFAULT 0,
    modifiedon   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT pk_orleansmembershipversion PRIMARY KEY (deploymentid)
);

CREATE TABLE public.orleansmembership
(
    deploymentid varchar(150) NOT NULL,
    address      varchar(45)  NOT NULL,
    port         integer      NOT NULL,
    generation   integer      NOT NULL,
    siloname     varchar(150) NOT NULL,
    hostname     varchar(150) NOT NULL,
    status       integer      NOT NULL,
    proxyport    integer      NOT NULL,
    suspecttimes text         NULL,
    starttime    timestamptz  NOT NULL,
    iamalivetime timestamptz  NOT NULL,
    CONSTRAINT pk_orleansmembership PRIMARY KEY (deploymentid, address, port, generation),
    -- Deleting the version row (DeleteMembershipTableEntriesKey) removes the members with it.
    CONSTRAINT fk_orleansmembership_version FOREIGN KEY (deploymentid)
        REFERENCES public.orleansmembershipversion (deploymentid) ON DELETE CASCADE
);

-- ---------------------------------------------------------------------------------------------
-- Reminders
-- ---------------------------------------------------------------------------------------------
CREATE TABLE public.orleansreminder
(
    serviceid    varchar(150) NOT NULL,
    grainid      varchar(300) NOT NULL,
    remindername varchar(150) NOT NULL,
    starttime    timestamptz  NOT NULL,
    period       bigint       NOT NULL,
    -- GrainId.GetUniformHashCode() reinterpreted as a signed int, stored exactly as received.
    grainhash    integer      NOT NULL,
    version      integer      NOT NULL,
    CONSTRAINT pk_orleansreminder PRIMARY KEY (serviceid, grainid, remindername)
);

CREATE INDEX ix_orleansreminder_serviceid_grainhash ON public.orleansreminder (serviceid, grainhash);

-- ---------------------------------------------------------------------------------------------
-- Grain storage
-- ---------------------------------------------------------------------------------------------
CREATE TABLE public.orleansstorage
(
    serviceid              varchar(150) NOT NULL,
    graintypestring        varchar(200) NOT NULL,
    grainidn0              bigint       NOT NULL,
    grainidn1              bigint       NOT NULL,
    grainidextensionstring varchar(480) NULL,
    grainidhash            integer      NOT NULL,
    graintypehash          integer      NOT NULL,
    payloadbinary          bytea        NULL,
    version                integer      NOT NULL,
    modifiedon             timestamptz  NOT NULL DEFAULT now(),
    -- The identity; a NULL extension equals a NULL extension.
    CONSTRAINT uq_orleansstorage_identity UNIQUE NULLS NOT DISTINCT
        (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring)
);

-- Lookups narrow by the two 32-bit hashes, then compare the full identity (hashes can collide).
CREATE INDEX ix_orleansstorage_hashes ON public.orleansstorage (grainidhash, graintypehash);

-- ---------------------------------------------------------------------------------------------
-- Clustering queries
-- ---------------------------------------------------------------------------------------------
INSERT INTO public.orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', $$
WITH inserted AS (
    INSERT INTO public.orleansmembershipversion (deploymentid, version, modifiedon)
    VALUES (@DeploymentId, 0, now())
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING 1
)
SELECT CAST(count(*) AS integer) AS result FROM inserted;
$$),

('MembershipReadAllKey', $$
SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status,
       m.proxyport, m.suspecttimes, m.starttime, m.iamalivetime, v.version
FROM public.orleansmembershipversion AS v
LEFT JOIN public.orleansmembership AS m ON m.deploymentid = v.deploymentid
WHERE v.deploymentid = @DeploymentId;
$$),

('MembershipReadRowKey', $$
SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status,
       m.proxyport, m.suspecttimes, m.starttime, m.iamalivetime, v.version
FROM public.orleansmembershipversion AS v
LEFT JOIN public.orleansmembership AS m
       ON m.deploymentid = v.deploymentid
      AND m.address = @Address
      AND m.port = @Port
      AND m.generation = @Generation
WHERE v.deploymentid = @DeploymentId;
$$),

-- The version UPDATE only happens when the member is new; its row lock serialises competing
-- writers of the deployment, so the INSERT that follows cannot conflict in practice.
('InsertMembershipKey', $$
WITH bumped AS (
    UPDATE public.orleansmembershipversion
    SET version = version + 1, modifiedon = now()
    WHERE deploymentid = @DeploymentId
      AND version = @Version
      AND NOT EXISTS (SELECT 1 FROM public.orleansmembership
                      WHERE deploymentid = @DeploymentId AND address = @Address
                        AND port = @Port AND generation = @Generation)
    RETURNING deploymentid
), inserted AS (
    INSERT INTO public.orleansmembership
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport,
         suspecttimes, starttime, iamalivetime)
    SELECT b.deploymentid, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
           NULL, @StartTime, @IAmAliveTime
    FROM bumped AS b
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT CAST(count(*) AS integer) AS result FROM inserted;
$$),

-- The member row is locked first (so a concurrent cleanup cannot delete it in between), then the
-- version is advanced only if it matches, then the member is updated.
('UpdateMembershipKey', $$
WITH member AS (
    SELECT 1 FROM public.orleansmembership
    WHERE deploymentid = @DeploymentId AND address = @Address
      AND port = @Port AND generation = @Generation
    FOR UPDATE
), bumped AS (
    UPDATE public.orleansmembershipversion
    SET version = version + 1, modifiedon = now()
    WHERE deploymentid = @DeploymentId
      AND version = @Version
      AND EXISTS (SELECT 1 FROM member)
    RETURNING deploymentid
), updated AS (
    UPDATE public.orleansmembership AS m
    SET status = @Status, suspecttimes = @SuspectTimes, iamalivetime = @IAmAliveTime
    FROM bumped AS b
    WHERE m.deploymentid = b.deploymentid AND m.address = @Address
      AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
)
SELECT CAST(count(*) AS integer) AS result FROM updated;
$$),

('UpdateIAmAlivetimeKey', $$
UPDATE public.orleansmembership
SET iamalivetime = @IAmAliveTime
WHERE deploymentid = @DeploymentId AND address = @Address
  AND port = @Port AND generation = @Generation;
$$),

-- Status is always 3 (Active); silos without a gateway have ProxyPort 0.
('GatewaysQueryKey', $$
SELECT address, proxyport, generation
FROM public.orleansmembership
WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;
$$),

-- Members go with the version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $$
DELETE FROM public.orleansmembershipversion
WHERE deploymentid = @DeploymentId;
$$),

('CleanupDefunctSiloEntriesKey', $$
DELETE FROM public.orleansmembership
WHERE deploymentid = @DeploymentId
  AND iamalivetime < @IAmAliveTime
  AND status <> 3;
$$),

('CleanupDefunctSiloEntryKey', $$
DELETE FROM public.orleansmembership
WHERE deploymentid = @DeploymentId AND address = @Address
  AND port = @Port AND generation = @Generation
  AND starttime = @StartTime
  AND iamalivetime = @IAmAliveTime
  AND suspecttimes IS NOT DISTINCT FROM @SuspectTimes;
$$);

-- ---------------------------------------------------------------------------------------------
-- Reminder queries
-- ---------------------------------------------------------------------------------------------
INSERT INTO public.orleansquery (querykey, querytext) VALUES
('ReadReminderRowsKey', $$
SELECT grainid, remindername, starttime, period, version
FROM public.orleansreminder
WHERE serviceid = @ServiceId AND grainid = @GrainId;
$$),

('ReadReminderRowKey', $$
SELECT grainid, remindername, starttime, period, version
FROM public.orleansreminder
WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName;
$$),

-- (begin, end] without wrap-around.
('ReadRangeRows1Key', $$
SELECT grainid, remindername, starttime, period, version
FROM public.orleansreminder
WHERE serviceid = @ServiceId
  AND grainhash > @BeginHash AND grainhash <= @EndHash;
$$),

-- Wrapped range, or begin = end (the whole ring).
('ReadRangeRows2Key', $$
SELECT grainid, remindername, starttime, period, version
FROM public.orleansreminder
WHERE serviceid = @ServiceId
  AND (grainhash > @BeginHash OR grainhash <= @EndHash);
$$),

('UpsertReminderRowKey', $$
INSERT INTO public.orleansreminder AS r
    (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
SET starttime = EXCLUDED.starttime,
    period    = EXCLUDED.period,
    grainhash = EXCLUDED.grainhash,
    version   = r.version + 1
RETURNING r.version AS version;
$$),

('DeleteReminderRowKey', $$
WITH deleted AS (
    DELETE FROM public.orleansreminder
    WHERE serviceid = @ServiceId AND grainid = @GrainId
      AND remindername = @ReminderName AND version = @Version
    RETURNING 1
)
SELECT CAST(count(*) AS integer) AS result FROM deleted;
$$),

('DeleteReminderRowsKey', $$
DELETE FROM public.orleansreminder
WHERE serviceid = @ServiceId;
$$);

-- ---------------------------------------------------------------------------------------------
-- Grain storage queries
-- ---------------------------------------------------------------------------------------------
-- Every lookup: hashes (index) + full identity, NULL extension equal to NULL extension.
INSERT INTO public.orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey', $$
SELECT payloadbinary, version
FROM public.orleansstorage
WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
  AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
  AND grainidextensionstring IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS varchar);
$$),

-- NULL version: insert version 1 unless the grain already has a row (then no row comes back).
-- Otherwise: update only if the stored version matches, and return version + 1.
('WriteToStorageKey', $$
WITH updated AS (
    UPDATE public.orleansstorage
    SET payloadbinary = @PayloadBinary, version = version + 1, modifiedon = now()
    WHERE CAST(@GrainStateVersion AS integer) IS NOT NULL
      AND grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
      AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
      AND grainidextensionstring IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS varchar)
      AND version = @GrainStateVersion
    RETURNING version
), inserted AS (
    INSERT INTO public.orleansstorage
        (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring,
         grainidhash, graintypehash, payloadbinary, version, modifiedon)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
           CAST(@GrainIdExtensionString AS varchar),
           @GrainIdHash, @GrainTypeHash, CAST(@PayloadBinary AS bytea), 1, now()
    WHERE CAST(@GrainStateVersion AS integer) IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT version AS newgrainstateversion FROM updated
UNION ALL
SELECT version FROM inserted;
$$),

-- Keeps the row with a NULL payload and a new version.
('ClearStorageKey', $$
UPDATE public.orleansstorage
SET payloadbinary = NULL, version = version + 1, modifiedon = now()
WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
  AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
  AND grainidextensionstring IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS varchar)
  AND version = @GrainStateVersion
RETURNING version AS newgrainstateversion;
$$),

-- Returns a value different from the version sent when the row was deleted; no row otherwise.
('DeleteStorageKey', $$
DELETE FROM public.orleansstorage
WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
  AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
  AND grainidextensionstring IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS varchar)
  AND version = @GrainStateVersion
RETURNING version + 1 AS newgrainstateversion;
$$);
