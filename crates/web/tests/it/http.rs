#![allow(clippy::unwrap_used)]
//! The real server over HTTP, on SQLite and on PostgreSQL.

use crate::common::*;
use kefu_core::Role;
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, conversations, people, sessions, teams, tokens};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

// ---------------------------------------------------------------- customer registration

both_backends!(sign_up_verify_by_mail_then_sign_in, sign_up_flow);
async fn sign_up_flow(t: TestDb) {
    let s = start(t).await;
    let b = Browser::new(&s);
    assert_eq!(b.get("/signup").await.status, StatusCode::OK);
    let r = b
        .post(
            "/signup",
            &[
                ("email", "Mei@Example.com"),
                ("password", PASSWORD),
                ("name", "韩梅梅"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The verification mail waits in the outbox, written with the account.
    assert_eq!(mails_to(&s, "Mei@example.com").await, 1);
    // Not verified yet: signing in is refused with a clear reason.
    let r = b.login("mei@example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("/verify/resend"));
    let token = mailed_token(&s, "Mei@example.com", "/verify?token=").await;
    let r = b.get(&format!("/verify?token={token}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A verification link works once.
    let r = b.get(&format!("/verify?token={token}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = b.login("MEI@example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/account");
    assert!(b.has_session());
    let page = b.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mei@example.com"));
    let me = b.api(Method::GET, "/api/v1/me", None).await.json();
    assert_eq!(me["role"], "customer");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["name"], "韩梅梅");
    // Profile edits through the page and the API.
    let r = b
        .post(
            "/account",
            &[
                ("name", "韩梅梅"),
                ("phone", "+86 138 0013 8000"),
                ("language", "zh-CN"),
                ("preferred_channel", "phone"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let me = b
        .api(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({"preferred_channel": "chat"})),
        )
        .await
        .json();
    assert_eq!(
        (
            me["phone"].as_str(),
            me["preferred_channel"].as_str(),
            me["language"].as_str()
        ),
        (Some("+86 138 0013 8000"), Some("chat"), Some("zh-CN"))
    );
    // A second account with the same address (any case) is refused.
    let other = Browser::new(&s);
    let r = other
        .post(
            "/signup",
            &[("email", "mei@EXAMPLE.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

both_backends!(
    sign_up_rejects_bad_input_with_clear_errors,
    sign_up_bad_input
);
async fn sign_up_bad_input(t: TestDb) {
    let s = start(t).await;
    let b = Browser::new(&s);
    for (email, password, needle) in [
        ("not-an-address", PASSWORD, "not valid"),
        ("a@b.com", "short", "8 to 256"),
        ("a@b.com", "password", "too easy"),
    ] {
        let r = b
            .post("/signup", &[("email", email), ("password", password)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{email} {password}");
        assert!(r.body.contains(needle), "{needle}: {}", r.body);
    }
    // A form missing a field is a 4xx, not a crash.
    let r = b.post("/signup", &[("email", "a@b.com")]).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(mails_to(&s, "a@b.com").await, 0);
}

// ---------------------------------------------------------------- CSRF and headers

both_backends!(state_changes_without_the_csrf_token_are_refused, csrf);
async fn csrf(t: TestDb) {
    let s = start(t).await;
    person(&s, "agent@shop.com", Role::Agent).await;
    let b = Browser::new(&s);
    // No token at all.
    let r = b
        .send(
            b.req(Method::POST, "/login")
                .form(&[("email", "agent@shop.com"), ("password", PASSWORD)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "csrf_failed");
    // A token that does not match the cookie.
    b.get("/login").await;
    let r = b
        .send(b.req(Method::POST, "/login").form(&[
            ("email", "agent@shop.com"),
            ("password", PASSWORD),
            ("_csrf", "x".repeat(43).as_str()),
        ]))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let b = signed_in(&s, "agent@shop.com").await;
    // JSON with the session cookie but no header.
    let r = b
        .send(
            b.req(Method::PATCH, "/api/v1/me")
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "csrf_failed")
    );
    // A cross-site request is refused even with the token.
    let r = b
        .send(
            b.req(Method::PATCH, "/api/v1/me")
                .header("x-csrf-token", b.csrf())
                .header("sec-fetch-site", "cross-site")
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .api(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({"name": "Agent Li"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

both_backends!(every_response_carries_the_security_headers, headers);
async fn headers(t: TestDb) {
    let s = start(t).await;
    let b = Browser::new(&s);
    for path in [
        "/login",
        "/healthz",
        "/no/such/page",
        "/api/v1/me",
        "/api/v1/nothing",
        "/static/kefu.css",
    ] {
        let r = b.get(path).await;
        let h = &r.headers;
        assert!(
            h.get("content-security-policy")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(
            h.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY", "{path}");
    }
    let r = b.get("/api/v1/nothing").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(b.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- security confirmation

fn code_at(secret: &str, offset_steps: i64) -> String {
    let at = kefu_core::time::now_ms() / 1000 + offset_steps * 30;
    kefu_core::totp::code_at(secret, at).unwrap()
}

both_backends!(staff_enrol_in_totp_and_sign_in_with_it, totp_flow);
async fn totp_flow(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    let b = signed_in(&s, "boss@shop.com").await;
    let page = b.get("/account/2fa").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data:image/svg+xml;base64,"),
        "QR code shown"
    );
    let at = page.body.find("<code class=\"secret\">").unwrap() + "<code class=\"secret\">".len();
    let secret: String = page.body[at..].chars().take_while(|c| *c != '<').collect();
    let wrong = b.post("/account/2fa", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    // The code used at enrolment, kept to try replaying it (a new 30-second step may begin
    // meanwhile, so it is not computed again).
    let enrol_code = code_at(&secret, 0);
    let r = b.post("/account/2fa", &[("code", &enrol_code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = r
        .body
        .split("<li><code>")
        .skip(1)
        .map(|p| p.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);

    // Sign in again: the password alone is not enough.
    let b2 = Browser::new(&s);
    let r = b2.login("boss@shop.com", PASSWORD).await;
    assert_eq!(r.location(), "/login/2fa");
    let r = b2.get("/admin/people").await;
    assert_eq!(
        r.location(),
        "/login/2fa",
        "no access before the second factor"
    );
    assert_eq!(b2.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    // The code already used at enrolment cannot be replayed.
    let r = b2.post("/login/2fa", &[("code", &enrol_code)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = b2
        .post("/login/2fa", &[("code", &code_at(&secret, 1))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(b2.get("/admin/people").await.status, StatusCode::OK);

    // A recovery code works once.
    let b3 = Browser::new(&s);
    b3.login("boss@shop.com", PASSWORD).await;
    assert_eq!(
        b3.post("/login/2fa", &[("code", &codes[0])]).await.status,
        StatusCode::SEE_OTHER
    );
    let b4 = Browser::new(&s);
    b4.login("boss@shop.com", PASSWORD).await;
    assert_eq!(
        b4.post("/login/2fa", &[("code", &codes[0])]).await.status,
        StatusCode::BAD_REQUEST
    );
    let audit = b2.api(Method::GET, "/api/v1/audit", None).await.json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["totp_enabled", "recovery_code_used", "totp_failed", "login"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

both_backends!(a_reset_link_works_once_and_not_after_it_expires, reset_flow);
async fn reset_flow(t: TestDb) {
    let s = start(t).await;
    let u = person(&s, "buyer@example.com", Role::Customer).await;
    let old = signed_in(&s, "buyer@example.com").await;
    let b = Browser::new(&s);
    let r = b
        .post("/password/forgot", &[("email", "buyer@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Unknown addresses get the same answer and no mail.
    let r = b
        .post("/password/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(mails_to(&s, "nobody@example.com").await, 0);
    let token = mailed_token(&s, "buyer@example.com", "/password/reset?token=").await;
    assert_eq!(
        b.get(&format!("/password/reset?token={token}"))
            .await
            .status,
        StatusCode::OK
    );
    let r = b
        .post(
            "/password/reset",
            &[("token", &token), ("password", "a brand new one")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = b
        .post(
            "/password/reset",
            &[("token", &token), ("password", "yet another one")],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    // The reset signed out the old session; the old password is dead, the new one works.
    assert_eq!(old.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        b.login("buyer@example.com", PASSWORD).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        b.login("buyer@example.com", "a brand new one").await.status,
        StatusCode::SEE_OTHER
    );
    // An expired token is refused.
    let (expired, _) = tokens::issue(
        &s.t.db,
        tokens::Purpose::ResetPassword,
        &tokens::NewToken {
            person_id: Some(&u.id),
            ttl_ms: -1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = b
        .post(
            "/password/reset",
            &[("token", &expired), ("password", "a brand new two")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        b.get(&format!("/password/reset?token={expired}"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

both_backends!(
    a_flood_of_reset_requests_sends_a_handful_of_mails,
    reset_flood
);
async fn reset_flood(t: TestDb) {
    // The proxy is trusted so each request can come from another address, as in a
    // distributed flood: the per-IP limit does not stop it, the per-account limit must.
    let s = start_with(t, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    })
    .await;
    person(&s, "victim@example.com", Role::Customer).await;
    let b = Browser::new(&s);
    b.get("/login").await;
    let csrf = b.csrf();
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..1000u32 {
        let r = b
            .send(
                b.req(Method::POST, "/password/forgot")
                    .header(
                        "x-forwarded-for",
                        format!("203.0.{}.{}", i / 250, i % 250 + 1),
                    )
                    .form(&[("email", "victim@example.com"), ("_csrf", csrf.as_str())]),
            )
            .await;
        *statuses.entry(r.status.as_u16()).or_insert(0) += 1;
    }
    let mails = mails_to(&s, "victim@example.com").await;
    assert!(mails <= 3, "{mails} mails for 1000 requests ({statuses:?})");
    assert!(mails >= 1);
    // From one address, the per-IP limit answers 429 with Retry-After.
    let one = Browser::new(&s);
    let mut limited = None;
    for _ in 0..30 {
        let r = one
            .post("/password/forgot", &[("email", "someone@example.com")])
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("the per-IP limit never triggered");
    assert!(r.headers.get("retry-after").is_some());
}

both_backends!(sign_in_is_rate_limited_per_account, login_limit);
async fn login_limit(t: TestDb) {
    let s = start(t).await;
    person(&s, "target@shop.com", Role::Agent).await;
    let b = Browser::new(&s);
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = b.login("target@shop.com", "wrong password").await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Even the right password waits until the window passes, and the page says how long.
    let r = b.login("target@shop.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait = r
        .body
        .split("Try again in ")
        .nth(1)
        .and_then(|rest| rest.split(" seconds").next())
        .and_then(|n| n.parse::<u64>().ok());
    assert!(wait.is_some_and(|n| n >= 1), "no wait named: {}", r.body);
}

both_backends!(sensitive_actions_need_a_fresh_password, reauth);
async fn reauth(t: TestDb) {
    let s = start(t).await;
    let u = person(&s, "agent@shop.com", Role::Agent).await;
    let b = signed_in(&s, "agent@shop.com").await;
    // Age the session's last password confirmation.
    kefu_store::Exec::execute(
        &s.t.db,
        "UPDATE sessions SET reauth_at = 0 WHERE person_id = $1",
        kefu_store::args![u.id.as_str()],
    )
    .await
    .unwrap();
    let r = b
        .post("/account/password", &[("password", "another good one")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/reauth"), "{}", r.location());
    assert_eq!(
        b.get("/account/2fa").await.location(),
        "/reauth?next=/account/2fa"
    );
    assert_eq!(
        b.post("/reauth", &[("password", "wrong")]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        b.post(
            "/reauth",
            &[("password", PASSWORD), ("next", "/account/security")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = b
        .post("/account/password", &[("password", "another good one")])
        .await;
    assert_eq!(
        r.location(),
        "/account/security?notice=notice-password-changed"
    );
    // Changing the address sends a link to the new one; it takes effect when followed.
    let r = b.post("/account/email", &[("email", "new@shop.com")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        people::get(&s.t.db, &u.id).await.unwrap().unwrap().email,
        "agent@shop.com"
    );
    let token = mailed_token(&s, "new@shop.com", "/verify?token=").await;
    assert_eq!(
        b.get(&format!("/verify?token={token}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        people::get(&s.t.db, &u.id).await.unwrap().unwrap().email,
        "new@shop.com"
    );
}

both_backends!(
    shop_signed_identities_sign_customers_in_and_forgeries_fail,
    identity
);
async fn identity(t: TestDb) {
    let s = start(t).await;
    kefu_store::settings::set(
        &s.t.db,
        kefu_store::settings::IDENTITY_SECRET,
        "shop-secret",
    )
    .await
    .unwrap();
    let now = kefu_core::time::now_ms() / 1000;
    let sig = kefu_core::identity::sign("shop-secret", "c-1001", "li@example.com", "李雷", now);
    let url = |sig: &str, email: &str, ts: i64| {
        format!(
            "/sso?external_id=c-1001&email={email}&name=%E6%9D%8E%E9%9B%B7&timestamp={ts}&signature={sig}"
        )
    };
    let forged = Browser::new(&s);
    let r = forged
        .get(&url(&"0".repeat(64), "li@example.com", now))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!forged.has_session());
    let r = forged.get(&url(&sig, "attacker@example.com", now)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "tampered e-mail");
    let stale = kefu_core::identity::sign(
        "shop-secret",
        "c-1001",
        "li@example.com",
        "李雷",
        now - 2 * 86_400,
    );
    assert_eq!(
        forged
            .get(&url(&stale, "li@example.com", now - 2 * 86_400))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let r = forged.get("/sso?external_id=c-1001").await;
    assert!(
        r.status.is_client_error(),
        "missing signature: {}",
        r.status
    );
    assert!(!forged.has_session());

    let b = Browser::new(&s);
    let r = b.get(&url(&sig, "li@example.com", now)).await;
    assert_eq!(
        (r.status, r.location().as_str()),
        (StatusCode::SEE_OTHER, "/account"),
        "{}",
        r.body
    );
    let me = b.api(Method::GET, "/api/v1/me", None).await.json();
    assert_eq!(
        (
            me["external_id"].as_str(),
            me["role"].as_str(),
            me["name"].as_str()
        ),
        (Some("c-1001"), Some("customer"), Some("李雷"))
    );
    // The API check answers with the customer's id only for a correct signature, to a shop
    // server's plain POST (no cookie, no CSRF token: the signature is the credential).
    let body = json!({"external_id": "c-1001", "email": "li@example.com", "name": "李雷", "timestamp": now, "signature": sig});
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/identity/verify", s.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["customer_id"], me["id"]);
    let mut bad = body;
    bad["signature"] = json!("ab".repeat(32));
    let r = Browser::new(&s)
        .api(Method::POST, "/api/v1/identity/verify", Some(bad))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_identity")
    );
}

// ---------------------------------------------------------------- people and access

both_backends!(admins_invite_agents_with_links_that_work_once, invitations);
async fn invitations(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    let admin = signed_in(&s, "boss@shop.com").await;
    let team = teams::create_team(&s.t.db, "售后").await.unwrap();
    let r = admin
        .api(
            Method::POST,
            "/api/v1/invitations",
            Some(json!({"email": "new.agent@shop.com", "role": "agent", "team_id": team.id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = mailed_token(&s, "new.agent@shop.com", "/invite?token=").await;
    let guest = Browser::new(&s);
    assert!(
        guest
            .get(&format!("/invite?token={token}"))
            .await
            .body
            .contains("new.agent@shop.com")
    );
    let r = guest
        .post(
            "/invite",
            &[
                ("token", &token),
                ("name", "新同事"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location().as_str()),
        (StatusCode::SEE_OTHER, "/console"),
        "{}",
        r.body
    );
    let agent = people::by_email(&s.t.db, "new.agent@shop.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(agent.role(), Role::Agent);
    assert_eq!(
        teams::teams_of(&s.t.db, &agent.id).await.unwrap()[0].id,
        team.id
    );
    let again = Browser::new(&s)
        .post(
            "/invite",
            &[("token", &token), ("name", "x"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    // Expired invitations are refused.
    let (old, _) = tokens::issue(
        &s.t.db,
        tokens::Purpose::Invitation,
        &tokens::NewToken {
            email: "late@shop.com",
            role: "agent",
            ttl_ms: -1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        Browser::new(&s)
            .get(&format!("/invite?token={old}"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // Customers cannot be invited as staff of a role that does not exist.
    let r = admin
        .api(
            Method::POST,
            "/api/v1/invitations",
            Some(json!({"email": "x@shop.com", "role": "customer"})),
        )
        .await;
    assert_eq!(r.code(), "invalid_role");
}

both_backends!(deactivation_and_roles, roles);
async fn roles(t: TestDb) {
    let s = start(t).await;
    let boss = person(&s, "boss@shop.com", Role::Admin).await;
    let agent = person(&s, "agent@shop.com", Role::Agent).await;
    let admin = signed_in(&s, "boss@shop.com").await;
    let a = signed_in(&s, "agent@shop.com").await;
    assert_eq!(a.get("/console").await.status, StatusCode::OK);
    let r = admin
        .api(
            Method::PATCH,
            &format!("/api/v1/people/{}", agent.id),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The deactivated agent is signed out at once and cannot sign in.
    assert_eq!(a.get("/console").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        Browser::new(&s)
            .login("agent@shop.com", PASSWORD)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    admin
        .api(
            Method::PATCH,
            &format!("/api/v1/people/{}", agent.id),
            Some(json!({"active": true, "role": "supervisor"})),
        )
        .await;
    assert_eq!(
        people::get(&s.t.db, &agent.id)
            .await
            .unwrap()
            .unwrap()
            .role(),
        Role::Supervisor
    );
    // The last admin stays an admin.
    let r = admin
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{}", boss.id),
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "last_admin")
    );
    let r = admin
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{}", boss.id),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

both_backends!(nobody_sees_conversations_that_are_not_theirs, object_access);
async fn object_access(t: TestDb) {
    let s = start(t).await;
    let alice = person(&s, "alice@example.com", Role::Customer).await;
    person(&s, "bob@example.com", Role::Customer).await;
    let pre_agent = person(&s, "pre@shop.com", Role::Agent).await;
    let post_agent = person(&s, "post@shop.com", Role::Agent).await;
    let pre = teams::create_team(&s.t.db, "售前").await.unwrap();
    let post = teams::create_team(&s.t.db, "售后").await.unwrap();
    teams::add_member(&s.t.db, &pre.id, &pre_agent.id)
        .await
        .unwrap();
    teams::add_member(&s.t.db, &post.id, &post_agent.id)
        .await
        .unwrap();
    let web = teams::create_inbox(&s.t.db, "Website", kefu_core::kinds::Channel::Widget)
        .await
        .unwrap();
    teams::assign_inbox(&s.t.db, &web.id, &pre.id)
        .await
        .unwrap();
    let c = conversations::create(&s.t.db, &web.id, Some(&alice.id), "订单 1001 什么时候发货")
        .await
        .unwrap();
    let path = format!("/api/v1/conversations/{}", c.id);

    let alice_b = signed_in(&s, "alice@example.com").await;
    assert_eq!(
        alice_b.api(Method::GET, &path, None).await.status,
        StatusCode::OK
    );
    assert!(alice_b.get("/account").await.body.contains("订单 1001"));
    assert_eq!(
        alice_b
            .get(&format!("/account/conversations/{}", c.id))
            .await
            .status,
        StatusCode::OK
    );
    let pre_b = signed_in(&s, "pre@shop.com").await;
    assert_eq!(
        pre_b.api(Method::GET, &path, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        pre_b
            .api(Method::GET, "/api/v1/inboxes", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Someone else's: 404, exactly like an id that does not exist.
    let bob_b = signed_in(&s, "bob@example.com").await;
    let post_b = signed_in(&s, "post@shop.com").await;
    for b in [&bob_b, &post_b] {
        let r = b.api(Method::GET, &path, None).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let missing = b
            .api(Method::GET, "/api/v1/conversations/does-not-exist", None)
            .await;
        assert_eq!(missing.body, r.body);
        assert!(
            b.api(Method::GET, "/api/v1/conversations", None)
                .await
                .json()
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(
        bob_b
            .get(&format!("/account/conversations/{}", c.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        post_b
            .api(Method::GET, "/api/v1/inboxes", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // An agent cannot open a conversation in an inbox of another team.
    let r = post_b
        .api(
            Method::POST,
            "/api/v1/conversations",
            Some(json!({"inbox_id": web.id, "subject": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        Browser::new(&s).get(&path).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Customers and agents stay out of admin pages.
    assert_eq!(bob_b.get("/console").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        pre_b.get("/admin/people").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        pre_b.api(Method::GET, "/api/v1/people", None).await.status,
        StatusCode::FORBIDDEN
    );
}

both_backends!(api_tokens_act_within_their_scopes, api_tokens);
async fn api_tokens(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    let admin = signed_in(&s, "boss@shop.com").await;
    let r = admin
        .api(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "ERP", "scopes": ["people:read"], "expires_in_days": 30})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let id = r.json()["info"]["id"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let call = |method: Method, path: &str, token: &str| {
        client
            .request(method, format!("{}{path}", s.url))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        call(Method::GET, "/api/v1/users", &token)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // Outside its scope, and never for minting tokens.
    assert_eq!(
        call(Method::GET, "/api/v1/audit", &token)
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(Method::GET, "/api/v1/tokens", &token)
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(Method::GET, "/api/v1/me", &token)
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = client
        .post(format!("{}/api/v1/teams", s.url))
        .bearer_auth(&token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        call(Method::GET, "/api/v1/users", "kefu_forged")
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        admin
            .api(Method::DELETE, &format!("/api/v1/tokens/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(Method::GET, "/api/v1/people", &token)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let r = admin
        .api(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "x", "scopes": ["root"]})),
        )
        .await;
    assert_eq!(r.code(), "invalid_scope");
}

both_backends!(bad_api_input_gets_a_clear_4xx, bad_json);
async fn bad_json(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    let b = signed_in(&s, "boss@shop.com").await;
    let raw = |body: &'static str, ct: &'static str| {
        b.req(Method::PATCH, "/api/v1/me")
            .header("x-csrf-token", b.csrf())
            .header("content-type", ct)
            .body(body)
    };
    let r = b.send(raw("{\"name\": ", "application/json")).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let r = b.send(raw("{\"nmae\": \"x\"}", "application/json")).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_body")
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nmae")
    );
    let r = b.send(raw("{\"name\": \"x\"}", "text/plain")).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "json_content_type_required")
    );
    let r = b
        .api(Method::PATCH, "/api/v1/me", Some(json!({"language": "fr"})))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_language")
    );
    let r = b
        .api(
            Method::POST,
            "/api/v1/invitations",
            Some(json!({"email": "no-at-sign", "role": "agent"})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_email")
    );
    // A body far over the limit is refused on its declared length, before any of it is read.
    let session = format!("kefu_session={}", b.session());
    for (path, ct) in [
        ("/api/v1/me", "application/json"),
        ("/login", "application/x-www-form-urlencoded"),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {ct}\r\ncookie: {session}\r\n\
             x-csrf-token: {}\r\ncontent-length: {}\r\n\r\n",
            b.csrf(),
            // Far over the limit: refused at once, without waiting for the body.
            100 * 1024 * 1024
        );
        let reply = raw_exchange(&s.url, &head).await;
        assert!(reply.starts_with("HTTP/1.1 413"), "{path}: {reply}");
        assert!(reply.contains("payload_too_large"), "{path}: {reply}");
    }
    // One somewhat over the limit is read and dropped first, so the client that is still
    // sending gets its 413 (not a reset connection).
    for _ in 0..5 {
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let r = b
            .send(
                b.req(Method::PATCH, "/api/v1/me")
                    .header("x-csrf-token", b.csrf())
                    .header("content-type", "application/json")
                    .body(big),
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

/// Sends `head` on a fresh connection and reads the reply until the server closes it.
async fn raw_exchange(url: &str, head: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        conn.read_to_end(&mut reply),
    )
    .await
    .expect("the server closes the connection after a 413")
    .unwrap();
    String::from_utf8_lossy(&reply).into_owned()
}

// ---------------------------------------------------------------- set-up, pages, language

both_backends!(the_first_admin_needs_the_printed_setup_code, setup);
async fn setup(t: TestDb) {
    let s = start(t).await;
    let b = Browser::new(&s);
    assert_eq!(b.get("/").await.location(), "/setup");
    let form = [
        ("email", "owner@shop.com"),
        ("name", "店主"),
        ("password", PASSWORD),
    ];
    let mut wrong = form.to_vec();
    wrong.push(("code", "00000000"));
    let r = b.post("/setup", &wrong).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // What was typed stays in the form, the code too, so only the wrong part is typed again.
    assert!(
        r.body.contains(r#"name="code" value="00000000""#),
        "{}",
        r.body
    );
    assert!(r.body.contains("owner@shop.com"));
    let mut weak = form.to_vec();
    weak[2] = ("password", "12345678");
    weak.push(("code", SETUP_CODE));
    let r = b.post("/setup", &weak).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("too easy to guess") && r.body.contains("a few unrelated words"),
        "the refusal says what passes: {}",
        r.body
    );
    let mut right = form.to_vec();
    right.push(("code", SETUP_CODE));
    let r = b.post("/setup", &right).await;
    assert_eq!(
        (r.status, r.location().as_str()),
        (StatusCode::SEE_OTHER, "/admin/start"),
        "{}",
        r.body
    );
    assert_eq!(b.get("/admin/people").await.status, StatusCode::OK);
    // `/admin` itself opens the admin menu, at the first steps.
    assert_eq!(b.get("/admin").await.location(), "/admin/start");
    // The checklist: nothing to chat through yet; one click makes the website chat, answered
    // by a team the admin is in (so the admin, once online, opens the widget).
    let start = b.get("/admin/start").await;
    assert!(
        start.body.contains(r#"<li class="" data-step="inbox">"#),
        "{}",
        start.body
    );
    assert!(start.body.contains("website-chat"));
    let r = b.post("/admin/start/website-chat", &[]).await;
    assert_eq!(
        r.location(),
        "/admin/start?notice=notice-website-chat",
        "{}",
        r.body
    );
    let again = b.post("/admin/start/website-chat", &[]).await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "a second click changes nothing"
    );
    let inboxes = kefu_store::teams::list_inboxes(&s.t.db).await.unwrap();
    assert_eq!(inboxes.len(), 1);
    let staff = kefu_store::presence::inbox_staff(&s.t.db, &inboxes[0].id)
        .await
        .unwrap();
    assert_eq!(staff.len(), 1, "the admin answers it");
    let start = b.get("/admin/start").await.body;
    for step in ["inbox", "answered-by"] {
        assert!(
            start.contains(&format!(r#"<li class="done" data-step="{step}">"#)),
            "{start}"
        );
    }
    assert!(start.contains(&format!(r#"data-inbox="{}""#, inboxes[0].id)));
    // The inbox's page says who counts as online and that nobody is, yet.
    let page = b
        .get(&format!("/admin/inboxes/{}", inboxes[0].id))
        .await
        .body;
    assert!(
        page.contains(r#"id="staffing""#) && page.contains("availability closed"),
        "{page}"
    );
    // The code is spent: nobody else can claim the instance.
    let other = Browser::new(&s);
    assert_eq!(other.get("/setup").await.location(), "/login");
    let mut again = form.to_vec();
    again[0] = ("email", "thief@evil.com");
    again.push(("code", SETUP_CODE));
    assert_eq!(other.post("/setup", &again).await.location(), "/login");
    assert!(
        people::by_email(&s.t.db, "thief@evil.com")
            .await
            .unwrap()
            .is_none()
    );
}

both_backends!(the_creator_of_a_team_is_in_it, team_creator);
async fn team_creator(t: TestDb) {
    let s = start(t).await;
    let boss = person(&s, "boss@shop.com", Role::Admin).await;
    let b = signed_in(&s, "boss@shop.com").await;
    // From the admin page: the admin answers the chats of the team he sets up.
    assert_eq!(
        b.post("/admin/teams", &[("name", "售前")]).await.status,
        StatusCode::SEE_OTHER
    );
    let team = teams::list_teams(&s.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售前")
        .unwrap();
    let members = teams::members(&s.t.db, &team.id).await.unwrap();
    assert_eq!(
        members.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(),
        [boss.id.as_str()]
    );
    // Through the API with a signed-in person too; a token's team starts empty.
    let r = b
        .api(Method::POST, "/api/v1/teams", Some(json!({"name": "售后"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let members = teams::members(&s.t.db, &id).await.unwrap();
    assert!(members.iter().any(|m| m.0 == boss.id));
}

both_backends!(admin_pages_render_in_both_languages, admin_pages);
async fn admin_pages(t: TestDb) {
    let s = start(t).await;
    person(&s, "boss@shop.com", Role::Admin).await;
    let b = signed_in(&s, "boss@shop.com").await;
    let team = teams::create_team(&s.t.db, "售前").await.unwrap();
    assert_eq!(
        b.post("/admin/inboxes", &[("name", "官网"), ("team_id", &team.id)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        b.post(
            "/admin/invitations",
            &[("email", "x@shop.com"), ("role", "agent"), ("team_id", "")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = b
        .post(
            "/admin/tokens",
            &[
                ("name", "ERP"),
                ("scope", "people:read"),
                ("scope", "audit:read"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert!(r.body.contains("kefu_"), "the new token is shown once");
    for path in [
        "/admin/people",
        "/admin/teams",
        "/admin/tokens",
        "/admin/audit",
        "/admin/outbox",
        "/admin/settings",
        "/console",
        "/account",
        "/account/security",
    ] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        // The title is words only (a tag there once swallowed the cases table of /account).
        let title = r
            .body
            .split("<title>")
            .nth(1)
            .unwrap()
            .split("</title>")
            .next()
            .unwrap();
        assert!(!title.contains('<'), "{path}: {title}");
    }
    assert!(
        b.get("/admin/outbox").await.body.contains("x@shop.com"),
        "admins read the outbox"
    );
    assert!(b.get("/admin/teams").await.body.contains("官网"));
    // Language: the browser's choice first, then a switch that sticks.
    let mut zh = Browser::new(&s);
    zh.extra_headers
        .push(("accept-language".into(), "zh-CN,zh;q=0.9".into()));
    let r = zh.get("/login").await;
    assert!(r.body.contains("登录") && r.body.contains("lang=\"zh-CN\""));
    let en = Browser::new(&s);
    assert!(en.get("/login").await.body.contains("Sign in"));
    en.post("/lang", &[("lang", "zh-CN"), ("next", "/login")])
        .await;
    assert!(en.get("/login").await.body.contains("忘记密码"));
}

both_backends!(health_and_metrics_report_real_state, ops);
async fn ops(t: TestDb) {
    let s = start(t).await;
    let b = Browser::new(&s);
    let h = b.get("/healthz").await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["database"], "ok");
    b.get("/login").await;
    let m = b.get("/metrics").await.body;
    assert!(m.contains("kefu_http_requests_total"), "{m}");
    assert!(m.contains("kefu_outbox_pending 0"));
    // With the database gone, health says so.
    s.t.db.close().await;
    let h = b.get("/healthz").await;
    assert_eq!(h.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h.json()["database"], "unreachable");
}

// ---------------------------------------------------------------- every route has a rule

/// Routes anyone may call. A new public route must be added here on purpose.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/static/{*file}"),
    ("GET", "/widget.js"),
    ("GET", "/widget/frame"),
    ("GET", "/demo"),
    ("GET", "/favicon.ico"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/signup"),
    ("POST", "/signup"),
    ("GET", "/verify"),
    ("POST", "/verify/resend"),
    ("GET", "/password/forgot"),
    ("POST", "/password/forgot"),
    ("GET", "/password/reset"),
    ("POST", "/password/reset"),
    ("GET", "/invite"),
    ("POST", "/invite"),
    ("GET", "/sso"),
    ("POST", "/lang"),
    ("POST", "/api/v1/identity/verify"),
    ("GET", "/ws"),
    ("POST", "/widget/api/visitors"),
    ("GET", "/help"),
    ("GET", "/help/search"),
    ("GET", "/help/categories/{slug}"),
    ("GET", "/help/articles/{slug}"),
    ("POST", "/help/articles/{slug}/feedback"),
    ("GET", "/help/sitemap.xml"),
    ("GET", "/sitemap.xml"),
    // Complaints and claims: filed with an e-mail code or a session, opened with their key.
    ("POST", "/api/v1/cases/code"),
    ("POST", "/api/v1/cases"),
    ("GET", "/api/v1/cases/{tracking}"),
    ("POST", "/api/v1/cases/{tracking}/messages"),
    ("POST", "/api/v1/cases/{tracking}/files"),
    ("GET", "/api/v1/cases/{tracking}/files/{attachment_id}"),
    ("GET", "/complaints/new"),
    // A callback request from the help centre or the widget (limited per address).
    ("POST", "/api/v1/callbacks"),
    ("GET", "/help/callback"),
    ("GET", "/track/{tracking}"),
];

both_backends!(every_route_enforces_its_access_rule, route_matrix);
async fn route_matrix(t: TestDb) {
    let s = start(t).await;
    person(&s, "cust@example.com", Role::Customer).await;
    person(&s, "agent@shop.com", Role::Agent).await;
    let anon = Browser::new(&s);
    anon.get("/login").await;
    let customer = signed_in(&s, "cust@example.com").await;
    let agent = signed_in(&s, "agent@shop.com").await;
    assert!(s.routes.len() > 60, "{} routes", s.routes.len());
    for r in &s.routes {
        let path = r
            .path
            .replace("{id}", "some-id")
            .replace("{person_id}", "some-user");
        let method = Method::from_bytes(r.method.as_bytes()).unwrap();
        let listed_public = PUBLIC.contains(&(r.method, r.path));
        assert_eq!(
            r.access == kefu_web::Access::Public,
            listed_public,
            "{} {} is {:?}: public routes must be listed in PUBLIC on purpose",
            r.method,
            r.path,
            r.access
        );
        if listed_public {
            continue;
        }
        let call = async |b: &Browser| {
            b.send(
                b.req(method.clone(), &path)
                    .header("x-csrf-token", b.csrf())
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await
        };
        let a = call(&anon).await;
        assert!(
            a.status == StatusCode::UNAUTHORIZED
                || (a.status == StatusCode::SEE_OTHER && a.location().starts_with("/login")),
            "anonymous {} {} got {}",
            r.method,
            r.path,
            a.status
        );
        if matches!(r.access, kefu_web::Access::Staff | kefu_web::Access::Admin) {
            let c = call(&customer).await;
            assert_eq!(
                c.status,
                StatusCode::FORBIDDEN,
                "customer {} {}",
                r.method,
                r.path
            );
        }
        if r.access == kefu_web::Access::Admin {
            let g = call(&agent).await;
            assert_eq!(
                g.status,
                StatusCode::FORBIDDEN,
                "agent {} {}",
                r.method,
                r.path
            );
        }
    }
}

#[test]
fn the_committed_openapi_document_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json"))
            .unwrap_or_default();
    let current = kefu_web::api::openapi_json();
    assert!(
        committed.trim() == current.trim(),
        "openapi.json is stale: run `cargo run -p kefu -- openapi > openapi.json`"
    );
}

/// Every error code is raised somewhere (a code nothing returns is a promise the API does not
/// keep) and listed in the committed OpenAPI document (a code a client cannot see there is one
/// it cannot plan for).
#[test]
fn every_error_code_is_used_and_documented() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let openapi = std::fs::read_to_string(format!("{root}/openapi.json")).unwrap();
    let mut sources = String::new();
    let mut folders = vec![std::path::PathBuf::from(format!("{root}/crates"))];
    while let Some(dir) = folders.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                // Only what the product runs: not tests, examples or the list itself.
                if !matches!(name.as_str(), "tests" | "examples" | "target") {
                    folders.push(path);
                }
            } else if name.ends_with(".rs") && !path.ends_with("core/src/error.rs") {
                sources.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut unused = vec![];
    let mut undocumented = vec![];
    for code in kefu_core::ErrorCode::ALL {
        if !sources.contains(&format!("ErrorCode::{code:?}")) {
            unused.push(code.as_str());
        }
        if !openapi.contains(&format!("\"{code}\"")) {
            undocumented.push(code.as_str());
        }
    }
    assert!(unused.is_empty(), "error codes nothing returns: {unused:?}");
    assert!(
        undocumented.is_empty(),
        "error codes missing from openapi.json: {undocumented:?}"
    );
}

#[tokio::test]
async fn sessions_table_is_used_for_sign_out() {
    let t = TestDb::open(kefu_store::Backend::Sqlite).await.unwrap();
    let s = start(t).await;
    let u = person(&s, "a@shop.com", Role::Agent).await;
    let b = signed_in(&s, "a@shop.com").await;
    assert_eq!(
        sessions::delete_for_user(&s.t.db, &u.id, None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(b.get("/console").await.status, StatusCode::SEE_OTHER);
}

/// A transport that fails its first `failures` sends, then records what it delivers.
struct Flaky {
    failures: std::sync::atomic::AtomicUsize,
    sent: std::sync::Mutex<Vec<String>>,
}

impl kefu_service::mail::delivery::Transport for Flaky {
    async fn send(
        &self,
        mail: &kefu_store::outbox::OutboxMail,
    ) -> Result<(), kefu_service::mail::MailFailure> {
        use std::sync::atomic::Ordering;
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(kefu_mail::MailError::Transport("451 try again later".into()).into());
        }
        self.sent.lock().unwrap().push(mail.to_addr.clone());
        Ok(())
    }
}

both_backends!(
    the_outbox_worker_retries_and_delivers_each_mail_once,
    outbox_worker
);
async fn outbox_worker(t: TestDb) {
    let s = start(t).await;
    let b = Browser::new(&s);
    b.post(
        "/signup",
        &[("email", "new@example.com"), ("password", PASSWORD)],
    )
    .await;
    let flaky = Flaky {
        failures: std::sync::atomic::AtomicUsize::new(1),
        sent: Default::default(),
    };
    // The first attempt fails and is scheduled for later, with the error kept.
    assert_eq!(
        kefu_service::mail::delivery::deliver_due(&s.state, Some(&flaky))
            .await
            .unwrap(),
        0
    );
    let mail = kefu_store::outbox::list(&s.t.db, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!((mail.status.as_str(), mail.attempts), ("pending", 1));
    assert!(mail.last_error.contains("451"));
    assert!(
        kefu_store::outbox::due(&s.t.db, 10, false)
            .await
            .unwrap()
            .is_empty(),
        "backing off"
    );
    // An admin sees it waiting and sends it again now from the outbox page.
    person(&s, "boss@shop.com", Role::Admin).await;
    let admin = signed_in(&s, "boss@shop.com").await;
    let page = admin.get("/admin/outbox").await.body;
    assert!(
        page.contains("等待发送") || page.contains("Waiting"),
        "{page}"
    );
    assert!(page.contains("action=\"/admin/outbox/retry\""), "{page}");
    let r = admin
        .post("/admin/outbox/retry", &[("id", mail.id.as_str())])
        .await;
    assert!(
        r.status.is_redirection() || r.status.is_success(),
        "{}",
        r.body
    );
    assert_eq!(
        kefu_store::outbox::due(&s.t.db, 10, false)
            .await
            .unwrap()
            .len(),
        1,
        "due now"
    );
    assert_eq!(
        kefu_service::mail::delivery::deliver_due(&s.state, Some(&flaky))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        kefu_service::mail::delivery::deliver_due(&s.state, Some(&flaky))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        *flaky.sent.lock().unwrap(),
        vec!["new@example.com".to_string()]
    );
    let mail = kefu_store::outbox::get(&s.t.db, &mail.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mail.status, "sent");
    // A sent mail is not sent again.
    let r = admin
        .post("/admin/outbox/retry", &[("id", mail.id.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        Browser::new(&s)
            .get("/metrics")
            .await
            .body
            .contains("kefu_mail_sent_total 1")
    );
}

both_backends!(
    a_session_waiting_for_its_second_factor_expires_in_minutes,
    mfa_session_ttl
);
async fn mfa_session_ttl(t: TestDb) {
    let s = start(t).await;
    let u = person(&s, "boss@shop.com", Role::Admin).await;
    kefu_store::people::set_totp(&s.t.db, &u.id, Some("JBSWY3DPEHPK3PXP"), true)
        .await
        .unwrap();
    let b = Browser::new(&s);
    assert_eq!(
        b.login("boss@shop.com", PASSWORD).await.location(),
        "/login/2fa"
    );
    let rows: Vec<(String, i64, i64)> = kefu_store::Exec::fetch_all(
        &s.t.db,
        "SELECT stage, created_at, expires_at FROM sessions WHERE person_id = $1",
        kefu_store::args![u.id.as_str()],
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    let (stage, created, expires) = &rows[0];
    assert_eq!(stage, "mfa");
    assert!(expires - created <= 10 * 60_000, "{} ms", expires - created);
}
