//! The authorization matrix per object (issue 8, item 3). Every route of the route table that
//! names an object in its path, and every WebSocket frame type, is tried by people to whom the
//! object does not belong: an anonymous caller, a widget visitor, a customer and an agent of
//! another team. None may succeed, and each answer must be the same as for an object that does
//! not exist, so a caller learns nothing of what is there. The route and frame lists come from
//! the code (the route table; exhaustive `match`es over the frame enums), so a new route or
//! frame that the matrix does not know fails this test until it is placed.

#![allow(clippy::unwrap_used)]

use crate::common::live::*;
use crate::common::*;
use kefu_core::Role;
use kefu_core::protocol::{ClientFrame, ServerFrame};
use kefu_store::both_backends;
use kefu_store::testing::TestDb;
use kefu_store::{conversations, teams};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// What a path parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A conversation of team A's inbox, of customer A.
    Conversation,
    Message,
    Mail,
    Attachment,
    /// The raw copy of a received mail (admins only).
    RawMail,
    /// Agent A's own.
    Notification,
    Macro,
    Signature,
    Phrase,
    /// Shop-wide among staff: the callback queue and the knowledge base.
    Callback,
    Article,
    Category,
    Revision,
    /// A complaint filed by customer A: its tracking number, and a file of it.
    Case,
    CaseFile,
    /// Visitor A's widget conversation, its attachment, a page it browsed.
    WidgetConversation,
    WidgetAttachment,
    Page,
    /// An unpublished article, as the help centre and the widget would name it.
    Draft,
    DraftSlug,
    /// Admins' objects.
    Inbox,
    MailInbox,
    Person,
    Team,
    Token,
    Rule,
    /// Public content (help-centre categories, static files): nobody's own.
    Public,
}

/// The kind a path parameter names, from the segment before it. A parameter the matrix does
/// not know stops the test: place it here, and add its object to [`World`].
fn kind_of(path: &str, prev: &str) -> Kind {
    use Kind::*;
    let widget = path.starts_with("/widget/api/");
    match prev {
        "conversations" if widget => WidgetConversation,
        "attachments" if widget => WidgetAttachment,
        "articles" if widget => Draft,
        "pages" if widget => Page,
        "articles" if path.starts_with("/help/") => DraftSlug,
        "categories" if path.starts_with("/help/") => Public,
        "static" => Public,
        // A page of the staff's desk, not an object.
        "desk" => Public,
        "conversations" => Conversation,
        "messages" => Message,
        "original" => Message,
        "mail" => Mail,
        "raw" => RawMail,
        "attachments" => Attachment,
        "files" => CaseFile,
        "cases" | "track" => Case,
        "notifications" => Notification,
        "macros" => Macro,
        "signatures" => Signature,
        "phrases" => Phrase,
        "callbacks" => Callback,
        "articles" => Article,
        "categories" => Category,
        "revisions" => Revision,
        "inboxes" if path.contains("/mail") => MailInbox,
        "inboxes" => Inbox,
        // Customer A (a person), whom staff may correct.
        "people" | "users" | "members" | "customers" => Person,
        "teams" => Team,
        "tokens" => Token,
        "invitations" => Rule,
        other => panic!(
            "{path}: a parameter after `{other}` that the authorization matrix does not know; \
             add its kind to kind_of and its object to World"
        ),
    }
}

/// Who may reach a kind of object: the rest are attackers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Visitor,
    Customer,
    OtherAgent,
}

const EVERYONE: [Who; 4] = [Who::Anonymous, Who::Visitor, Who::Customer, Who::OtherAgent];

fn attackers(k: Kind) -> &'static [Who] {
    use Kind::*;
    match k {
        // Staff share the knowledge base and the callback queue; drafts are nobody's outside
        // the staff's side.
        Callback | Article | Category | Revision | Draft | DraftSlug => {
            &[Who::Anonymous, Who::Visitor, Who::Customer]
        }
        Public => &[],
        _ => &EVERYONE,
    }
}

struct World {
    shop: Shop,
    admin: Browser,
    customer_a: Browser,
    customer_b: Browser,
    visitor_a: Browser,
    visitor_b: Browser,
    anon: Browser,
    conv: String,
    message: String,
    mail: String,
    attachment: String,
    notification: String,
    macro_: String,
    signature: String,
    phrase: String,
    callback: String,
    article: String,
    category: String,
    case: String,
    case_file: String,
    wconv: String,
    wattachment: String,
    page: String,
    draft: String,
    draft_slug: String,
    team: String,
    /// Team A's mail inbox (routes under `/mail` need one).
    mail_inbox: String,
    user: String,
    token: String,
    rule: String,
    rule_2: String,
    /// Team B's conversation, agent B's macro and phrase: for the second object of a route.
    conv_b: String,
    message_b: String,
    macro_b: String,
    phrase_b: String,
}

const PDF: &[u8] = b"%PDF-1.4\n%a file\n";

/// The id of what `b` creates by posting `body` to `path`.
async fn made(b: &Browser, path: &str, body: Value) -> String {
    let r = b.api(Method::POST, path, Some(body)).await;
    assert!(
        r.status.is_success(),
        "POST {path}: {}: {}",
        r.status,
        r.body
    );
    r.json()["id"].as_str().unwrap().to_string()
}

/// A conversation of `customer` in `inbox`, and the first message they write in it.
async fn customer_writes(
    db: &kefu_store::Db,
    inbox: &str,
    customer: &str,
    b: &Browser,
    subject: &str,
    text: &str,
) -> (String, String) {
    let conv = conversations::create(db, inbox, Some(customer), subject)
        .await
        .unwrap()
        .id;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let message = made(b, &path, json!({"client_id": "first", "body": text})).await;
    (conv, message)
}

#[track_caller]
fn id_of(r: &Resp) -> String {
    assert!(r.status.is_success(), "{}: {}", r.status, r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn upload(b: &Browser, path: &str) -> Resp {
    b.send(
        b.req(Method::POST, path)
            .header("x-csrf-token", b.csrf())
            .header("content-type", "application/octet-stream")
            .body(PDF.to_vec()),
    )
    .await
}

#[track_caller]
fn attachment_of(r: &Resp) -> String {
    assert!(r.status.is_success(), "{}: {}", r.status, r.body);
    let meta: Value = serde_json::from_str(r.json()["meta"].as_str().unwrap()).unwrap();
    meta["attachment"].as_str().unwrap().to_string()
}

async fn world(t: TestDb) -> World {
    let shop = shop(t).await;
    let s = &shop.s;
    let db = s.t.db.clone();
    person(s, "admin@shop.com", Role::Admin).await;
    let ca = person(s, "ca@example.com", Role::Customer).await;
    person(s, "cb@example.com", Role::Customer).await;
    let admin = signed_in(s, "admin@shop.com").await;
    let customer_a = signed_in(s, "ca@example.com").await;
    let customer_b = signed_in(s, "cb@example.com").await;
    let (_, visitor_a) = visitor(&shop).await;
    let (_, visitor_b) = visitor(&shop).await;
    let anon = Browser::new(s);
    anon.get("/login").await;
    let agent = &shop.agent;

    // Customer A's conversation is a mail thread in team A's mail inbox (mail routes need one).
    let pre = teams::list_teams(&db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售前")
        .unwrap()
        .id;
    let mail_a = teams::create_inbox(&db, "Mail A", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    teams::assign_inbox(&db, &mail_a.id, &pre).await.unwrap();
    let r = admin
        .api(
            Method::PUT,
            &format!("/api/v1/inboxes/{}/mail", mail_a.id),
            Some(json!({"address": "support@shop.test"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let (conv, message) = customer_writes(
        &db,
        &mail_a.id,
        &ca.id,
        &customer_a,
        "订单 1001",
        "什么时候发货？",
    )
    .await;
    let attachment = attachment_of(
        &upload(
            &customer_a,
            &format!("/api/v1/conversations/{conv}/attachments?name=a.pdf"),
        )
        .await,
    );
    let r = agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/mail"),
            Some(json!({"body": "明天发货", "client_id": "r1", "accept_warnings": true})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let mails = agent
        .get(&format!("/api/v1/conversations/{conv}/mail"))
        .await
        .json();
    let mail = mails[0]["id"].as_str().unwrap().to_string();
    let me = kefu_store::people::by_email(&db, "agent@shop.com")
        .await
        .unwrap()
        .unwrap();
    let notification = kefu_store::notifications::add(&db, &me.id, "mention", &conv, "@王五")
        .await
        .unwrap()
        .id;
    let macro_ = made(
        agent,
        "/api/v1/macros",
        json!({"name": "mine", "actions": {"priority": "high"}}),
    )
    .await;
    let signature = made(
        agent,
        "/api/v1/signatures",
        json!({"name": "mine", "body": "王五"}),
    )
    .await;
    let phrase_form =
        json!({"kind": "greeting", "title": "mine", "body_zh": "您好", "body_en": "Hi"});
    let phrase = id_of(
        &agent
            .api(Method::POST, "/api/v1/phrases", Some(phrase_form.clone()))
            .await,
    );
    let callback = made(
        &anon,
        "/api/v1/callbacks",
        json!({"name": "李", "phone": "13800138000", "note": "退款"}),
    )
    .await;
    let category = made(
        &admin,
        "/api/v1/kb/categories",
        json!({"slug": "shipping", "name_zh": "配送", "name_en": "Shipping"}),
    )
    .await;
    let draft_slug = "secret-plan".to_string();
    let draft = id_of(
        &agent
            .api(
                Method::POST,
                "/api/v1/kb/articles",
                Some(
                    json!({"category_id": category, "slug": draft_slug, "status": "draft",
                    "title_zh": "内部", "body_zh": "未发布", "title_en": "", "body_en": ""}),
                ),
            )
            .await,
    );
    let article = draft.clone();
    let filed = customer_a
        .api(
            Method::POST,
            "/api/v1/cases",
            Some(json!({"kind": "complaint", "name": "王女士", "category": "商品质量 Product quality",
                "severity": "medium", "order_ref": "E1", "description": "杯子碎了"})),
        )
        .await;
    assert!(filed.status.is_success(), "{}", filed.body);
    let case = filed.json()["tracking"].as_str().unwrap().to_string();
    let case_file = attachment_of(
        &upload(
            &customer_a,
            &format!("/api/v1/cases/{case}/files?name=b.pdf"),
        )
        .await,
    );
    // Conversation A is a complaint case too (for the staff's case routes).
    let r = agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/case"),
            Some(
                json!({"kind": "complaint", "category": "商品质量 Product quality",
                "severity": "medium"}),
            ),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let wconv = open_conversation(&visitor_a).await;
    let wattachment = attachment_of(
        &upload(
            &visitor_a,
            &format!("/widget/api/conversations/{wconv}/attachments?name=c.pdf&client_id=f1"),
        )
        .await,
    );
    let page = visitor_a
        .send(
            visitor_a
                .req(Method::POST, "/widget/api/pages")
                .json(&json!({"url": "https://shop.example/cup", "title": "杯子", "referrer": ""})),
        )
        .await
        .json()["view_id"]
        .as_str()
        .unwrap()
        .to_string();
    let team = teams::list_teams(&db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售前")
        .unwrap()
        .id;
    let (_, token) = kefu_store::api_tokens::create(&db, "ERP", &["people:read"], &me.id, None)
        .await
        .unwrap();
    let rule = made(
        &admin,
        &format!("/api/v1/inboxes/{}/invitations", shop.inbox),
        json!({"url_pattern": "/cup*", "min_seconds": 5,
                    "returning_only": false, "message": "需要帮忙吗？"}),
    )
    .await;
    // A second rule, for the page that deletes one by a form field.
    let rule_2 = made(
        &admin,
        &format!("/api/v1/inboxes/{}/invitations", shop.inbox),
        json!({"url_pattern": "/pot*", "min_seconds": 5,
                    "returning_only": false, "message": "需要帮忙吗？"}),
    )
    .await;
    // Team B's side.
    let post = teams::list_teams(&db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售后")
        .unwrap()
        .id;
    let inbox_b = teams::create_inbox(&db, "Mail B", kefu_core::kinds::Channel::Widget)
        .await
        .unwrap();
    teams::assign_inbox(&db, &inbox_b.id, &post).await.unwrap();
    let cb = kefu_store::people::by_email(&db, "cb@example.com")
        .await
        .unwrap()
        .unwrap();
    let (conv_b, message_b) =
        customer_writes(&db, &inbox_b.id, &cb.id, &customer_b, "退货", "退货").await;
    let macro_b = made(
        &shop.other_agent,
        "/api/v1/macros",
        json!({"name": "theirs", "actions": {"priority": "low"}}),
    )
    .await;
    let phrase_b = id_of(
        &shop
            .other_agent
            .api(Method::POST, "/api/v1/phrases", Some(phrase_form))
            .await,
    );
    World {
        user: ca.id,
        mail_inbox: mail_a.id,
        token: token.id,
        admin,
        customer_a,
        customer_b,
        visitor_a,
        visitor_b,
        anon,
        conv,
        message,
        mail,
        attachment,
        notification,
        macro_,
        signature,
        phrase,
        callback,
        article,
        category,
        case,
        case_file,
        wconv,
        wattachment,
        page,
        draft,
        draft_slug,
        team,
        rule,
        rule_2,
        conv_b,
        message_b,
        macro_b,
        phrase_b,
        shop,
    }
}

impl World {
    fn real(&self, k: Kind) -> String {
        use Kind::*;
        match k {
            Conversation => self.conv.clone(),
            Message => self.message.clone(),
            Mail => self.mail.clone(),
            Attachment => self.attachment.clone(),
            RawMail => "raw-1".into(),
            Notification => self.notification.clone(),
            Macro => self.macro_.clone(),
            Signature => self.signature.clone(),
            Phrase => self.phrase.clone(),
            Callback => self.callback.clone(),
            Article => self.article.clone(),
            Category => self.category.clone(),
            Revision => "1".into(),
            Case => self.case.clone(),
            CaseFile => self.case_file.clone(),
            WidgetConversation => self.wconv.clone(),
            WidgetAttachment => self.wattachment.clone(),
            Page => self.page.clone(),
            Draft => self.draft.clone(),
            DraftSlug => self.draft_slug.clone(),
            Inbox => self.shop.inbox.clone(),
            MailInbox => self.mail_inbox.clone(),
            Person => self.user.clone(),
            Team => self.team.clone(),
            Token => self.token.clone(),
            Rule => self.rule.clone(),
            Public => "x".into(),
        }
    }

    fn browser(&self, who: Who) -> &Browser {
        match who {
            Who::Anonymous => &self.anon,
            Who::Visitor => &self.visitor_b,
            Who::Customer => &self.customer_b,
            Who::OtherAgent => &self.shop.other_agent,
        }
    }
}

/// An id of the same shape that names nothing.
fn fake(k: Kind) -> String {
    match k {
        Kind::Revision => "99".into(),
        Kind::Case => "TS-20991231-ZZZZ".into(),
        Kind::DraftSlug => "no-such-article".into(),
        Kind::RawMail => "raw-2".into(),
        _ => kefu_core::id::new_id(),
    }
}

/// The route's path with its parameters filled: `(path, [(kind, value)])`.
fn fill(path: &str, value: impl Fn(Kind) -> String) -> (String, Vec<(Kind, String)>) {
    let mut out = vec![];
    let mut named = vec![];
    let mut prev = "";
    for seg in path.split('/') {
        if seg.starts_with('{') {
            let k = kind_of(path, prev);
            let v = value(k);
            named.push((k, v.clone()));
            out.push(v);
        } else {
            out.push(seg.to_string());
        }
        prev = seg;
    }
    (out.join("/"), named)
}

/// A request body that would be valid for the route's owner, so that a refusal is the
/// object's check and not the body's.
fn body_for(method: &str, path: &str, w: &World) -> Option<Value> {
    let b = match (method, path) {
        ("POST", "/api/v1/cases/{tracking}/messages") => json!({"body": "more"}),
        (_, p) if p.ends_with("/messages") && method == "POST" => {
            json!({"client_id": "authz", "body": "hello"})
        }
        ("PATCH", "/api/v1/conversations/{id}") => json!({"priority": "high"}),
        ("POST", "/api/v1/conversations/{id}/mail") => {
            json!({"body": "hi", "client_id": "authz", "accept_warnings": true})
        }
        ("POST", "/api/v1/conversations/{id}/mail/check") => json!({"body": "hi"}),
        ("POST", "/api/v1/conversations/{id}/merge") => json!({"into": w.conv}),
        ("POST", "/api/v1/conversations/{id}/split") => {
            json!({"message_id": w.message, "subject": "split"})
        }
        ("POST", "/api/v1/conversations/{id}/attachments/zip") => {
            json!({"attachment_ids": [w.attachment], "name": "all"})
        }
        ("POST", "/api/v1/conversations/{id}/case") => {
            json!({"kind": "complaint", "category": "商品质量 Product quality", "severity": "medium"})
        }
        ("POST", "/api/v1/conversations/{id}/case/status") => json!({"status": "investigating"}),
        ("POST", "/api/v1/conversations/{id}/article") => json!({"category_id": w.category}),
        ("PUT", "/api/v1/macros/{id}") => json!({"name": "m2", "actions": {"priority": "low"}}),
        ("PUT", "/api/v1/signatures/{id}") => json!({"name": "s2", "body": "taken over"}),
        ("PATCH", "/api/v1/customers/{id}") => json!({"phone": "13800138000"}),
        ("PUT", "/api/v1/phrases/{id}") => {
            json!({"kind": "greeting", "title": "p2", "body_zh": "您好", "body_en": "Hi"})
        }
        ("PATCH", "/api/v1/people/{id}") | ("PATCH", "/api/v1/users/{id}") => {
            json!({"active": true})
        }
        ("POST", "/api/v1/teams/{id}/members") => json!({"person_id": w.user}),
        ("PUT", "/api/v1/kb/categories/{id}") => {
            json!({"slug": "shipping", "name_zh": "配送", "name_en": "Shipping"})
        }
        ("PUT", "/api/v1/kb/articles/{id}") => {
            json!({"category_id": w.category, "slug": w.draft_slug, "status": "draft",
                "title_zh": "内部", "body_zh": "未发布 2", "title_en": "", "body_en": ""})
        }
        ("POST", "/widget/api/conversations/{id}/transcript") => json!({"email": "a@b.cn"}),
        ("POST", "/api/v1/inboxes/{id}/invitations") => {
            json!({"url_pattern": "/x*", "min_seconds": 1, "returning_only": false, "message": "hi"})
        }
        _ => json!({}),
    };
    Some(b)
}

async fn call(
    b: &Browser,
    method: &str,
    route: &str,
    path: &str,
    body: Option<Value>,
    rule: &str,
) -> Resp {
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = b.req(m, path).header("x-csrf-token", b.csrf());
    let upload = path.contains("/attachments?") || route.ends_with("/attachments");
    let files = route.ends_with("/files");
    if method != "GET" && (upload || files) && !route.ends_with("/zip") {
        let sep = if path.contains('?') { '&' } else { '?' };
        req = b
            .req(
                Method::POST,
                &format!("{path}{sep}name=z.pdf&client_id=authz-file"),
            )
            .header("x-csrf-token", b.csrf())
            .header("content-type", "application/octet-stream")
            .body(PDF.to_vec());
    } else if route.starts_with("/api/") || route.starts_with("/widget/api/") {
        if method != "GET" && method != "DELETE" {
            req = req.json(&body.unwrap_or(json!({})));
        }
    } else if method == "POST" {
        // One form with the fields of every page form that names an object.
        req = req.form(&[
            ("_csrf", b.csrf()),
            ("body", "hello".into()),
            ("client_id", "authz-form".into()),
            ("prechat", "off".into()),
            ("utc_offset_minutes", "480".into()),
            ("url_pattern", "/x*".into()),
            ("message", "hi".into()),
            ("rule_id", rule.into()),
            ("address", "support@shop.test".into()),
        ]);
    }
    b.send(req).await
}

/// Status, location and body with `real` values written as the fake ones, so that two answers
/// compare equal when they say the same thing.
fn said(r: &Resp, swaps: &[(String, String)]) -> (StatusCode, String, String) {
    let mut body = r.body.clone();
    let mut loc = r.location();
    for (real, fake) in swaps {
        body = body.replace(real, fake);
        loc = loc.replace(real, fake);
    }
    (r.status, loc, body)
}

/// Pages that are the same shell for any object (their script reads the object through the
/// API with the key in the link's fragment): a success says nothing, as long as it is the same.
const SHELLS: &[(&str, &str)] = &[("GET", "/track/{tracking}")];

/// Routes whose owner cannot show a success here, and why (the attack is still made).
const OWNER_NOT_SHOWN: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/track/{tracking}",
        "the same page shell for any tracking number",
    ),
    (
        "GET",
        "/api/v1/inboxes/{id}/mail/raw/{message_id}",
        "needs a received mail (mail.rs)",
    ),
    (
        "GET",
        "/api/v1/conversations/{id}/messages/{message_id}/original",
        "needs a received mail (mail.rs)",
    ),
    (
        "POST",
        "/api/v1/inboxes/{id}/mail/check",
        "needs a mail server (mail.rs)",
    ),
    (
        "POST",
        "/admin/inboxes/{id}/mail/check",
        "needs a mail server (mail.rs)",
    ),
    (
        "GET",
        "/widget/api/articles/{id}",
        "a draft is nobody's outside the staff side",
    ),
    (
        "POST",
        "/widget/api/articles/{id}/settled",
        "a draft is nobody's outside the staff side",
    ),
    (
        "GET",
        "/help/articles/{slug}",
        "a draft is nobody's outside the staff side",
    ),
    (
        "POST",
        "/help/articles/{slug}/feedback",
        "a draft is nobody's outside the staff side",
    ),
];

both_backends!(
    no_route_gives_away_an_object_that_is_not_the_callers,
    route_objects
);
async fn route_objects(t: TestDb) {
    let w = world(t).await;
    let routes = w.shop.s.routes.clone();
    let mut tried = 0;
    let mut owner_checks = vec![];
    for r in &routes {
        if !r.path.contains('{') {
            continue;
        }
        let (real_path, real) = fill(r.path, |k| w.real(k));
        let (fake_path, fakes) = fill(r.path, fake);
        let top = real[0].0;
        // The whole path first (it is echoed in redirects), then each id long enough not to
        // match by chance.
        let mut swaps = vec![(real_path.clone(), fake_path.clone())];
        swaps.extend(
            real.iter()
                .zip(&fakes)
                .filter(|((_, a), _)| a.len() >= 8)
                .map(|((_, a), (_, b))| (a.clone(), b.clone())),
        );
        let body = body_for(r.method, r.path, &w);
        for &who in attackers(top) {
            let b = w.browser(who);
            let got = call(b, r.method, r.path, &real_path, body.clone(), &w.rule_2).await;
            let none = call(b, r.method, r.path, &fake_path, body.clone(), &w.rule_2).await;
            tried += 1;
            assert!(
                !got.status.is_success() || SHELLS.contains(&(r.method, r.path)),
                "{who:?} {} {}: {} {}",
                r.method,
                r.path,
                got.status,
                got.body
            );
            assert_eq!(
                said(&got, &swaps),
                said(&none, &[]),
                "{who:?} {} {}: the answer for someone else's object differs from the one \
                 for no object",
                r.method,
                r.path
            );
        }
        if attackers(top).is_empty()
            || OWNER_NOT_SHOWN
                .iter()
                .any(|(m, p, _)| *m == r.method && *p == r.path)
        {
            continue;
        }
        owner_checks.push((r, real_path, fake_path, swaps, body));
    }
    // The same requests succeed for the object's owner: the refusals above were the object's
    // check, not a bad request. Destructive ones last.
    owner_checks.sort_by_key(|(r, ..)| {
        (r.method == "DELETE" || r.path.ends_with("/merge") || r.path.ends_with("/delete")) as u8
    });
    for (r, real_path, fake_path, swaps, body) in owner_checks {
        let owner = owner_of(&w, r);
        let got = call(owner, r.method, r.path, &real_path, body.clone(), &w.rule_2).await;
        let none = call(owner, r.method, r.path, &fake_path, body, &w.rule_2).await;
        assert_ne!(
            said(&got, &swaps),
            said(&none, &[]),
            "the owner of {} {} is refused as if the object were not there: {} {}",
            r.method,
            r.path,
            got.status,
            got.body
        );
    }
    println!("{tried} attacks on the routes that name an object");
    assert!(tried > 250, "{tried} attacks");
}

/// Who the route's object belongs to.
fn owner_of<'a>(w: &'a World, r: &kefu_web::RouteInfo) -> &'a Browser {
    let (_, named) = fill(r.path, |k| w.real(k));
    match named[0].0 {
        Kind::WidgetConversation | Kind::WidgetAttachment | Kind::Page | Kind::Draft => {
            &w.visitor_a
        }
        Kind::Case | Kind::CaseFile => &w.customer_a,
        // The knowledge base is edited by every agent but published and restored by its
        // publishers (admins and supervisors).
        Kind::Inbox
        | Kind::MailInbox
        | Kind::Person
        | Kind::Team
        | Kind::Token
        | Kind::Rule
        | Kind::RawMail
        | Kind::Category
        | Kind::Article
        | Kind::Revision => &w.admin,
        Kind::Conversation | Kind::Attachment
            if r.access == kefu_web::Access::Signed && r.path.starts_with("/account/") =>
        {
            &w.customer_a
        }
        _ if r.access == kefu_web::Access::Admin => &w.admin,
        _ => &w.shop.agent,
    }
}

both_backends!(
    objects_named_in_a_body_or_query_are_checked_too,
    second_objects
);
/// Routes that name a second object (in the path after the caller's own, in the body or the
/// query): agent A, on their own conversation, names team B's or agent B's object. Each answer
/// must equal the one for an object that does not exist.
async fn second_objects(t: TestDb) {
    let w = world(t).await;
    let a = &w.shop.agent;
    let conv = &w.conv;
    let attachment_b = attachment_of(
        &upload(
            &w.customer_b,
            &format!("/api/v1/conversations/{}/attachments?name=b.pdf", w.conv_b),
        )
        .await,
    );
    let inbox_b = teams::list_inboxes(&w.shop.s.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.name == "Mail B")
        .unwrap()
        .id;
    // (what, their object, who asks, method, path, body): `{x}` stands for the object.
    let c = conv.as_str();
    type Case<'a> = (&'a str, &'a str, &'a Browser, Method, String, Option<Value>);
    let cases: Vec<Case> = vec![
        (
            "apply agent B's macro",
            &w.macro_b,
            a,
            Method::POST,
            format!("/api/v1/conversations/{c}/macros/{{x}}"),
            None,
        ),
        (
            "fill agent B's phrase",
            &w.phrase_b,
            a,
            Method::POST,
            format!("/api/v1/conversations/{c}/phrases/{{x}}"),
            None,
        ),
        (
            "a message of team B's conversation as this one's original",
            &w.message_b,
            a,
            Method::GET,
            format!("/api/v1/conversations/{c}/messages/{{x}}/original"),
            None,
        ),
        (
            "split off team B's message",
            &w.message_b,
            a,
            Method::POST,
            format!("/api/v1/conversations/{c}/split"),
            Some(json!({"message_id": "{x}", "subject": "x"})),
        ),
        (
            "merge into team B's conversation",
            &w.conv_b,
            a,
            Method::POST,
            format!("/api/v1/conversations/{c}/merge"),
            Some(json!({"into": "{x}"})),
        ),
        (
            "zip team B's attachment",
            &attachment_b,
            a,
            Method::POST,
            format!("/api/v1/conversations/{c}/attachments/zip"),
            Some(json!({"attachment_ids": ["{x}"], "name": "x"})),
        ),
        (
            "attach team B's file to a mail draft",
            &attachment_b,
            a,
            Method::POST,
            format!("/api/v1/conversations/{c}/mail/check"),
            Some(json!({"body": "hi", "attachment_ids": ["{x}"]})),
        ),
        (
            "open a conversation in team B's inbox",
            &inbox_b,
            a,
            Method::POST,
            "/api/v1/conversations".into(),
            Some(json!({"inbox_id": "{x}", "subject": "x"})),
        ),
        (
            "log a call on team B's conversation",
            &w.conv_b,
            a,
            Method::POST,
            "/api/v1/calls".into(),
            Some(json!({"conversation_id": "{x}", "direction": "inbound", "summary": "x"})),
        ),
        (
            "the calls of team B's conversation",
            &w.conv_b,
            a,
            Method::GET,
            "/api/v1/calls?conversation_id={x}".into(),
            None,
        ),
        (
            "the call script of team B's conversation",
            &w.conv_b,
            a,
            Method::GET,
            "/api/v1/call-script?conversation_id={x}".into(),
            None,
        ),
        (
            "a chat attachment through a case's files",
            &w.attachment,
            &w.customer_a,
            Method::GET,
            format!("/api/v1/cases/{}/files/{{x}}", w.case),
            None,
        ),
        (
            "visitor A's attachment through the staff download of customer B",
            &w.wattachment,
            &w.customer_b,
            Method::GET,
            "/api/v1/attachments/{x}".into(),
            None,
        ),
    ];
    for (what, theirs, b, m, path, body) in cases {
        let call = async |x: &str| {
            let body = body
                .as_ref()
                .map(|v| serde_json::from_str(&v.to_string().replace("{x}", x)).unwrap());
            b.api(m.clone(), &path.replace("{x}", x), body).await
        };
        let got = call(theirs).await;
        let none = call(&kefu_core::id::new_id()).await;
        assert!(
            !got.status.is_success(),
            "{what}: {} {}",
            got.status,
            got.body
        );
        assert_eq!(
            (got.status, got.code()),
            (none.status, none.code()),
            "{what}: {} / {}",
            got.body,
            none.body
        );
    }
}

// ---------------------------------------------------------------------- the socket

/// Every frame a client can send, each naming `conv`. The `match` has no catch-all arm, so a
/// new frame type does not compile until it is placed here.
fn client_frames(conv: &str) -> Vec<Value> {
    let all = [
        ClientFrame::Hello {
            v: 1,
            token: None,
            visitor: None,
            since: Default::default(),
        },
        ClientFrame::Send {
            cid: String::new(),
            conversation: String::new(),
            body: String::new(),
            note: false,
            accept_warnings: false,
        },
        ClientFrame::Typing {
            conversation: String::new(),
            on: true,
        },
        ClientFrame::Read {
            conversation: String::new(),
            seq: 1,
        },
        ClientFrame::Viewing {
            conversation: String::new(),
            on: true,
        },
        ClientFrame::Ping,
    ];
    all.iter()
        .map(|f| match f {
            // A hello names conversations in `since`: tried on a fresh connection below.
            ClientFrame::Hello { .. } => json!({"type": "hello", "since": {conv: 0}}),
            ClientFrame::Send { .. } => {
                json!({"type": "send", "cid": "x1", "conversation": conv, "body": "hi"})
            }
            ClientFrame::Typing { .. } => {
                json!({"type": "typing", "conversation": conv, "on": true})
            }
            ClientFrame::Read { .. } => json!({"type": "read", "conversation": conv, "seq": 1}),
            ClientFrame::Viewing { .. } => {
                json!({"type": "viewing", "conversation": conv, "on": true})
            }
            ClientFrame::Ping => json!({"type": "ping"}),
        })
        .collect()
}

/// How each server frame is made to happen about A's conversations below, or why it needs no
/// attack (an answer to the caller's own frame). No catch-all arm: a new frame must be placed.
fn provoked(f: &ServerFrame) -> &'static str {
    match f {
        ServerFrame::Welcome { .. } | ServerFrame::Ack { .. } => "an answer to the caller",
        ServerFrame::Error { .. } | ServerFrame::Pong => "an answer to the caller",
        ServerFrame::Message { .. } => "customer A and visitor A write, agent A notes",
        ServerFrame::Typing { .. } => "agent A types in visitor A's conversation",
        ServerFrame::Read { .. } => "agent A reads visitor A's conversation",
        ServerFrame::Viewing { .. } => "agent A opens visitor A's conversation",
        ServerFrame::Presence { .. } => "agent A goes online (staff only)",
        ServerFrame::Notification { .. } => "the admin mentions agent A in a note",
        ServerFrame::Queue { .. } => "visitor A waits in the queue",
        ServerFrame::Availability { .. } => {
            "about no conversation: whether an inbox takes chats, told to its widget's visitors"
        }
    }
}

/// Frames that arrive within `ms`.
async fn gather(ws: &mut Ws, ms: u64) -> Vec<Value> {
    use futures_util::StreamExt;
    let end = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    let mut out = vec![];
    while let Ok(Some(Ok(m))) = tokio::time::timeout_at(end, ws.next()).await {
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            out.push(serde_json::from_str(&t).unwrap());
        }
    }
    out
}

async fn hello_as(w: &World, who: Who, since: Value) -> (Ws, Vec<Value>) {
    let s = &w.shop.s;
    let mut ws = connect(s, Some(&s.url)).await.unwrap();
    let mut hello = json!({"type": "hello", "v": 1, "since": since});
    match who {
        Who::Visitor => {
            hello["visitor"] = json!(w.visitor_b.extra_headers[0].1);
        }
        _ => {
            let b = w.browser(who);
            let r = b.api(Method::POST, "/api/v1/realtime/token", None).await;
            hello["token"] = r.json()["token"].clone();
        }
    }
    put(&mut ws, hello).await;
    // The welcome, and an answer for each conversation named in `since` that it may not see.
    let mut frames = vec![next(&mut ws).await];
    if since.as_object().is_some_and(|m| !m.is_empty()) {
        frames.push(next(&mut ws).await);
    }
    (ws, frames)
}

both_backends!(
    no_socket_frame_reaches_or_tells_of_a_conversation_that_is_not_the_callers,
    socket_objects
);
async fn socket_objects(t: TestDb) {
    let w = world(t).await;
    let s = &w.shop.s;
    let socket_attackers = [Who::Visitor, Who::Customer, Who::OtherAgent];
    // 1. What each attacker sends, naming A's conversations, is answered as for no conversation.
    for who in socket_attackers {
        for target in [&w.conv, &w.wconv] {
            let fake = kefu_core::id::new_id();
            let swaps = [(target.clone(), fake.clone())];
            let real = client_frames(target);
            let none = client_frames(&fake);
            // The hello's `since`.
            let (_, got) = hello_as(&w, who, real[0]["since"].clone()).await;
            let (_, want) = hello_as(&w, who, none[0]["since"].clone()).await;
            let strip = |fs: Vec<Value>| -> Vec<String> {
                fs.into_iter()
                    .filter(|f| !BACKGROUND.contains(&f["type"].as_str().unwrap_or_default()))
                    .map(|f| {
                        let mut t = f.to_string();
                        for (a, b) in &swaps {
                            t = t.replace(a.as_str(), b.as_str());
                        }
                        if f["type"] == "welcome" {
                            t = "welcome".into();
                        }
                        t
                    })
                    .collect()
            };
            let (got, want) = (strip(got), strip(want));
            assert_eq!(got, want, "{who:?}: hello naming {target}");
            assert!(got.iter().any(|f| f.contains("not_found")), "{got:?}");
            // Every other frame: the real ones on one connection, the fake ones on another
            // (so that each connection's typing throttle treats both alike), one answer each,
            // then nothing more on either.
            let (mut ws_real, _) = hello_as(&w, who, json!({})).await;
            let (mut ws_none, _) = hello_as(&w, who, json!({})).await;
            for (r, n) in real.iter().zip(&none).skip(1) {
                put(&mut ws_real, r.clone()).await;
                put(&mut ws_none, n.clone()).await;
                let got = strip(vec![next(&mut ws_real).await]);
                let want = strip(vec![next(&mut ws_none).await]);
                assert_eq!(got, want, "{who:?}: {r}");
            }
            let (got, want) = (
                strip(gather(&mut ws_real, 200).await),
                strip(gather(&mut ws_none, 200).await),
            );
            assert_eq!(got, want, "{who:?}: after the frames");
        }
    }
    // 2. What happens in A's conversations reaches none of the attackers' sockets.
    let mut listening = vec![];
    for who in socket_attackers {
        listening.push((who, hello_as(&w, who, json!({})).await.0));
    }
    let mut agent_a = hello_person(s, &w.shop.agent, json!({})).await;
    let names: Vec<&str> = [ServerFrame::Pong].iter().map(provoked).collect();
    assert!(names.iter().all(|n| !n.is_empty()));
    // Presence.
    w.shop
        .agent
        .api(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "online"})),
        )
        .await;
    // Messages, a note with a mention, typing, read, viewing, in both conversations.
    let customer = &w.customer_a;
    customer
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{}/messages", w.conv),
            Some(json!({"client_id": "ev1", "body": "还在吗"})),
        )
        .await;
    w.visitor_a
        .send(
            w.visitor_a
                .req(
                    Method::POST,
                    &format!("/widget/api/conversations/{}/messages", w.wconv),
                )
                .json(&json!({"client_id": "ev2", "body": "你好"})),
        )
        .await;
    w.admin
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{}/messages", w.conv),
            Some(json!({"client_id": "ev3", "body": "@agent 请处理", "note": true})),
        )
        .await;
    for conv in [&w.conv, &w.wconv] {
        for f in [
            json!({"type": "typing", "conversation": conv, "on": true}),
            json!({"type": "read", "conversation": conv, "seq": 1}),
            json!({"type": "viewing", "conversation": conv, "on": true}),
            send("ev4", conv, "agent A answers"),
        ] {
            put(&mut agent_a, f).await;
        }
    }
    // A page of an invitation rule, for visitor A.
    w.visitor_a
        .send(
            w.visitor_a.req(Method::POST, "/widget/api/pages").json(
                &json!({"url": "https://shop.example/cup/1", "title": "杯子", "referrer": ""}),
            ),
        )
        .await;
    let heard = gather(&mut agent_a, 800).await;
    let types: Vec<&str> = heard.iter().filter_map(|f| f["type"].as_str()).collect();
    assert!(
        types.contains(&"message") && types.contains(&"notification"),
        "agent A heard {types:?}"
    );
    for (who, mut ws) in listening {
        for f in gather(&mut ws, 500).await {
            let t = f.to_string();
            assert!(
                !t.contains(w.conv.as_str()) && !t.contains(w.wconv.as_str()),
                "{who:?} heard of A's conversation: {t}"
            );
            assert!(
                !matches!(
                    f["type"].as_str(),
                    Some("notification" | "invitation" | "queue")
                ),
                "{who:?} heard {t}"
            );
            if who != Who::OtherAgent {
                assert_ne!(
                    f["type"], "presence",
                    "{who:?}: staff presence is staff only"
                );
            }
        }
    }
}

both_backends!(no_list_shows_what_is_not_the_callers, lists);
/// The lists a caller may read (conversations in every view and filter, live visitors,
/// notifications, macros, phrases, signatures, audit, the account page) name none of team A's,
/// agent A's or customer A's things to the others; the owners' lists do.
async fn lists(t: TestDb) {
    let w = world(t).await;
    let team_b = teams::list_teams(&w.shop.s.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售后")
        .unwrap()
        .id;
    let secrets = [
        w.conv.as_str(),
        w.wconv.as_str(),
        w.notification.as_str(),
        w.macro_.as_str(),
        w.phrase.as_str(),
        w.signature.as_str(),
        "订单 1001",
        "什么时候发货",
    ];
    let lists: Vec<String> = [
        "/api/v1/conversations",
        "/api/v1/conversations?view=all",
        "/api/v1/conversations?view=unassigned",
        "/api/v1/conversations?view=mine",
        &format!("/api/v1/conversations?view=team&team={}", w.team),
        &format!("/api/v1/conversations?view=team&team={team_b}"),
        &format!("/api/v1/conversations?team={}", w.team),
        &format!(
            "/api/v1/conversations?view=unassigned&team={}&tag=vip",
            w.team
        ),
        &format!("/api/v1/conversations?view=all&inbox={}", w.shop.inbox),
        &format!("/api/v1/conversations?view=all&inbox={}", w.mail_inbox),
        "/api/v1/conversations?view=all&status=open",
        "/api/v1/visitors/live",
        "/api/v1/notifications",
        "/api/v1/macros",
        "/api/v1/phrases",
        "/api/v1/signatures",
        "/api/v1/customers?q=ca",
        "/account",
        "/console",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for who in [Who::Customer, Who::OtherAgent, Who::Visitor, Who::Anonymous] {
        let b = w.browser(who);
        for path in &lists {
            let r = b.get(path).await;
            for secret in secrets {
                assert!(
                    !r.body.contains(secret),
                    "{who:?} GET {path} ({}) shows {secret}",
                    r.status
                );
            }
        }
    }
    // The owners see theirs, so the lists above were not empty by mistake.
    let a = &w.shop.agent;
    let all = a.get("/api/v1/conversations?view=all").await.body;
    assert!(all.contains(&w.conv) && all.contains(&w.wconv), "{all}");
    assert!(
        a.get("/api/v1/notifications")
            .await
            .body
            .contains(&w.notification)
    );
    assert!(a.get("/api/v1/macros").await.body.contains(&w.macro_));
    assert!(a.get("/api/v1/phrases").await.body.contains(&w.phrase));
    assert!(
        a.get("/api/v1/signatures")
            .await
            .body
            .contains(&w.signature)
    );
    let mine = w.customer_a.get("/api/v1/conversations").await.body;
    assert!(mine.contains(&w.conv), "{mine}");
}
