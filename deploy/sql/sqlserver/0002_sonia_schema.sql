-- First migration of the project schema (sonia) on SQL Server 2019+.
-- The migrator may already have created the schema for its journal (sonia.schema_versions).
-- CREATE SCHEMA must be alone in its batch, hence the dynamic SQL.
IF SCHEMA_ID(N'sonia') IS NULL
    EXEC (N'CREATE SCHEMA sonia');
GO

-- Built-in memory store: notes and remembered facts, searched by keyword.
CREATE TABLE sonia.memories
(
    memory_id      varchar(64)   NOT NULL,
    session_id     varchar(128)  NULL,
    [text]         nvarchar(max) NOT NULL,
    -- Application-defined encoding (a JSON array of strings); NULL when there are none.
    tags           nvarchar(max) NULL,
    created_at     datetime2(3)  NOT NULL,
    correlation_id varchar(128)  NOT NULL,
    CONSTRAINT PK_memories PRIMARY KEY CLUSTERED (memory_id)
);

CREATE NONCLUSTERED INDEX IX_memories_session_created
    ON sonia.memories (session_id, created_at);
GO
