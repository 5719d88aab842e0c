-- Knowledge base: categories (a category may hold sections: categories whose parent is set),
-- articles with a Chinese and an English version, their revisions, readers' feedback and the
-- chats they settled; and the change log the search index follows.

CREATE TABLE kb_categories (
    id             TEXT PRIMARY KEY,
    parent_id      TEXT REFERENCES kb_categories (id) ON DELETE CASCADE,
    slug           TEXT NOT NULL UNIQUE,
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_zh TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    position       BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

CREATE TABLE kb_articles (
    id           TEXT PRIMARY KEY,
    category_id  TEXT NOT NULL REFERENCES kb_categories (id),
    slug         TEXT NOT NULL UNIQUE,
    -- draft | published | archived
    status       TEXT NOT NULL,
    -- Comma-separated, sorted, lower case (like conversation tags).
    tags         TEXT NOT NULL DEFAULT '',
    title_zh     TEXT NOT NULL DEFAULT '',
    body_zh      TEXT NOT NULL DEFAULT '',
    title_en     TEXT NOT NULL DEFAULT '',
    body_en      TEXT NOT NULL DEFAULT '',
    author_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    revision     BIGINT NOT NULL,
    views        BIGINT NOT NULL DEFAULT 0,
    helpful      BIGINT NOT NULL DEFAULT 0,
    not_helpful  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX kb_articles_category ON kb_articles (category_id, status);
CREATE INDEX kb_articles_views ON kb_articles (status, views);

CREATE TABLE kb_revisions (
    article_id  TEXT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    number      BIGINT NOT NULL,
    category_id TEXT NOT NULL,
    slug        TEXT NOT NULL,
    status      TEXT NOT NULL,
    tags        TEXT NOT NULL,
    title_zh    TEXT NOT NULL,
    body_zh     TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    author_id   TEXT,
    -- Why this revision exists: edit | restore | import | conversation
    reason      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (article_id, number)
);

CREATE TABLE kb_feedback (
    id         TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    helpful    BOOLEAN NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    lang       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_feedback_article ON kb_feedback (article_id, created_at);

-- A visitor opened a suggested article from the widget instead of starting a chat.
CREATE TABLE kb_deflections (
    id         TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    visitor_id TEXT,
    query      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_deflections_article ON kb_deflections (article_id);

-- Named counters. On SQLite 'search' numbers the change log; taking it locks its row until
-- commit, so numbers appear in commit order. 'search_pruned' says how far the log was pruned.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('search', 0), ('search_pruned', 0);

-- What changed, for each instance's search index to catch up on. On PostgreSQL `seq` comes
-- from a sequence and readers follow the log by `txid`, the writing transaction's id (see
-- kefu_store::changes); on SQLite `txid` is unused.
CREATE TABLE search_changes (
    seq        BIGINT PRIMARY KEY,
    kind       TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    txid       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX search_changes_txid ON search_changes (txid);
CREATE SEQUENCE search_changes_seq;
