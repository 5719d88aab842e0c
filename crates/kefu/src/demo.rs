//! The demo shop of `kefu serve --demo`, and `kefu admin create`.

use kefu_core::Role;
use kefu_store::people::{NewPerson, Person};
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
) -> anyhow::Result<(Person, Option<String>)> {
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
        &NewPerson {
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
    kefu_service::accounts::ensure_identity_secret(&mut tx)
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
    let web = teams::create_inbox(
        db,
        "官网在线客服 Website chat",
        kefu_core::kinds::Channel::Widget,
    )
    .await?;
    let returns =
        teams::create_inbox(db, "退换货 Returns", kefu_core::kinds::Channel::Widget).await?;
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
            &NewPerson {
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
            &NewPerson {
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
    seed_articles(db).await?;
    lines.push("  help centre: /help".into());
    seed_tickets(db, &post.id).await?;
    lines.push("  complaints and after-sale requests: /complaints/new".into());
    Ok(lines)
}

/// Ticket fields, a shared macro, service levels on China's working hours, and complaints that
/// escalate to the after-sale team.
async fn seed_tickets(db: &Db, supervisors: &str) -> anyhow::Result<()> {
    let fields = serde_json::json!([
        {"key": "order", "label": "订单号 Order", "kind": "text", "required": false},
        {"key": "carrier", "label": "快递公司 Carrier", "kind": "select",
         "options": ["顺丰 SF", "中通 ZTO", "圆通 YTO", "京东 JD"]},
        {"key": "refund_amount", "label": "退款金额 Refund (¥)", "kind": "number"}
    ]);
    settings::set(db, kefu_service::tickets::FIELDS_KEY, &fields.to_string()).await?;
    let hours = |days: &[u8], from: &str, to: &str| serde_json::json!({"days": days, "from": from, "to": to});
    let sla = serde_json::json!({
        "calendars": [{
            "id": "cn-office", "name": "工作时间 Office hours", "time_zone": "Asia/Shanghai",
            "hours": [hours(&[0, 1, 2, 3, 4], "09:00", "18:00"), hours(&[5], "10:00", "16:00")],
            "holidays": ["2027-01-01", "2027-02-16", "2027-02-17", "2027-02-18", "2027-02-19"]
        }],
        "policies": [
            {"id": "urgent", "name": "紧急 Urgent", "priority": "urgent", "calendar_id": "cn-office",
             "first_response_minutes": 30, "next_response_minutes": 60, "resolution_minutes": 480,
             "remind_before_minutes": 10},
            {"id": "complaints", "name": "投诉 Complaints", "ticket_type": "complaint",
             "calendar_id": "cn-office", "first_response_minutes": 60,
             "next_response_minutes": 240, "resolution_minutes": 1440},
            {"id": "standard", "name": "标准 Standard", "calendar_id": "cn-office",
             "first_response_minutes": 120, "next_response_minutes": 480,
             "resolution_minutes": 2880}
        ]
    });
    settings::set(
        db,
        kefu_service::tickets::sla::SETTINGS_KEY,
        &sla.to_string(),
    )
    .await?;
    let cases = serde_json::json!({
        "inbox_id": "", "escalate_from": "high", "supervisor_team_id": supervisors,
        "categories": ["商品质量 Product quality", "物流配送 Delivery", "服务态度 Service",
                       "价格与优惠 Price and promotions", "其他 Other"]
    });
    settings::set(
        db,
        kefu_service::tickets::cases::SETTINGS_KEY,
        &cases.to_string(),
    )
    .await?;
    let actions = serde_json::json!({
        "reply": "{customer.name}您好，已为您登记售后工单 #{ticket.number}，我们会在一个工作日内处理。",
        "ticket_type": "claim", "stage": "after_sale", "add_tags": ["售后"], "assign": "me"
    });
    kefu_store::macros::create(
        db,
        None,
        "登记售后 Register after-sale",
        &actions.to_string(),
    )
    .await?;
    Ok(())
}

/// A small help centre in both languages.
async fn seed_articles(db: &Db) -> anyhow::Result<()> {
    use kefu_store::knowledge::{self, ArticleInput, CategoryInput, reason};
    let category = |slug: &str, zh: &str, en: &str, dzh: &str, den: &str, position| CategoryInput {
        parent_id: None,
        slug: slug.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        description_zh: dzh.into(),
        description_en: den.into(),
        position,
    };
    let orders = knowledge::create_category(
        db,
        &category(
            "orders",
            "订单与配送",
            "Orders & delivery",
            "下单、付款、发货与物流",
            "Ordering, paying, shipping and tracking",
            1,
        ),
    )
    .await?;
    let returns = knowledge::create_category(
        db,
        &category(
            "returns",
            "退换货与退款",
            "Returns & refunds",
            "七天无理由退货、换货和退款到账",
            "Returns within seven days, exchanges and refunds",
            2,
        ),
    )
    .await?;
    let articles: &[(&str, &str, &str, &str, &str, &str)] = &[
        (
            &orders.id,
            "track-your-parcel",
            "如何查询物流",
            "在「我的订单」中打开订单详情，点击**查看物流**即可看到快递公司和运单号。\n\n发货后 24 小时内物流信息会更新；如超过 48 小时仍无更新，请联系客服。",
            "How to track your parcel",
            "Open the order in **My orders** and choose **Track parcel** to see the courier and the tracking number.\n\nTracking updates within 24 hours of dispatch; if nothing changes for 48 hours, contact us.",
        ),
        (
            &orders.id,
            "shipping-times",
            "多久发货？",
            "现货商品在付款后 **48 小时**内发货，预售商品按商品页写明的日期发货。\n\n| 地区 | 时效 |\n|---|---|\n| 江浙沪 | 1–2 天 |\n| 其他地区 | 2–4 天 |",
            "When will my order ship?",
            "Items in stock ship within **48 hours** of payment; pre-sale items ship on the date shown on the product page.",
        ),
        (
            &orders.id,
            "invoices",
            "如何开具发票",
            "在订单详情页点击「申请发票」，填写抬头和税号，电子发票会在 3 个工作日内发送到您的邮箱。",
            "",
            "",
        ),
        (
            &returns.id,
            "returns",
            "退货流程",
            "收到商品 **7 天内**可申请七天无理由退货：\n\n1. 在订单详情页点击「申请退货」；\n2. 选择退货原因并上传照片；\n3. 审核通过后按提示寄回商品。\n\n商品需保持完好、配件齐全。",
            "How returns work",
            "You can return an item within **7 days** of delivery:\n\n1. Open the order and choose **Return item**;\n2. Pick a reason and add photos;\n3. Once approved, send the item back as instructed.\n\nItems must be unused and complete.",
        ),
        (
            &returns.id,
            "refund-times",
            "退款多久到账？",
            "退货签收后 1 个工作日内为您退款。原路退回：微信、支付宝一般即时到账，银行卡 1–5 个工作日。",
            "When will I get my refund?",
            "We refund within one business day of receiving the return, to the original payment method: WeChat Pay and Alipay are usually instant, bank cards take 1–5 business days.",
        ),
    ];
    for (cat, slug, tzh, bzh, ten, ben) in articles {
        let mut tx = db.begin().await?;
        knowledge::create_article(
            &mut tx,
            &ArticleInput {
                category_id: cat.to_string(),
                slug: slug.to_string(),
                status: "published".into(),
                tags: String::new(),
                title_zh: tzh.to_string(),
                body_zh: bzh.to_string(),
                title_en: ten.to_string(),
                body_en: ben.to_string(),
            },
            None,
            reason::IMPORT,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
