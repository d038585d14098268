-- Who submitted each action (the API key's name): four-eyes refuses an approval by the submitter, and a client
-- key lists only its own actions. Rows written before this column existed take the actor of their first audit row.

ALTER TABLE sonia.actions ADD submitted_by varchar(64) NULL;
GO

UPDATE a
SET submitted_by = (
    SELECT TOP (1) au.actor FROM sonia.action_audit au
    WHERE au.action_id = a.action_id AND au.from_status IS NULL
    ORDER BY au.audit_id)
FROM sonia.actions a;
GO

CREATE INDEX ix_actions_submitted_by ON sonia.actions (submitted_by, created_at DESC);
GO
