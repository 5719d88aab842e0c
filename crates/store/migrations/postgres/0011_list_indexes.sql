-- The conversation list walks conversations newest first and stops at its page, instead of
-- reading and sorting the whole table; an agent's reply finds the conversation's waiting
-- chat-reply mail without reading every pending mail.
CREATE INDEX conversations_recent ON conversations (updated_at DESC, id);
CREATE INDEX outbox_conversation ON outbox (conversation_id, status);
