-- The identifier an identity provider (Entra ID, a SCIM client's `externalId`) gives a group,
-- versioned with the group's other fields. Existing versions have none.
ALTER TABLE groups ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
