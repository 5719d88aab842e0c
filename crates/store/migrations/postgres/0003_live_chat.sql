-- Live chat: agent presence and capacity for routing, inbox settings (auto-assignment,
-- business hours, pre-chat and offline forms), the queue, tags kept on the conversation,
-- attachments, the pages visitors browse, proactive invitation rules and @mention
-- notifications.

ALTER TABLE users ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline';
ALTER TABLE users ADD COLUMN presence_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN max_chats BIGINT NOT NULL DEFAULT 5;
ALTER TABLE users ADD COLUMN last_assigned_at BIGINT NOT NULL DEFAULT 0;

ALTER TABLE inboxes ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- Set when the contact is waiting for an agent (queue order); cleared on assignment.
ALTER TABLE conversations ADD COLUMN waiting_since BIGINT;
-- Comma-separated, sorted, lower case: filterable with LIKE on both backends.
ALTER TABLE conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '';
DROP TABLE conversation_tags;
CREATE INDEX conversations_queue ON conversations (inbox_id, waiting_since);

CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    storage_key     TEXT NOT NULL,
    uploaded_by     TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX attachments_conversation ON attachments (conversation_id);

CREATE TABLE page_views (
    id           TEXT PRIMARY KEY,
    visitor_id   TEXT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    title        TEXT NOT NULL,
    referrer     TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX page_views_visitor ON page_views (visitor_id, started_at);
CREATE INDEX visitors_seen ON visitors (inbox_id, last_seen_at);

CREATE TABLE invitation_rules (
    id             TEXT PRIMARY KEY,
    inbox_id       TEXT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    url_pattern    TEXT NOT NULL,
    min_seconds    BIGINT NOT NULL,
    returning_only BOOLEAN NOT NULL DEFAULT FALSE,
    message        TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- A reply mailed to a customer who left the chat: sent only if they have not read up to seq.
ALTER TABLE outbox ADD COLUMN conversation_id TEXT;
ALTER TABLE outbox ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
