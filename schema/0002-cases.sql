-- Cases: the pseudonymised payload a case holder submits. No identifying
-- field exists here: the server checks every text for identifiers before
-- a row is written. meeting_id refers to meetings once they exist.

CREATE TABLE cases (
    id           INTEGER PRIMARY KEY,
    pseudonym    TEXT NOT NULL,
    age_band     TEXT NOT NULL,
    needs        TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
    presentation TEXT NOT NULL,
    question     TEXT NOT NULL,
    risk         TEXT NOT NULL,
    pcn_id       INTEGER NOT NULL REFERENCES pcns(id),
    meeting_id   INTEGER,
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    token_id     INTEGER NOT NULL REFERENCES tokens(id),
    status       TEXT NOT NULL DEFAULT 'submitted',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX cases_pcn ON cases(pcn_id);
CREATE INDEX cases_org ON cases(org_id);
CREATE INDEX cases_pseudonym ON cases(pseudonym);
