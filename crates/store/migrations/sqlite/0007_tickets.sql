-- Tickets: every conversation gets a number people can read out on the phone, a type and the
-- fields admins define; merges leave a pointer; macros; complaint and after-sale claim cases
-- with their public tracking; service-level clocks and the breaches they record. Ticket
-- numbers come from the named counter 'ticket'.

ALTER TABLE conversations ADD COLUMN number INTEGER;
UPDATE conversations SET number = r.n
  FROM (SELECT id, 1000 + ROW_NUMBER() OVER (ORDER BY created_at, id) AS n FROM conversations) r
 WHERE conversations.id = r.id;
INSERT INTO counters (name, value) SELECT 'ticket', 1000 + COUNT(*) FROM conversations;
CREATE UNIQUE INDEX conversations_number ON conversations (number);
-- New conversations take the counter's next value (the insert asks for it; only one writer
-- runs at a time in SQLite, so the trigger that moves the counter on cannot race).
CREATE TRIGGER conversations_number AFTER INSERT ON conversations
BEGIN
    UPDATE counters SET value = NEW.number WHERE name = 'ticket' AND value < NEW.number;
END;
-- question, incident, complaint, claim, suggestion.
ALTER TABLE conversations ADD COLUMN ticket_type TEXT NOT NULL DEFAULT 'question';
-- JSON object of the admin-defined fields' values.
ALTER TABLE conversations ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE conversations ADD COLUMN merged_into TEXT REFERENCES conversations (id);
-- The earliest service-level target still running, and which one (kept with the clock).
ALTER TABLE conversations ADD COLUMN sla_due INTEGER;
ALTER TABLE conversations ADD COLUMN sla_metric TEXT NOT NULL DEFAULT '';

CREATE TABLE macros (
    id         TEXT PRIMARY KEY,
    -- An agent's own macro, or (NULL) one the whole shop shares.
    owner_id   TEXT REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    -- JSON: reply text, changes, assignment.
    actions    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX macros_owner ON macros (owner_id);

CREATE TABLE cases (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    -- complaint or claim.
    kind            TEXT NOT NULL,
    -- What the customer quotes (TS-… / SH-…); the access key opens the status page.
    tracking        TEXT NOT NULL UNIQUE,
    access_digest   TEXT NOT NULL,
    email           TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL DEFAULT '',
    order_ref       TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    -- A claim's requested resolution: return, refund or exchange.
    resolution      TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX cases_kind ON cases (kind, status, created_at);

CREATE TABLE sla_clocks (
    conversation_id     TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    policy_id           TEXT NOT NULL,
    first_response_due  INTEGER,
    first_response_at   INTEGER,
    -- Since when the customer waits for the next answer, and until when it is due.
    next_response_from  INTEGER,
    next_response_due   INTEGER,
    resolution_due      INTEGER,
    resolved_at         INTEGER,
    -- Comma list of what was done about a due: `remind:metric:due`, `breach:metric:due`.
    reminded            TEXT NOT NULL DEFAULT '',
    -- When the clock next needs a look (a reminder or a breach); NULL when nothing runs.
    next_check          INTEGER,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX sla_clocks_check ON sla_clocks (next_check);

CREATE TABLE sla_breaches (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    policy_id       TEXT NOT NULL,
    -- first_response, next_response or resolution.
    metric          TEXT NOT NULL,
    due_at          INTEGER NOT NULL,
    breached_at     INTEGER NOT NULL,
    inbox_id        TEXT NOT NULL,
    assignee_id     TEXT,
    team_id         TEXT,
    UNIQUE (conversation_id, metric, due_at)
);
CREATE INDEX sla_breaches_at ON sla_breaches (breached_at);
