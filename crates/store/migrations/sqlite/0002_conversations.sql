-- The conversation model every channel uses: conversations carry status, stage, priority,
-- assignee, team, tags and a gap-free message sequence; messages carry the client's id so a
-- resend never duplicates. Visitors are the widget's anonymous browsers, each tied to a contact
-- (a users row with the customer role) that becomes a known customer when they identify.

ALTER TABLE conversations ADD COLUMN stage TEXT NOT NULL DEFAULT 'pre_sale';
ALTER TABLE conversations ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE conversations ADD COLUMN assignee_id TEXT REFERENCES users (id);
ALTER TABLE conversations ADD COLUMN team_id TEXT REFERENCES teams (id);
ALTER TABLE conversations ADD COLUMN snoozed_until INTEGER;
ALTER TABLE conversations ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN last_message_at INTEGER;
CREATE INDEX conversations_assignee ON conversations (assignee_id, status);

ALTER TABLE users ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';

CREATE TABLE conversation_tags (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tag             TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    author_kind     TEXT NOT NULL,
    author_id       TEXT,
    client_id       TEXT,
    body            TEXT NOT NULL DEFAULT '',
    meta            TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
);

CREATE TABLE conversation_reads (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    reader_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, reader_id)
);

CREATE TABLE visitors (
    id           TEXT PRIMARY KEY,
    digest       TEXT NOT NULL UNIQUE,
    inbox_id     TEXT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    contact_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX visitors_contact ON visitors (contact_id);
