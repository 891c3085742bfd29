-- pingsvc.targets.location_label: the place an RFC 8805 geofeed gives for
-- the prefix a bootstrap target was drawn from.

ALTER TABLE pingsvc.targets
    ADD COLUMN location_label text CHECK (length(location_label) BETWEEN 1 AND 200);

COMMENT ON COLUMN pingsvc.targets.location_label IS
    'Human-readable place from a geofeed ("City, REGION, CC"), if the target came from one.';
