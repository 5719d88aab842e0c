-- One word per thing (issue 18): the row that holds a person is a person, in the table as in
-- the code; a column naming one says so (`person_id`), or names the role it plays there
-- (`customer_id`, `assignee_id`, `author_id`, `agent_id`).
ALTER TABLE users RENAME TO people;
ALTER TABLE visitors RENAME COLUMN contact_id TO customer_id;
ALTER TABLE recovery_codes RENAME COLUMN user_id TO person_id;
ALTER TABLE sessions RENAME COLUMN user_id TO person_id;
ALTER TABLE one_time_tokens RENAME COLUMN user_id TO person_id;
ALTER TABLE team_members RENAME COLUMN user_id TO person_id;
ALTER TABLE notifications RENAME COLUMN user_id TO person_id;
