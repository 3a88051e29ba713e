-- Monthly meetings: a series per PCN (one recurring VEVENT), the meetings
-- it expands into, who is needed, who came, and which case sits in which
-- slot. Times are Unix seconds (UTC) except a series' dtstart, which is a
-- wall-clock time in the series' own time zone (the RRULE is evaluated
-- there, so 10:00 stays 10:00 across the clock changes).

CREATE TABLE series (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,            -- iCalendar UID, stable for the series
    pcn_id       INTEGER NOT NULL REFERENCES pcns(id),
    title        TEXT NOT NULL,
    rrule        TEXT NOT NULL,                   -- validated by libical
    dtstart      TEXT NOT NULL,                   -- 'YYYY-MM-DDTHH:MM' in tz
    tz           TEXT NOT NULL DEFAULT 'Europe/London',
    duration_min INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 1440),
    list_id      INTEGER NOT NULL REFERENCES lists(id),
    url          TEXT NOT NULL,                   -- the online meeting link
    chair_id     INTEGER REFERENCES people(id),   -- ORGANIZER; NULL: smtp_from
    slots        INTEGER NOT NULL DEFAULT 6 CHECK (slots BETWEEN 1 AND 50),
    slot_minutes INTEGER NOT NULL DEFAULT 20 CHECK (slot_minutes BETWEEN 5 AND 240),
    holidays     TEXT NOT NULL DEFAULT 'keep'
                 CHECK (holidays IN ('keep', 'skip', 'next_working_day')),
    sequence     INTEGER NOT NULL DEFAULT 0,      -- iCalendar SEQUENCE: raised by every change
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    expanded_to  INTEGER NOT NULL DEFAULT 0,      -- meetings exist for occurrences before this
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX series_pcn ON series(pcn_id);
CREATE INDEX series_list ON series(list_id);

-- Organisations whose presence the meeting needs (quorum).
CREATE TABLE series_required_orgs (
    series_id    INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (series_id, org_id)
) WITHOUT ROWID;

-- One row per occurrence. recurrence_id is the start the rule gives (the
-- RECURRENCE-ID of an override); start_at differs from it when the
-- occurrence was moved, by the chair or off a bank holiday (moved = 1:
-- the invite carries an override VEVENT for it). A skipped or cancelled
-- occurrence keeps its row with status 'cancelled' (an EXDATE, or a
-- cancelled override).
CREATE TABLE meetings (
    id             INTEGER PRIMARY KEY,
    series_id      INTEGER NOT NULL REFERENCES series(id),
    recurrence_id  INTEGER NOT NULL,
    start_at       INTEGER NOT NULL,
    end_at         INTEGER NOT NULL,
    moved          INTEGER NOT NULL DEFAULT 0,
    move_reason    TEXT,                          -- 'holiday' or 'chair' (with moved = 1)
    status         TEXT NOT NULL DEFAULT 'scheduled'
                   CHECK (status IN ('scheduled', 'cancelled', 'closed')),
    cancel_reason  TEXT,                          -- 'holiday', 'chair', 'series'
    agenda_sent_at INTEGER,
    closed_at      INTEGER,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (series_id, recurrence_id)
);
CREATE INDEX meetings_start ON meetings(start_at);
CREATE INDEX meetings_series ON meetings(series_id, start_at);

-- Attendance recorded by the chair after the meeting.
CREATE TABLE attendance (
    meeting_id   INTEGER NOT NULL REFERENCES meetings(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    status       TEXT NOT NULL CHECK (status IN ('attended', 'apologies', 'absent', 'deputy')),
    deputy_for   INTEGER REFERENCES people(id),
    PRIMARY KEY (meeting_id, person_id)
) WITHOUT ROWID;

-- A token may belong to a person (a case holder's own invites, a chair).
ALTER TABLE tokens ADD COLUMN person_id INTEGER REFERENCES people(id);

-- Where a case sits: meeting_id (0002) now names a meeting; slot is its
-- place in the order (1-based); carried counts the meetings it was moved
-- on from without being discussed. holder_id is the person of the token
-- that submitted it (their invite for the case's slot).
ALTER TABLE cases ADD COLUMN slot INTEGER;
ALTER TABLE cases ADD COLUMN carried INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN holder_id INTEGER REFERENCES people(id);
CREATE INDEX cases_meeting ON cases(meeting_id, slot);
