-- E-mail inboxes: what each received mail was (sender, subject, the raw file kept for admins
-- and for the original view, why it could not be read), where each inbox's IMAP reading stands,
-- signatures of agents and inboxes, and the details of mail sent from a conversation.

ALTER TABLE mail_messages ADD COLUMN from_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages ADD COLUMN subject TEXT NOT NULL DEFAULT '';
-- Where the raw mail is kept under the uploads folder ('' for mail we sent).
ALTER TABLE mail_messages ADD COLUMN raw_key TEXT NOT NULL DEFAULT '';
-- Why the mail could not be read (outcome unparsable).
ALTER TABLE mail_messages ADD COLUMN error TEXT NOT NULL DEFAULT '';
CREATE INDEX mail_messages_outcome ON mail_messages (outcome, created_at);

CREATE TABLE mail_inbox_state (
    inbox_id     TEXT PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    -- The mailbox's UIDVALIDITY; a change means UIDs were renumbered and reading starts over
    -- (Message-IDs keep that from storing anything twice).
    uid_validity BIGINT NOT NULL DEFAULT 0,
    last_uid     BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    last_ok_at   BIGINT,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE signatures (
    id         TEXT PRIMARY KEY,
    -- An agent's own signature, or (owner NULL) one of an inbox's.
    owner_id   TEXT REFERENCES users (id) ON DELETE CASCADE,
    inbox_id   TEXT REFERENCES inboxes (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX signatures_owner ON signatures (owner_id);
CREATE INDEX signatures_inbox ON signatures (inbox_id);

-- JSON details of a conversation mail (inbox, sender, CC, BCC, threading, attachments).
ALTER TABLE outbox ADD COLUMN payload TEXT NOT NULL DEFAULT '';
