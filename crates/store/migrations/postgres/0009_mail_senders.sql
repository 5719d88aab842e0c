-- Mails from one address are counted per inbox and hour, to stop a flood (issue 8).
CREATE INDEX mail_messages_sender ON mail_messages (inbox_id, from_addr, created_at);
