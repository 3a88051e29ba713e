-- The directory (organisations, professionals, PCNs, distribution lists)
-- and the API tokens. Times are Unix seconds (UTC); answers format them
-- in the deployment's time zone. Names compare without case, so "Lewisham
-- Homes" and "lewisham homes" are one organisation.

CREATE TABLE orgs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind        TEXT NOT NULL,
    needs       TEXT NOT NULL DEFAULT '[]',   -- JSON array of need names
    email       TEXT NOT NULL,
    webhook_url TEXT,
    capacity    TEXT NOT NULL DEFAULT 'open',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    title       TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX people_org ON people(org_id);

CREATE TABLE pcns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    pcn_id      INTEGER REFERENCES pcns(id),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX lists_pcn ON lists(pcn_id);

-- Deleting a person or a list removes the memberships with it.
CREATE TABLE list_members (
    list_id     INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, person_id)
) WITHOUT ROWID;
CREATE INDEX list_members_person ON list_members(person_id);

-- Only the SHA-256 of each token is kept.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'chair', 'case_holder', 'partner')),
    org_id      INTEGER REFERENCES orgs(id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX tokens_org ON tokens(org_id);
