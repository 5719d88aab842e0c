-- Service quality: each agent reply's check (the quality report), the standard phrases
-- (规范用语), calls logged by agents and callbacks customers ask for (电话服务).

CREATE TABLE quality_checks (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    agent_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id         TEXT,
    -- chat or email.
    channel         TEXT NOT NULL,
    -- clean, sent_anyway, stopped or blocked.
    outcome         TEXT NOT NULL,
    -- Comma list of the rules found (mail:<code> for e-mail etiquette).
    rules           TEXT NOT NULL DEFAULT '',
    excerpt         TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX quality_checks_at ON quality_checks (created_at);

CREATE TABLE phrases (
    id         TEXT PRIMARY KEY,
    -- An agent's own, or (NULL) the shop's.
    owner_id   TEXT REFERENCES users (id) ON DELETE CASCADE,
    -- greeting, inquiry, response, apology, thanks, or a kind admins added.
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body_zh    TEXT NOT NULL DEFAULT '',
    body_en    TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX phrases_owner ON phrases (owner_id);

CREATE TABLE calls (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    agent_id        TEXT NOT NULL REFERENCES users (id),
    -- inbound or outbound.
    direction       TEXT NOT NULL,
    number          TEXT NOT NULL DEFAULT '',
    started_at      BIGINT NOT NULL,
    duration_seconds BIGINT NOT NULL DEFAULT 0,
    -- answered, resolved, callback_needed, no_answer, voicemail, wrong_number.
    outcome         TEXT NOT NULL,
    notes           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX calls_customer ON calls (customer_id, started_at);
CREATE INDEX calls_conversation ON calls (conversation_id);

CREATE TABLE callbacks (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    name            TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL,
    -- When the customer would like the call (ms), NULL for "as soon as possible".
    preferred_at    BIGINT,
    note            TEXT NOT NULL DEFAULT '',
    -- open, taken, done or cancelled.
    status          TEXT NOT NULL,
    assignee_id     TEXT REFERENCES users (id),
    call_id         TEXT REFERENCES calls (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX callbacks_status ON callbacks (status, preferred_at);
