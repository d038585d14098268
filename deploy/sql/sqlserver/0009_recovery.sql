-- Which silo instance (address:port@generation) holds an action's lease, so that its work resumes as soon as
-- membership declares that silo dead, or a restarted single silo starts, instead of when lease_until runs out.

ALTER TABLE sonia.actions ADD lease_owner varchar(128) NULL;
GO

CREATE INDEX ix_actions_lease_owner ON sonia.actions (lease_owner) WHERE lease_owner IS NOT NULL;
GO
