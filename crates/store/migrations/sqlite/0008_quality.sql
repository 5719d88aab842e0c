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
    created_at      INTEGER NOT NULL
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
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX phrases_owner ON phrases (owner_id);

-- The standard phrases the seed names, in its five kinds, shared by the shop.
INSERT INTO phrases (id, owner_id, kind, title, body_zh, body_en, created_at, updated_at) VALUES
    ('seed-phrase-01', NULL, 'greeting', '问候 开场', '您好，我是{shop.name}的客服{agent.name}，很高兴为您服务，请问有什么可以帮您？', 'Hello, this is {agent.name} from {shop.name}. How may I help you today?', 0, 0),
    ('seed-phrase-02', NULL, 'greeting', '问候 称呼客户', '{customer.name}您好！感谢您联系{shop.name}。', 'Hello {customer.name}, thank you for contacting {shop.name}.', 0, 0),
    ('seed-phrase-03', NULL, 'inquiry', '询问 订单号', '为了尽快帮您查询，请问您的订单号是多少？', 'To look into this quickly, could you tell me your order number?', 0, 0),
    ('seed-phrase-04', NULL, 'inquiry', '询问 详情', '请问具体是什么情况呢？方便的话请发一张照片给我。', 'Could you tell me a little more about what happened? A photo would help if you have one.', 0, 0),
    ('seed-phrase-05', NULL, 'response', '应答 已记录', '好的，我已经为您记录下来，订单 {order.number} 会优先处理。', 'Certainly, I have noted this and order {order.number} will be handled first.', 0, 0),
    ('seed-phrase-06', NULL, 'response', '应答 马上处理', '明白了，我马上为您处理，请稍等片刻。', 'I understand, I am taking care of it right now. One moment, please.', 0, 0),
    ('seed-phrase-07', NULL, 'apology', '道歉 给您带来不便', '非常抱歉给您带来不便，我们会尽快为您解决。', 'I am very sorry for the inconvenience; we will sort this out for you as soon as possible.', 0, 0),
    ('seed-phrase-08', NULL, 'apology', '道歉 久等', '抱歉让您久等了，感谢您的耐心。', 'Sorry to keep you waiting, and thank you for your patience.', 0, 0),
    ('seed-phrase-09', NULL, 'thanks', '感谢 结束', '感谢您的耐心，如果还有其他问题，随时联系我们。祝您生活愉快！', 'Thank you for your patience. If anything else comes up, just get in touch. Have a nice day!', 0, 0),
    ('seed-phrase-10', NULL, 'thanks', '感谢 支持', '感谢您对{shop.name}的支持，期待再次为您服务。', 'Thank you for shopping with {shop.name}; we look forward to serving you again.', 0, 0);

CREATE TABLE calls (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    agent_id        TEXT NOT NULL REFERENCES users (id),
    -- inbound or outbound.
    direction       TEXT NOT NULL,
    number          TEXT NOT NULL DEFAULT '',
    started_at      INTEGER NOT NULL,
    duration_seconds INTEGER NOT NULL DEFAULT 0,
    -- answered, resolved, callback_needed, no_answer, voicemail, wrong_number.
    outcome         TEXT NOT NULL,
    notes           TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
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
    preferred_at    INTEGER,
    note            TEXT NOT NULL DEFAULT '',
    -- open, taken, done or cancelled.
    status          TEXT NOT NULL,
    assignee_id     TEXT REFERENCES users (id),
    call_id         TEXT REFERENCES calls (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX callbacks_status ON callbacks (status, preferred_at);
