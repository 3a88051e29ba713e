-- Invites: who has been sent the calendar invite of a series (or of one
-- case's slot), their answers, and private calendar feeds. Secrets (RSVP
-- links, feed URLs) are kept only as SHA-256 hashes: the link carries the
-- secret, the database cannot give it back.

-- When `mdt invite send` first ran: before it, changes send nothing.
ALTER TABLE series ADD COLUMN invited_at INTEGER;

-- One row per (series, person) for the whole series (case_id 0), and one
-- per (case, holder) for a case's slot. status 'cancelled': a CANCEL went
-- out (the person left the list, the case left the agenda, the series was
-- cancelled). sent_sequence is the SEQUENCE of the last message sent and
-- sent_start a slot's start in it: a change that alters neither sends
-- nothing, so each change gives one message however many paths report it.
CREATE TABLE invitations (
    id            INTEGER PRIMARY KEY,
    series_id     INTEGER NOT NULL REFERENCES series(id),
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    case_id       INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    sent_sequence INTEGER NOT NULL DEFAULT 0,
    sent_start    INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (series_id, person_id, case_id)
);
CREATE INDEX invitations_person ON invitations(person_id);

-- Every message carries a fresh RSVP link; each stays valid while its
-- invitation is active.
CREATE TABLE rsvp_links (
    hash          BLOB PRIMARY KEY,
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX rsvp_links_invitation ON rsvp_links(invitation_id);

-- Answers: for the whole series (meeting_id 0) or for one meeting, which
-- takes precedence for that meeting.
CREATE TABLE rsvps (
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    meeting_id    INTEGER NOT NULL DEFAULT 0,
    partstat      TEXT NOT NULL CHECK (partstat IN ('accepted', 'declined', 'tentative')),
    via           TEXT NOT NULL CHECK (via IN ('link', 'imip')),
    answered_at   INTEGER NOT NULL,
    PRIMARY KEY (invitation_id, meeting_id)
) WITHOUT ROWID;

-- Private feed URLs. A person may hold several (each `mdt feed url`
-- issues one, since a hash cannot be shown again); `mdt feed revoke`
-- deletes them all and issues a new one.
CREATE TABLE feed_secrets (
    hash          BLOB PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX feed_secrets_person ON feed_secrets(person_id);

-- The chair is told once per meeting that a required organisation will
-- be absent.
CREATE TABLE quorum_warnings (
    meeting_id    INTEGER PRIMARY KEY REFERENCES meetings(id),
    warned_at     INTEGER NOT NULL
);

-- Fan-out jobs. A change to an invited series (invite send, an update, a
-- cancel, a member joining or leaving) writes one row here in its own
-- transaction instead of one message per recipient; the fan-out runner
-- (server/fanout.c) then brings every invitation of the series up to
-- date a few recipients at a time, each slice in its own transaction.
-- The rule, not a snapshot: a slice sends to the recipients whose
-- invitation (above) does not have the series' current SEQUENCE or
-- status yet, and marks it in the same transaction as the message, so
-- a crash between slices resumes with neither duplicates nor gaps, and
-- a second change before the first is expanded re-arms the same job
-- (one message with the newest version). cursor is the last person (in
-- phase 'people') or case (in phase 'cases': slot invites) looked at.
CREATE TABLE invite_jobs (
    id          INTEGER PRIMARY KEY,
    series_id   INTEGER NOT NULL REFERENCES series(id),
    sequence    INTEGER NOT NULL,   -- the series' SEQUENCE the job was (re)armed for
    kind        TEXT NOT NULL CHECK (kind IN ('REQUEST', 'CANCEL')),
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    phase       TEXT NOT NULL DEFAULT 'people' CHECK (phase IN ('people', 'cases')),
    cursor      INTEGER NOT NULL DEFAULT 0,
    queued      INTEGER NOT NULL DEFAULT 0, -- messages queued by its slices
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    done_at     INTEGER
);
-- At most one pending job per series: a new change re-arms it.
CREATE UNIQUE INDEX invite_jobs_pending ON invite_jobs(series_id) WHERE state = 'pending';
