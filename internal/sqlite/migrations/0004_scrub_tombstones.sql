-- Deleting a recording now also clears its call details (parties, numbers, extensions, line,
-- attributes): retention removes the call's personal data, not only its audio. Scrub the
-- tombstones of recordings deleted before that.
UPDATE recordings SET extensions = '[]', external_numbers = '[]', parties = '[]', line = '', attributes = '{}'
WHERE deleted_at IS NOT NULL;
