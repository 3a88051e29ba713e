-- The audit log: one row for every change made through the API, never
-- changed or removed. A row names who (the token, its name and role),
-- what (the method and the route template, never the raw path, which can
-- carry names and emails), which object (a kind and a number) and when;
-- nothing identifying. Rows are chained: hash = SHA-256(hash of the row
-- before || canonical form of this row), so an edited, inserted or
-- removed row breaks the chain at that place (see server/audit.c).
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    token_id INTEGER,
    token_name TEXT,
    role TEXT,
    action TEXT NOT NULL,
    kind TEXT,
    object_id INTEGER,
    status INTEGER NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_at ON audit (at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
