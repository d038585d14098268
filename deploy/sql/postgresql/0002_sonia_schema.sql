-- First migration of the project schema (sonia) on PostgreSQL 15.
-- The migrator may already have created the schema for its journal (sonia.schema_versions).
CREATE SCHEMA IF NOT EXISTS sonia;

-- Built-in memory store: notes and remembered facts, searched by keyword.
CREATE TABLE sonia.memories
(
    memory_id      varchar(64)  NOT NULL,
    session_id     varchar(128) NULL,
    text           text         NOT NULL,
    -- Application-defined encoding (a JSON array of strings); NULL when there are none.
    tags           text         NULL,
    created_at     timestamptz  NOT NULL,
    correlation_id varchar(128) NOT NULL,
    -- The simple configuration: no stemming or stop words, so any language and exact tokens work.
    search         tsvector     GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
    CONSTRAINT pk_memories PRIMARY KEY (memory_id)
);

CREATE INDEX ix_memories_search ON sonia.memories USING gin (search);

CREATE INDEX ix_memories_session_created ON sonia.memories (session_id, created_at);
