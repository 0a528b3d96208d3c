-- SQLite adds an R*Tree over the group versions' validity intervals for past group trees
-- (sqlite/0052). PostgreSQL answers them from groups_tree_valid (0051); this keeps the two
-- schemas at the same version, which system backups record.
SELECT 1;
