#![allow(clippy::unwrap_used)]
//! Knowledge base, help centre, search and self-service, over HTTP on both databases.

use std::time::{Duration, Instant};

use crate::common::live::{open_conversation, shop, visitor};
use crate::common::{Browser, Server, person, signed_in, start, start_with};
use kefu_core::Role;
use kefu_store::knowledge::{self, ArticleInput, CategoryInput, reason};
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, teams};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn new_category(b: &Browser, slug: &str, parent: Option<&str>) -> String {
    let r = b
        .api(
            Method::POST,
            "/api/v1/kb/categories",
            Some(json!({"slug": slug, "name_zh": format!("{slug}类"), "name_en": format!("{slug} things"),
                        "parent_id": parent})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn new_article(b: &Browser, body: Value) -> Value {
    let r = b.api(Method::POST, "/api/v1/kb/articles", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

/// Polls until `check` holds, for at most `secs` seconds; returns how long it took.
async fn eventually<F: AsyncFn() -> bool>(secs: u64, check: F) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if check().await {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within {secs} s");
}

both_backends!(
    admins_write_agents_draft_and_every_save_is_a_revision,
    writing
);
async fn writing(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    person(&s, "agent@shop.com", Role::Agent).await;
    let boss = signed_in(&s, "boss@shop.com").await;
    let agent = signed_in(&s, "agent@shop.com").await;
    let orders = new_category(&boss, "orders", None).await;

    // Bad input gets clear 4xx errors.
    for (body, code) in [
        (json!({"category_id": orders}), "invalid_title"),
        (
            json!({"category_id": "nope", "title_en": "x"}),
            "invalid_category",
        ),
        (
            json!({"category_id": orders, "title_en": "x", "status": "live"}),
            "invalid_status",
        ),
        (
            json!({"category_id": orders, "title_en": "x", "slug": "Not OK"}),
            "invalid_slug",
        ),
        (
            json!({"category_id": orders, "body_en": "text without a title", "title_zh": "标题"}),
            "invalid_title",
        ),
    ] {
        let r = boss
            .api(Method::POST, "/api/v1/kb/articles", Some(body))
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::BAD_REQUEST, code.to_string()),
            "{}",
            r.body
        );
    }
    // Agents draft; they cannot publish or make categories.
    let r = agent
        .api(
            Method::POST,
            "/api/v1/kb/articles",
            Some(json!({"category_id": orders, "title_en": "Refunds", "status": "published"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = agent
        .api(
            Method::POST,
            "/api/v1/kb/categories",
            Some(json!({"name_en": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let draft = new_article(
        &agent,
        json!({"category_id": orders, "title_en": "Refunds & returns", "body_en": "Within **7** days.",
               "title_zh": "退款与退货", "body_zh": "七天内。", "tags": ["Refund", "returns"]}),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!(draft["slug"], "refunds-returns");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["tags"], "refund,returns");
    assert_eq!(draft["html_en"], "<p>Within <strong>7</strong> days.</p>\n");

    // The admin publishes it.
    let path = format!("/api/v1/kb/articles/{id}");
    let publish = json!({"category_id": orders, "title_en": "Refunds & returns",
        "body_en": "Within **14** days.", "title_zh": "退款与退货", "body_zh": "十四天内。",
        "status": "published", "revision": 1});
    let r = boss.api(Method::PUT, &path, Some(publish.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["revision"], 2);
    // The agent can no longer change it; a stale save is refused.
    let r = agent.api(Method::PUT, &path, Some(publish.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = boss.api(Method::PUT, &path, Some(publish)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "edit_conflict".to_string())
    );

    // History, and restoring the agent's draft text as revision 3.
    let revs = boss
        .api(Method::GET, &format!("{path}/revisions"), None)
        .await
        .json();
    assert_eq!(revs.as_array().unwrap().len(), 2);
    let r = boss
        .api(Method::POST, &format!("{path}/revisions/1/restore"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["revision"].clone(), r.json()["status"].clone()),
        (json!(3), json!("draft"))
    );
    let r = agent
        .api(Method::POST, &format!("{path}/revisions/1/restore"), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Categories: sections inside categories, not deeper; only empty ones go.
    let section = new_category(&boss, "shipping", Some(&orders)).await;
    let r = boss
        .api(
            Method::POST,
            "/api/v1/kb/categories",
            Some(json!({"name_en": "deep", "parent_id": section})),
        )
        .await;
    assert_eq!(r.code(), "invalid_parent");
    let r = boss
        .api(
            Method::DELETE,
            &format!("/api/v1/kb/categories/{orders}"),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "category_not_empty".to_string())
    );
    let r = boss
        .api(
            Method::DELETE,
            &format!("/api/v1/kb/categories/{section}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = boss
        .api(
            Method::POST,
            "/api/v1/kb/categories",
            Some(json!({"slug": "orders", "name_en": "dup"})),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "slug_taken".to_string())
    );
}

async fn publish(
    s: &Server,
    category: &str,
    slug: &str,
    zh: (&str, &str),
    en: (&str, &str),
) -> knowledge::Article {
    let mut tx = s.t.db.begin().await.unwrap();
    let a = knowledge::create_article(
        &mut tx,
        &ArticleInput {
            category_id: category.into(),
            slug: slug.into(),
            status: "published".into(),
            title_zh: zh.0.into(),
            body_zh: zh.1.into(),
            title_en: en.0.into(),
            body_en: en.1.into(),
            ..Default::default()
        },
        None,
        reason::IMPORT,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    s.state.search.changed();
    a
}

async fn category(s: &Server, slug: &str) -> String {
    knowledge::create_category(
        &s.t.db,
        &CategoryInput {
            slug: slug.into(),
            name_zh: "订单与物流".into(),
            name_en: "Orders and shipping".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

both_backends!(
    the_help_centre_serves_both_languages_searches_and_takes_feedback,
    help_centre
);
async fn help_centre(t: TestDb) {
    let s = start(t).await;
    let cat = category(&s, "orders").await;
    publish(
        &s,
        &cat,
        "returns",
        ("退货流程", "收到商品七天内可申请**退货**。<script>alert(1)</script>\n\n[恶意](javascript:alert(1))"),
        ("How returns work", "Return items within seven days of delivery."),
    )
    .await;
    publish(
        &s,
        &cat,
        "invoices",
        ("开具发票", "在订单页申请电子发票。"),
        ("", ""),
    )
    .await;
    let mut tx = s.t.db.begin().await.unwrap();
    knowledge::create_article(
        &mut tx,
        &ArticleInput {
            category_id: cat.clone(),
            slug: "secret-draft".into(),
            status: "draft".into(),
            title_zh: "退货内部草稿".into(),
            ..Default::default()
        },
        None,
        reason::EDIT,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let v = Browser::new(&s);

    let home = v.get("/help?lang=zh").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("帮助中心") && home.body.contains("订单与物流"),
        "{}",
        home.body
    );
    assert!(home.body.contains("2 篇文章"), "{}", home.body);
    let home_en = v.get("/help?lang=en").await;
    assert!(home_en.body.contains("Help centre") && home_en.body.contains("Orders and shipping"));
    assert!(home_en.body.contains(r#"hreflang="zh-CN""#));

    let page = v.get("/help/articles/returns?lang=zh").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<title>退货流程 · 帮助中心</title>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<strong>退货</strong>"));
    assert!(
        !page.body.contains("<script>alert"),
        "raw HTML must be shown as text"
    );
    assert!(page.body.contains("&lt;script&gt;"));
    assert!(!page.body.contains("javascript:"));
    assert!(page.body.contains(&format!(
        r#"<link rel="canonical" href="{}/help/articles/returns?lang=zh">"#,
        s.url
    )));
    let page_en = v.get("/help/articles/returns?lang=en").await;
    assert!(page_en.body.contains("How returns work"));
    // Only in Chinese: shown in Chinese with a note, one canonical address.
    let only_zh = v.get("/help/articles/invoices?lang=en").await;
    assert!(only_zh.body.contains("开具发票") && only_zh.body.contains("not available in English"));
    assert!(only_zh.body.contains(&format!(
        r#"href="{}/help/articles/invoices?lang=zh""#,
        s.url
    )));
    // Drafts and unknown slugs are not there.
    assert_eq!(
        v.get("/help/articles/secret-draft").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        v.get("/help/articles/nope").await.status,
        StatusCode::NOT_FOUND
    );

    // Search, with the matches marked, drafts never shown.
    eventually(5, async || {
        v.get("/help/search?q=退货&lang=zh")
            .await
            .body
            .contains("/help/articles/returns")
    })
    .await;
    let found = v.get("/help/search?q=退货&lang=zh").await;
    assert!(found.body.contains("<mark>退货</mark>"), "{}", found.body);
    assert!(!found.body.contains("secret-draft"));
    let found = v.get("/help/search?q=returned+item&lang=en").await;
    assert!(
        found.body.contains("/help/articles/returns"),
        "stemming: {}",
        found.body
    );
    let none = v.get("/help/search?q=%3Cscript%3E&lang=en").await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(!none.body.contains("<script>"));
    let long = v.get(&format!("/help/search?q={}", "x".repeat(300))).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);

    // Views and "was this helpful?".
    let r = v
        .post(
            "/help/articles/returns/feedback",
            &[("helpful", "no"), ("comment", "运费谁出？"), ("lang", "zh")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("sent=1"));
    v.post("/help/articles/returns/feedback", &[("helpful", "yes")])
        .await;
    let r = v
        .post("/help/articles/returns/feedback", &[("helpful", "maybe")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let a = knowledge::article_by_slug(&s.t.db, "returns")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a.helpful, a.not_helpful), (1, 1));
    assert_eq!(a.views, 2);
    person(&s, "boss@shop.com", Role::Admin).await;
    let boss = signed_in(&s, "boss@shop.com").await;
    let fb = boss
        .api(
            Method::GET,
            &format!("/api/v1/kb/articles/{}/feedback", a.id),
            None,
        )
        .await
        .json();
    assert!(
        fb.as_array()
            .unwrap()
            .iter()
            .any(|f| f["comment"] == "运费谁出？")
    );

    // The sitemap lists every published article in both languages.
    let map = v.get("/sitemap.xml").await;
    assert!(
        map.body
            .contains(&format!("{}/help/articles/returns?lang=en", s.url))
    );
    assert!(!map.body.contains("secret-draft"));
}

both_backends!(a_saved_article_is_searchable_within_a_second, freshness);
async fn freshness(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    let boss = signed_in(&s, "boss@shop.com").await;
    let cat = new_category(&boss, "orders", None).await;
    // Let the indexer settle before timing.
    s.state.search.index().await.unwrap();
    new_article(
        &boss,
        json!({"category_id": cat, "title_zh": "预售商品何时发货", "body_zh": "预售商品按页面写明的日期发货。",
               "status": "published"}),
    )
    .await;
    eventually(5, async || {
        let r = boss.api(Method::GET, "/api/v1/search?q=预售", None).await;
        r.json().as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let hits = boss
        .api(Method::GET, "/api/v1/search?q=预售&kind=articles", None)
        .await
        .json();
    assert_eq!(hits[0]["title_html"], "<mark>预售</mark>商品何时发货");
    let r = boss
        .api(Method::GET, "/api/v1/search?q=x&kind=tickets", None)
        .await;
    assert_eq!(r.code(), "invalid_kind");
}

both_backends!(
    agents_find_only_the_conversations_they_may_open,
    conversation_search
);
async fn conversation_search(t: TestDb) {
    let shop = shop(t).await;
    // A second inbox that only the other agent's team works.
    let other_inbox = teams::create_inbox(&shop.s.t.db, "Mail", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    let post = teams::list_teams(&shop.s.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售后")
        .unwrap();
    teams::assign_inbox(&shop.s.t.db, &other_inbox.id, &post.id)
        .await
        .unwrap();

    let (_, vb) = visitor(&shop).await;
    let mine = open_conversation(&vb).await;
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{mine}/messages"),
            )
            .json(&json!({"client_id": "q1", "body": "我的退款什么时候到账？"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A conversation in the other inbox, written directly.
    let mut tx = shop.s.t.db.begin().await.unwrap();
    let c = kefu_store::conversations::create(&mut tx, &other_inbox.id, None, "退款咨询")
        .await
        .unwrap();
    kefu_store::messages::append(
        &mut tx,
        &kefu_store::messages::NewMessage {
            conversation_id: &c.id,
            kind: kefu_core::kinds::MessageKind::Text,
            author_kind: "contact",
            body: "退款还没到账",
            meta: "{}",
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    shop.s.state.search.changed();

    person(&shop.s, "boss@shop.com", Role::Admin).await;
    let boss = signed_in(&shop.s, "boss@shop.com").await;
    eventually(5, async || {
        boss.api(
            Method::GET,
            "/api/v1/search?q=到账&kind=conversations",
            None,
        )
        .await
        .json()
        .as_array()
        .unwrap()
        .len()
            == 2
    })
    .await;
    let ids = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let agent_hits = ids(shop
        .agent
        .api(
            Method::GET,
            "/api/v1/search?q=到账&kind=conversations",
            None,
        )
        .await
        .json());
    assert_eq!(agent_hits, vec![mine.clone()]);
    let other_hits = ids(shop
        .other_agent
        .api(
            Method::GET,
            "/api/v1/search?q=退款&kind=conversations",
            None,
        )
        .await
        .json());
    assert_eq!(other_hits, vec![c.id.clone()]);
    let hit = &shop
        .agent
        .api(
            Method::GET,
            "/api/v1/search?q=退款&kind=conversations",
            None,
        )
        .await
        .json()[0];
    assert_eq!(hit["snippet_html"], "我的<mark>退款</mark>什么时候到账？");
    // Customers and visitors do not search conversations.
    let r = vb.get("/api/v1/search?q=退款&kind=conversations").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

both_backends!(
    the_widget_suggests_articles_and_counts_the_chats_they_settle,
    self_service
);
async fn self_service(t: TestDb) {
    let shop = shop(t).await;
    let cat = category(&shop.s, "orders").await;
    let a = publish(
        &shop.s,
        &cat,
        "track",
        ("查询物流", "在订单详情页查看物流信息。"),
        (
            "Track your parcel",
            "Open the order page to see where the parcel is.",
        ),
    )
    .await;
    let (_, vb) = visitor(&shop).await;
    let suggestions = async |q: &str| {
        let r = vb
            .get(&format!(
                "/widget/api/articles?q={}&lang=en",
                kefu_core::url::encode(q, b"")
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()
    };
    eventually(5, async || {
        !suggestions("parcel").await.as_array().unwrap().is_empty()
    })
    .await;
    // As the visitor types: "trac" already finds "Track".
    let s = suggestions("where is my trac").await;
    assert_eq!(s[0]["id"], a.id.as_str());
    assert!(
        s[0]["title_html"]
            .as_str()
            .unwrap()
            .contains("<mark>Track</mark>")
    );
    assert_eq!(suggestions("物流").await[0]["id"], a.id.as_str());
    assert!(suggestions("x").await.as_array().unwrap().is_empty());

    let r = vb
        .get(&format!("/widget/api/articles/{}?lang=zh", a.id))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["title"], "查询物流");
    assert_eq!(
        r.json()["url"],
        format!("{}/help/articles/track?lang=zh", shop.s.url)
    );
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/articles/{}/settled", a.id),
            )
            .json(&json!({"query": "物流"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        knowledge::deflections(&shop.s.t.db, 5).await.unwrap(),
        vec![(a.id.clone(), 1)]
    );
    // Without a visitor token there is nothing.
    let anon = Browser::new(&shop.s);
    assert_eq!(
        anon.get("/widget/api/articles?q=parcel").await.status,
        StatusCode::UNAUTHORIZED
    );
}

both_backends!(
    agents_get_suggestions_and_draft_articles_from_conversations,
    from_conversations
);
async fn from_conversations(t: TestDb) {
    let shop = shop(t).await;
    let cat = category(&shop.s, "orders").await;
    let a = publish(
        &shop.s,
        &cat,
        "invoice",
        ("申请发票", "在订单页申请电子发票。"),
        ("", ""),
    )
    .await;
    let (_, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    vb.send(
        vb.req(
            Method::POST,
            &format!("/widget/api/conversations/{conv}/messages"),
        )
        .json(&json!({"client_id": "q", "body": "怎么开发票？"})),
    )
    .await;
    let sugg = format!("/api/v1/conversations/{conv}/suggestions");
    eventually(5, async || {
        shop.agent
            .api(Method::GET, &sugg, None)
            .await
            .json()
            .as_array()
            .is_some_and(|v| !v.is_empty())
    })
    .await;
    assert_eq!(
        shop.agent.api(Method::GET, &sugg, None).await.json()[0]["id"],
        a.id.as_str()
    );
    // The other agent's team does not work this inbox.
    assert_eq!(
        shop.other_agent.api(Method::GET, &sugg, None).await.status,
        StatusCode::NOT_FOUND
    );

    let draft = format!("/api/v1/conversations/{conv}/article");
    let r = shop
        .agent
        .api(Method::POST, &draft, Some(json!({"category_id": cat})))
        .await;
    assert_eq!(r.code(), "nothing_to_draft");
    shop.agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(json!({"client_id": "a", "body": "在订单详情页点“申请发票”即可。"})),
        )
        .await;
    let r = shop
        .agent
        .api(Method::POST, &draft, Some(json!({"category_id": cat})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let art = r.json();
    assert_eq!(art["status"], "draft");
    assert_eq!(art["title_zh"], "咨询");
    let body = art["body_zh"].as_str().unwrap();
    assert!(
        body.contains("## 问题\n\n怎么开发票？") && body.contains("## 解答\n\n在订单详情页"),
        "{body}"
    );
    let revs = knowledge::revisions(&shop.s.t.db, art["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(revs[0].reason, "conversation");
}

both_backends!(
    the_index_is_rebuilt_from_the_database_when_missing_or_damaged,
    rebuild
);
async fn rebuild(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let first_dir = dir.path().join("first");
    let first = start_with(t, |c| c.index_dir = Some(first_dir.clone())).await;
    let cat = category(&first, "orders").await;
    publish(&first, &cat, "a", ("退货", "七天"), ("", "")).await;
    let found = async |s: &Server| {
        Browser::new(s)
            .get("/help/search?q=退货&lang=zh")
            .await
            .body
            .contains("/help/articles/a")
    };
    eventually(5, async || found(&first).await).await;

    // A second instance whose index folder holds a copy of the first's, damaged.
    let damaged = dir.path().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    let mut flipped = 0;
    for e in std::fs::read_dir(&first_dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_owned();
        if name.to_string_lossy().starts_with('.') {
            continue; // lock files
        }
        // The first instance may merge segments meanwhile: a file gone is skipped.
        let Ok(mut bytes) = std::fs::read(&p) else {
            continue;
        };
        if !bytes.is_empty()
            && p.extension()
                .is_some_and(|x| x == "idx" || x == "store" || x == "term")
        {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0xff;
            flipped += 1;
        }
        std::fs::write(damaged.join(name), bytes).unwrap();
    }
    assert!(flipped > 0, "nothing to damage");
    let t2 = TestDb::sharing(&first.t).await;
    let db2 = t2.db.clone();
    let second =
        crate::common::start_instance(t2, db2, |c| c.index_dir = Some(damaged.clone())).await;
    eventually(5, async || found(&second).await).await;
    let opened = second
        .state
        .search
        .opened
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_default();
    assert!(opened.starts_with("Replaced"), "{opened}");

    // A third whose index folder does not exist yet builds it from the database.
    let missing = dir.path().join("missing");
    let t3 = TestDb::sharing(&first.t).await;
    let db3 = t3.db.clone();
    let third =
        crate::common::start_instance(t3, db3, |c| c.index_dir = Some(missing.clone())).await;
    eventually(5, async || found(&third).await).await;
    assert_eq!(
        third.state.search.opened.lock().unwrap().as_deref(),
        Some("Created")
    );

    // Every instance follows changes made through another.
    publish(&first, &cat, "b", ("换货", "三十天"), ("", "")).await;
    let took = eventually(5, async || {
        Browser::new(&third)
            .get("/help/search?q=换货&lang=zh")
            .await
            .body
            .contains("/help/articles/b")
    })
    .await;
    assert!(
        took < Duration::from_secs(1),
        "another instance saw the change after {took:?}"
    );
}

both_backends!(
    staff_write_and_restore_articles_in_the_knowledge_base_pages,
    kb_pages
);
async fn kb_pages(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    person(&s, "agent@shop.com", Role::Agent).await;
    let boss = signed_in(&s, "boss@shop.com").await;
    let agent = signed_in(&s, "agent@shop.com").await;
    let r = boss
        .post(
            "/kb/categories",
            &[("name_zh", "售后"), ("name_en", "After sale"), ("slug", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cats = boss
        .api(Method::GET, "/api/v1/kb/categories", None)
        .await
        .json();
    let cat = cats[0]["id"].as_str().unwrap().to_string();
    assert_eq!(cats[0]["slug"], "after-sale");

    // An agent drafts through the page; publishing is not offered to them and is refused.
    let page = agent.get(&format!("/kb/articles/new?category={cat}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(r#"value="published""#));
    let fields = [
        ("category_id", cat.as_str()),
        ("status", "draft"),
        ("tags", "保修, Warranty"),
        ("title_zh", "保修政策"),
        ("body_zh", "整机保修**一年**。<b>粗</b>"),
        ("title_en", ""),
        ("body_en", ""),
        ("slug", "warranty"),
    ];
    let r = agent.post("/kb/articles", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.location();
    let id = path
        .trim_start_matches("/kb/articles/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page = agent.get(&path).await;
    assert!(
        page.body.contains("<strong>一年</strong>"),
        "preview: {}",
        page.body
    );
    assert!(page.body.contains("&lt;b&gt;粗&lt;/b&gt;"));
    assert!(page.body.contains("已保存") || page.body.contains("Saved"));
    let mut publish = fields.to_vec();
    publish[1] = ("status", "published");
    let r = agent.post(&format!("/kb/articles/{id}"), &publish).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A bad save shows the form again with the error, keeping what was typed.
    let mut bad = fields.to_vec();
    bad[3] = ("title_zh", "");
    let r = agent.post(&format!("/kb/articles/{id}"), &bad).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("整机保修"), "{}", r.body);
    assert!(r.body.contains(r#"class="error""#));

    // The admin publishes (revision 2), then restores revision 1 (revision 3, a draft again).
    let mut publish = fields.to_vec();
    publish[1] = ("status", "published");
    publish.push(("revision", "1"));
    let r = boss.post(&format!("/kb/articles/{id}"), &publish).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = boss.get("/kb?status=published").await;
    assert!(list.body.contains("保修政策"));
    let r = boss
        .post(&format!("/kb/articles/{id}/revisions/1/restore"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let a = knowledge::get_article(&s.t.db, &id).await.unwrap().unwrap();
    assert_eq!(
        (a.revision, a.status.as_str(), a.tags.as_str()),
        (3, "draft", "warranty,保修")
    );
    let r = agent
        .post(&format!("/kb/articles/{id}/revisions/2/restore"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Categories are renamed and, once empty, deleted from the page.
    let r = boss
        .post(
            &format!("/kb/categories/{cat}"),
            &[
                ("name_zh", "售后服务"),
                ("name_en", "After-sales"),
                ("slug", "after-sales"),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = knowledge::get_category(&s.t.db, &cat)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.name_zh.as_str(), c.slug.as_str()),
        ("售后服务", "after-sales")
    );
    let r = boss
        .post(&format!("/kb/categories/{cat}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("请先移走") || r.body.contains("Move or delete"),
        "{}",
        r.body
    );
    let r = agent
        .post(&format!("/kb/categories/{cat}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// What an article is, as import and export must keep it.
async fn snapshot(
    db: &kefu_store::Db,
) -> Vec<(
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
)> {
    let cats = knowledge::categories(db).await.unwrap();
    let slug_of = |id: &str| cats.iter().find(|c| c.id == id).unwrap().slug.clone();
    let mut out: Vec<_> = knowledge::all_articles(db, "", 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            (
                a.slug.clone(),
                slug_of(&a.category_id),
                a.status.clone(),
                a.tags.clone(),
                a.title_zh.clone(),
                a.body_zh.trim_end().to_string(),
                a.title_en.clone(),
                a.body_en.trim_end().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn seed_kb(s: &Server) {
    let cat = category(s, "orders").await;
    let section = knowledge::create_category(
        &s.t.db,
        &CategoryInput {
            parent_id: Some(cat.clone()),
            slug: "shipping".into(),
            name_zh: "配送".into(),
            name_en: "Shipping".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    publish(
        s,
        &cat,
        "returns",
        ("退货流程", "七天内可以**退货**：\n\n1. 申请\n2. 寄回"),
        (
            "Returns",
            "Within \"seven\" days, see [this](https://x.example/a,b).",
        ),
    )
    .await;
    let mut tx = s.t.db.begin().await.unwrap();
    knowledge::create_article(
        &mut tx,
        &ArticleInput {
            category_id: section.id,
            slug: "express".into(),
            status: "draft".into(),
            tags: "fast,顺丰".into(),
            title_en: "Express delivery: next day".into(),
            body_en: "---\nNot front matter.\n".into(),
            ..Default::default()
        },
        None,
        reason::EDIT,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

both_backends!(
    the_knowledge_base_moves_through_markdown_folders_and_csv_unchanged,
    import_export
);
async fn import_export(t: TestDb) {
    let backend = t.db.backend();
    let s = start(t).await;
    seed_kb(&s).await;
    let before = snapshot(&s.t.db).await;
    assert_eq!(before.len(), 2);

    // Folder: out of one shop, into an empty one.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("kb");
    assert_eq!(
        kefu_service::knowledge::io::export_folder(&s.t.db, &folder)
            .await
            .unwrap(),
        2
    );
    assert!(folder.join("orders/returns.zh.md").exists());
    assert!(folder.join("shipping/express.en.md").exists());
    assert!(
        kefu_service::knowledge::io::export_folder(&s.t.db, &folder)
            .await
            .is_err(),
        "never over a folder in use"
    );
    let other = TestDb::open(backend).await.unwrap();
    let r = kefu_service::knowledge::io::import_folder(&other.db, &folder, None)
        .await
        .unwrap();
    assert_eq!((r.created, r.updated, r.categories_created), (2, 0, 2));
    assert_eq!(snapshot(&other.db).await, before);
    let shipping = knowledge::category_by_slug(&other.db, "shipping")
        .await
        .unwrap()
        .unwrap();
    let orders = knowledge::category_by_slug(&other.db, "orders")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipping.parent_id, Some(orders.id));
    // Again: nothing changes. Edit one file: one new revision.
    let r = kefu_service::knowledge::io::import_folder(&other.db, &folder, None)
        .await
        .unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, 2));
    let file = folder.join("orders/returns.en.md");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("seven", "fourteen");
    std::fs::write(&file, text).unwrap();
    let r = kefu_service::knowledge::io::import_folder(&other.db, &folder, None)
        .await
        .unwrap();
    assert_eq!((r.updated, r.unchanged), (1, 1));
    let a = knowledge::article_by_slug(&other.db, "returns")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.revision, 2);
    assert!(a.body_en.contains("fourteen"));
    std::fs::write(folder.join("orders/broken.en.md"), "no front matter").unwrap();
    assert!(
        kefu_service::knowledge::io::import_folder(&other.db, &folder, None)
            .await
            .is_err()
    );

    // CSV over the API: out of one shop, into another, the same.
    person(&s, "boss@shop.com", Role::Admin).await;
    let boss = signed_in(&s, "boss@shop.com").await;
    let csv = boss.get("/api/v1/kb/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("category,slug,status,tags,title_zh,body_zh,title_en,body_en\r\n")
    );
    let third = TestDb::open(backend).await.unwrap();
    let third_server =
        crate::common::start_instance(TestDb::sharing(&third).await, third.db.clone(), |_| {})
            .await;
    person(&third_server, "boss@shop.com", Role::Admin).await;
    let boss3 = signed_in(&third_server, "boss@shop.com").await;
    let import = async |b: &Browser, body: String| {
        b.send(
            b.req(Method::POST, "/api/v1/kb/import.csv")
                .header("x-csrf-token", b.csrf())
                .header("content-type", "text/csv")
                .body(body),
        )
        .await
    };
    let r = import(&boss3, csv.body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["created"], 2);
    assert_eq!(snapshot(&third.db).await, before);
    // Bad CSV gets a clear error.
    let r = import(&boss3, "category,slug\r\norders,\"open".into()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_csv".to_string())
    );
    let r = import(&boss3, "title\r\nx\r\n".into()).await;
    assert_eq!(r.code(), "invalid_csv");
    let r = import(&boss3, "category,slug,status\r\norders,x,live\r\n".into()).await;
    assert_eq!(r.code(), "import_failed");
    // Agents may export but not import.
    person(&third_server, "agent@shop.com", Role::Agent).await;
    let agent = signed_in(&third_server, "agent@shop.com").await;
    assert_eq!(import(&agent, csv.body).await.status, StatusCode::FORBIDDEN);
}

both_backends!(
    the_help_centre_lists_whole_matches_first_then_related_ones_in_pages_and_says_when_nothing_matches,
    help_search_groups
);
async fn help_search_groups(t: TestDb) {
    let s = start(t).await;
    let cat = category(&s, "orders").await;
    // 23 articles hold 退货运费 as written; 3 hold 退货 and 运费 apart (related); one holds
    // neither.
    for i in 0..23 {
        publish(
            &s,
            &cat,
            &format!("fee-{i}"),
            (
                &format!("退货运费说明 {i}"),
                "质量问题的退货运费由店铺承担。",
            ),
            ("", ""),
        )
        .await;
    }
    for i in 0..3 {
        publish(
            &s,
            &cat,
            &format!("apart-{i}"),
            (
                &format!("售后说明 {i}"),
                "退货请在七天内申请；运费按实际收取。",
            ),
            ("", ""),
        )
        .await;
    }
    publish(
        &s,
        &cat,
        "other",
        ("发票", "在订单页申请电子发票。"),
        ("", ""),
    )
    .await;
    let v = Browser::new(&s);
    eventually(10, async || {
        v.get("/help/search?q=发票&lang=zh")
            .await
            .body
            .contains("/help/articles/other")
    })
    .await;
    let count = |body: &str, what: &str| body.matches(what).count();
    let page1 = v.get("/help/search?q=退货运费&lang=zh").await.body;
    assert!(page1.contains("23 篇文章包含“退货运费”"), "{page1}");
    assert!(page1.contains("第 1 页，共 2 页"), "{page1}");
    assert_eq!(count(&page1, "/help/articles/fee-"), 20, "{page1}");
    assert!(!page1.contains("related-heading") && !page1.contains("/help/articles/apart-"));
    assert!(page1.contains("page=2"));
    let page2 = v.get("/help/search?q=退货运费&lang=zh&page=2").await.body;
    assert_eq!(count(&page2, "/help/articles/fee-"), 3, "{page2}");
    assert!(
        page2.contains("相关文章：3 篇包含“退货运费”的部分内容"),
        "{page2}"
    );
    assert_eq!(count(&page2, "/help/articles/apart-"), 3);
    assert!(!page2.contains("/help/articles/other"));
    // The exact ones come before the heading, the related after it.
    let heading = page2.find("related-heading").unwrap();
    assert!(page2.rfind("/help/articles/fee-").unwrap() < heading);
    assert!(page2.find("/help/articles/apart-").unwrap() > heading);
    // A page past the last shows the last; a page that is no number, the first.
    let past = v.get("/help/search?q=退货运费&lang=zh&page=99").await.body;
    assert!(past.contains("第 2 页，共 2 页"), "{past}");
    let odd = v.get("/help/search?q=退货运费&lang=zh&page=x").await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(odd.body.contains("第 1 页，共 2 页"));
    // Nothing holds it: said so, with its words that do find something, in English too.
    let none = v.get("/help/search?q=运费发票&lang=en").await.body;
    assert!(
        none.contains("No article contains “运费发票” as you wrote it."),
        "{none}"
    );
    assert!(
        none.contains("?q=%E8%BF%90%E8%B4%B9&amp;lang=en\">运费</a>"),
        "{none}"
    );
    assert!(none.contains("(26)"), "{none}");
    let nonsense = v.get("/help/search?q=砂糖橘飞机跑道&lang=zh").await.body;
    assert!(
        nonsense.contains("没有文章包含完整的“砂糖橘飞机跑道”"),
        "{nonsense}"
    );
    assert!(nonsense.contains("没有找到"), "{nonsense}");
    assert!(!nonsense.contains("/help/articles/"), "{nonsense}");
}
