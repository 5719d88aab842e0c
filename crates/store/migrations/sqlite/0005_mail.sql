-- E-mail channel: every mail Kefu receives or sends, by its Message-ID, so a mail fetched twice
-- is stored once and a reply finds its conversation through In-Reply-To / References.

CREATE TABLE mail_messages (
    inbox_id        TEXT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    -- The RFC 5322 Message-ID without angle brackets (made from the content when missing).
    message_id      TEXT NOT NULL,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE CASCADE,
    -- The conversation message it became, if any.
    chat_message_id TEXT,
    -- in | out
    direction       TEXT NOT NULL,
    -- stored | auto_reply | bounce | own_mail | unparsable | sent
    outcome         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (inbox_id, message_id)
);
CREATE INDEX mail_messages_conversation ON mail_messages (conversation_id);
