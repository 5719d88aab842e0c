//! The demo shop of `kefu serve --demo`, and `kefu admin create`.

use kefu_core::Role;
use kefu_store::people::{NewUser, User};
use kefu_store::{Db, conversations, people, settings, teams};

async fn hash(password: &str) -> anyhow::Result<String> {
    kefu_web::auth::hash_password(password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn random_password() -> String {
    kefu_core::id::new_token()[..16].to_string()
}

/// Creates an admin; returns the password when it was generated (to print it once).
pub async fn create_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: Option<String>,
) -> anyhow::Result<(User, Option<String>)> {
    let email = kefu_core::validate::email(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = kefu_core::validate::name(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let (password, shown) = match password {
        Some(p) => {
            kefu_core::validate::password(&p)
                .map_err(|e| anyhow::anyhow!("KEFU_ADMIN_PASSWORD: {e}"))?;
            (p, None)
        }
        None => {
            let p = random_password();
            (p.clone(), Some(p))
        }
    };
    let mut tx = db.begin().await?;
    let user = people::insert(
        &mut tx,
        &NewUser {
            role: Some(Role::Admin),
            email,
            name,
            password_hash: Some(hash(&password).await?),
            verified: true,
            language: "zh-CN".into(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| match e {
        kefu_store::Error::Conflict(_) => {
            anyhow::anyhow!("an account with this e-mail address exists")
        }
        other => other.into(),
    })?;
    kefu_web::accounts::ensure_identity_secret(&mut tx)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    Ok((user, shown))
}

/// Seeds the demo shop once (skipped when the admin exists); returns lines to print.
pub async fn seed(db: &Db) -> anyhow::Result<Vec<String>> {
    const ADMIN: &str = "admin@demo.kefu.test";
    if people::by_email(db, ADMIN).await?.is_some() {
        return Ok(vec![format!(
            "demo shop already seeded; sign in as {ADMIN} (password printed at first seeding)"
        )]);
    }
    let mut lines = vec!["demo shop 演示店铺 seeded; sign in at /login as:".to_string()];
    let (_, admin_pw) = create_admin(db, ADMIN, "王店长", None).await?;
    lines.push(format!(
        "  admin  {ADMIN} / {}",
        admin_pw.unwrap_or_default()
    ));
    settings::set(db, settings::SHOP_NAME, "演示店铺 Demo Shop").await?;

    let pre = teams::create_team(db, "售前 Pre-sale").await?;
    let post = teams::create_team(db, "售后 After-sale").await?;
    let web = teams::create_inbox(db, "官网在线客服 Website chat", "widget").await?;
    let returns = teams::create_inbox(db, "退换货 Returns", "widget").await?;
    teams::assign_inbox(db, &web.id, &pre.id).await?;
    teams::assign_inbox(db, &returns.id, &post.id).await?;

    for (email, name, team) in [
        ("li.na@demo.kefu.test", "李娜", &pre),
        ("zhang.wei@demo.kefu.test", "张伟", &post),
    ] {
        let pw = random_password();
        let mut tx = db.begin().await?;
        let u = people::insert(
            &mut tx,
            &NewUser {
                role: Some(Role::Agent),
                email: email.into(),
                name: name.into(),
                password_hash: Some(hash(&pw).await?),
                verified: true,
                language: "zh-CN".into(),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        teams::add_member(db, &team.id, &u.id).await?;
        lines.push(format!("  agent  {email} / {pw}  ({})", team.name));
    }

    let customers = [
        (
            "chen.jing@example.com",
            "陈静",
            "我的订单什么时候发货？",
            &web,
        ),
        (
            "liu.yang@example.com",
            "刘洋",
            "退货流程是怎样的？",
            &returns,
        ),
        (
            "emma@example.com",
            "Emma Brown",
            "Does the kettle ship to Hong Kong?",
            &web,
        ),
    ];
    let customer_pw = random_password();
    for (email, name, subject, inbox) in customers {
        let mut tx = db.begin().await?;
        let u = people::insert(
            &mut tx,
            &NewUser {
                role: Some(Role::Customer),
                email: email.into(),
                name: name.into(),
                password_hash: Some(hash(&customer_pw).await?),
                verified: true,
                language: if email.starts_with("emma") {
                    "en".into()
                } else {
                    "zh-CN".into()
                },
                ..Default::default()
            },
        )
        .await?;
        let c = conversations::create(&mut tx, &inbox.id, Some(&u.id), subject).await?;
        // The customer's first message, waiting for an agent.
        kefu_store::messages::append(
            &mut tx,
            &kefu_store::messages::NewMessage {
                conversation_id: &c.id,
                kind: kefu_store::messages::kind::TEXT,
                author_kind: kefu_store::messages::author::CONTACT,
                author_id: Some(&u.id),
                body: subject,
                ..Default::default()
            },
        )
        .await?;
        conversations::update(
            &mut tx,
            &c,
            &conversations::Changes {
                waiting_since: Some(Some(kefu_core::time::now_ms())),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
    }
    lines.push(format!(
        "  customers chen.jing@example.com, liu.yang@example.com, emma@example.com / {customer_pw}"
    ));
    Ok(lines)
}
