-- The group tree at a past instant needs the versions whose [valid_from, valid_to) contains
-- it. A B-tree on (valid_from, valid_to) answers that by scanning every version that began
-- before the instant (half the history, half-way back); an R*Tree over the validity
-- intervals finds just the live ones. Its 32-bit float coordinates are rounded outwards, so
-- it is a prefilter: readers re-check the exact times on `groups`. Kept in step by triggers
-- in the writing transaction; derived data, so system backups leave it out (a restore
-- rebuilds it through the triggers). An open version ends at 1e18 (after any instant).
CREATE VIRTUAL TABLE groups_span USING rtree (version_id, from_lo, from_hi, to_lo, to_hi);

INSERT INTO groups_span (version_id, from_lo, from_hi, to_lo, to_hi)
SELECT version_id, valid_from, valid_from, COALESCE(valid_to, 1e18), COALESCE(valid_to, 1e18)
FROM groups;

CREATE TRIGGER groups_span_insert AFTER INSERT ON groups
BEGIN
    INSERT INTO groups_span (version_id, from_lo, from_hi, to_lo, to_hi)
    VALUES (NEW.version_id, NEW.valid_from, NEW.valid_from,
            COALESCE(NEW.valid_to, 1e18), COALESCE(NEW.valid_to, 1e18));
END;

CREATE TRIGGER groups_span_update AFTER UPDATE OF valid_from, valid_to ON groups
BEGIN
    UPDATE groups_span
    SET from_lo = NEW.valid_from, from_hi = NEW.valid_from,
        to_lo = COALESCE(NEW.valid_to, 1e18), to_hi = COALESCE(NEW.valid_to, 1e18)
    WHERE version_id = NEW.version_id;
END;

CREATE TRIGGER groups_span_delete AFTER DELETE ON groups
BEGIN
    DELETE FROM groups_span WHERE version_id = OLD.version_id;
END;
