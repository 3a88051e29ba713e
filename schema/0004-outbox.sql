-- Outbox: every message that must reach someone outside (email, partner
-- webhook) is written here in the same transaction as the change that
-- caused it, then delivered by the outbox on the loop with retries.
-- A row holds the whole composed message, so a retry sends the same
-- bytes (the same Message-ID) as the first attempt.

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('mail', 'webhook')),
    recipient   TEXT NOT NULL,      -- mail: the address; webhook: the URL
    subject     TEXT,               -- mail only: shown in listings
    ref         TEXT,               -- what caused it, e.g. "series:3"
    message_id  TEXT,               -- mail: the Message-ID, without brackets
    body        BLOB NOT NULL,      -- mail: the RFC 5322 message; webhook: JSON
    secret      TEXT,               -- webhook: the signing secret
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,   -- earliest time of the next attempt
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_at);
