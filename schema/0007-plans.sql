-- Care plans: what a meeting proposed for a case (an outcome and its
-- actions), the case holder's confirmation that the person agreed it,
-- each partner organisation's progress on its actions, and the case's
-- closure and purge. Times are Unix seconds (UTC); due dates and
-- agreed_on are calendar dates 'YYYY-MM-DD'. Every text here passed the
-- same identifier gate as case text.

-- One outcome per case and meeting: the risk the meeting recorded.
CREATE TABLE outcomes (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    meeting_id   INTEGER NOT NULL REFERENCES meetings(id),
    risk         TEXT,                              -- scrubbed; NULL when none given
    recorded_by  INTEGER NOT NULL REFERENCES tokens(id),
    recorded_at  INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (case_id, meeting_id)
);
CREATE INDEX outcomes_meeting ON outcomes(meeting_id);

-- One row per action. status is the latest of its history (action_updates);
-- 'proposed' until the plan is confirmed, then 'accepted', 'declined',
-- 'in_progress' or 'done' as the partner reports. sent_at: when the
-- partner was told (NULL: not yet, e.g. still proposed). version rises
-- with every change; an update naming an older version is refused (409).
-- removed_at: taken out of the plan by an amendment (kept for history
-- and counts, shown as removed, never chased).
CREATE TABLE actions (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    meeting_id   INTEGER NOT NULL REFERENCES meetings(id),
    outcome_id   INTEGER NOT NULL REFERENCES outcomes(id),
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    person_id    INTEGER REFERENCES people(id),    -- the named professional, optional
    what         TEXT NOT NULL,                     -- scrubbed
    due_on       TEXT NOT NULL,                     -- 'YYYY-MM-DD'
    status       TEXT NOT NULL DEFAULT 'proposed'
                 CHECK (status IN ('proposed', 'accepted', 'declined', 'in_progress', 'done')),
    sent_at      INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    completed_at INTEGER,                           -- when status became 'done'
    removed_at   INTEGER
);
CREATE INDEX actions_case ON actions(case_id);
CREATE INDEX actions_org ON actions(org_id, status, due_on);
CREATE INDEX actions_meeting ON actions(meeting_id);

-- Every status change of an action, never overwritten or removed. The
-- first row of every action is its 'proposed' state (via 'record', or
-- 'amend' for an action added by an amendment, token_id the recorder's);
-- then the partner's answers: via 'token' (token_id) or 'link' (link_id,
-- the capability link used). version is the action's version after it.
CREATE TABLE action_updates (
    id           INTEGER PRIMARY KEY,
    action_id    INTEGER NOT NULL REFERENCES actions(id),
    status       TEXT NOT NULL
                 CHECK (status IN ('proposed', 'accepted', 'declined', 'in_progress', 'done')),
    note         TEXT,                              -- scrubbed; a decline's reason; NULL once purged
    via          TEXT NOT NULL CHECK (via IN ('record', 'amend', 'token', 'link')),
    token_id     INTEGER REFERENCES tokens(id),
    link_id      INTEGER REFERENCES action_links(id),
    version      INTEGER NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX action_updates_action ON action_updates(action_id, id);
-- History: only the purge may blank a note (of a closed case).
CREATE TRIGGER action_updates_no_update
BEFORE UPDATE OF action_id, status, via, token_id, link_id, version, at ON action_updates
BEGIN
    SELECT RAISE(ABORT, 'action updates are history');
END;

-- The case holder's confirmation that the person agreed the plan.
-- version rises with every amendment.
CREATE TABLE plans (
    case_id      INTEGER PRIMARY KEY REFERENCES cases(id),
    agreed_on    TEXT NOT NULL,                     -- 'YYYY-MM-DD'
    confirmed_at INTEGER NOT NULL,
    confirmed_by INTEGER NOT NULL REFERENCES tokens(id),
    amended_at   INTEGER,
    version      INTEGER NOT NULL DEFAULT 1
);

-- Capability links to an action's partner page, one per action and
-- recipient (the organisation's contact address, or the named
-- professional). Only the SHA-256 of the secret is kept; a link works
-- until expires_at and while revoked_at is NULL.
CREATE TABLE action_links (
    id           INTEGER PRIMARY KEY,
    hash         BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
    action_id    INTEGER NOT NULL REFERENCES actions(id),
    recipient    TEXT NOT NULL,                     -- the address it was sent to
    person_id    INTEGER REFERENCES people(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX action_links_action ON action_links(action_id);

-- Webhook signing secret per organisation (HMAC-SHA-256 key); set by the
-- chair with `mdt org webhook-secret ORG` and shown once.
ALTER TABLE orgs ADD COLUMN webhook_secret TEXT;

-- Closure: 'open' until the case holder steps it down (the person moved
-- to other support) or closes it. purged_at: the case's text was removed
-- (pseudonym, dates and counts are kept).
ALTER TABLE cases ADD COLUMN closure TEXT CHECK (closure IN ('stepped_down', 'closed'));
ALTER TABLE cases ADD COLUMN closed_at INTEGER;
ALTER TABLE cases ADD COLUMN purged_at INTEGER;
CREATE INDEX cases_closed ON cases(closed_at);

-- Reminders, digests and escalations already sent, so that nothing is
-- sent twice: kind 'reminder' and 'escalation' per action (key = the
-- action's id, due_on = the due date it was about: moving the due date by
-- an amendment allows a new reminder); 'digest' per organisation and week
-- (key = the org's id, due_on = the Monday of the week).
CREATE TABLE plan_notices (
    kind         TEXT NOT NULL CHECK (kind IN ('reminder', 'escalation', 'digest')),
    key          INTEGER NOT NULL,
    due_on       TEXT NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (kind, key, due_on)
) WITHOUT ROWID;
