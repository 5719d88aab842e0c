//! Browse consult (浏览咨询): the pages widget visitors are on, and the rules that invite them
//! to chat.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageView {
    pub id: String,
    pub visitor_id: String,
    pub url: String,
    pub title: String,
    pub referrer: String,
    pub started_at: i64,
    pub last_seen_at: i64,
}

/// Records that a visitor opened a page; returns the view.
pub async fn open_page(
    x: impl Exec,
    visitor_id: &str,
    url: &str,
    title: &str,
    referrer: &str,
) -> Result<PageView> {
    let now = now_ms();
    let v = PageView {
        id: new_id(),
        visitor_id: visitor_id.into(),
        url: url.into(),
        title: title.into(),
        referrer: referrer.into(),
        started_at: now,
        last_seen_at: now,
    };
    x.execute(
        "INSERT INTO page_views (id, visitor_id, url, title, referrer, started_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        args![&v.id, &v.visitor_id, &v.url, &v.title, &v.referrer, now],
    )
    .await?;
    Ok(v)
}

/// The visitor is still on the page (time on page grows).
pub async fn still_on(x: impl Exec, visitor_id: &str, view_id: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE page_views SET last_seen_at = $3 WHERE id = $2 AND visitor_id = $1",
        args![visitor_id, view_id, now_ms()],
    )
    .await?
        == 1)
}

/// Pages a contact's visitors viewed, newest first.
pub async fn trail_of_customer(
    x: impl Exec,
    customer_id: &str,
    limit: i64,
) -> Result<Vec<PageView>> {
    x.fetch_all(
        "SELECT p.id, p.visitor_id, p.url, p.title, p.referrer, p.started_at, p.last_seen_at \
         FROM page_views p JOIN visitors v ON v.id = p.visitor_id WHERE v.customer_id = $1 \
         ORDER BY p.started_at DESC LIMIT $2",
        args![customer_id, limit],
    )
    .await
}

/// Days (UTC) before today on which the visitor viewed pages: a returning visitor has some.
pub async fn earlier_visits(x: impl Exec, visitor_id: &str, before: i64) -> Result<i64> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1 AND started_at < $2",
            args![visitor_id, before],
        )
        .await?;
    Ok(n)
}

/// A visitor on the site now, with the page they are on.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveVisitor {
    pub visitor_id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub name: String,
    pub email: String,
    pub url: String,
    pub title: String,
    pub referrer: String,
    /// When they opened the current page.
    pub since: i64,
    pub last_seen_at: i64,
}

/// Visitors seen since `since` in `inboxes` (every inbox when empty), most recent first.
pub async fn live(x: impl Exec, since: i64, inboxes: &[String]) -> Result<Vec<LiveVisitor>> {
    let rows: Vec<LiveVisitor> = x
        .fetch_all(
            "SELECT v.id AS visitor_id, v.customer_id, v.inbox_id, u.name, \
             (CASE WHEN u.email <> '' THEN u.email ELSE u.contact_email END) AS email, \
             p.url, p.title, p.referrer, p.started_at AS since, p.last_seen_at \
             FROM page_views p JOIN visitors v ON v.id = p.visitor_id \
             JOIN people u ON u.id = v.customer_id \
             WHERE p.last_seen_at > $1 AND p.started_at = (SELECT MAX(p2.started_at) \
               FROM page_views p2 WHERE p2.visitor_id = p.visitor_id) \
             ORDER BY p.last_seen_at DESC LIMIT 500",
            args![since],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| inboxes.is_empty() || inboxes.contains(&r.inbox_id))
        .collect())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationRule {
    pub id: String,
    pub inbox_id: String,
    /// `*` matches any run of characters: `*/checkout*`.
    pub url_pattern: String,
    /// Seconds on the page before the invitation opens.
    pub min_seconds: i64,
    /// Only for visitors who came on an earlier day.
    pub returning_only: bool,
    pub message: String,
    pub created_at: i64,
}

pub async fn add_rule(
    x: impl Exec,
    inbox_id: &str,
    url_pattern: &str,
    min_seconds: i64,
    returning_only: bool,
    message: &str,
) -> Result<InvitationRule> {
    let r = InvitationRule {
        id: new_id(),
        inbox_id: inbox_id.into(),
        url_pattern: url_pattern.into(),
        min_seconds,
        returning_only,
        message: message.into(),
        created_at: now_ms(),
    };
    x.execute(
        "INSERT INTO invitation_rules (id, inbox_id, url_pattern, min_seconds, returning_only, \
         message, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![
            &r.id,
            &r.inbox_id,
            &r.url_pattern,
            r.min_seconds,
            r.returning_only,
            &r.message,
            r.created_at
        ],
    )
    .await?;
    Ok(r)
}

pub async fn rules(x: impl Exec, inbox_id: &str) -> Result<Vec<InvitationRule>> {
    x.fetch_all(
        "SELECT id, inbox_id, url_pattern, min_seconds, returning_only, message, created_at \
         FROM invitation_rules WHERE inbox_id = $1 ORDER BY created_at, id",
        args![inbox_id],
    )
    .await
}

pub async fn delete_rule(x: impl Exec, inbox_id: &str, id: &str) -> Result<bool> {
    Ok(x.execute(
        "DELETE FROM invitation_rules WHERE id = $1 AND inbox_id = $2",
        args![id, inbox_id],
    )
    .await?
        == 1)
}

/// Whether `url` matches a pattern where `*` stands for any run of characters.
pub fn matches(pattern: &str, url: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == url;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !url.starts_with(first) || url.len() < first.len() + last.len() || !url.ends_with(last) {
        return false;
    }
    let mut rest = &url[first.len()..url.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcard_patterns() {
        use super::matches;
        assert!(matches("*", "https://shop.cn/a"));
        assert!(matches("*/checkout*", "https://shop.cn/checkout?step=2"));
        assert!(matches(
            "https://shop.cn/p/*/reviews",
            "https://shop.cn/p/42/reviews"
        ));
        assert!(!matches("*/checkout*", "https://shop.cn/cart"));
        assert!(!matches("https://shop.cn/", "https://shop.cn/x"));
        assert!(matches("*a*a*", "aa"));
        assert!(!matches("*ab*ab*", "aba"));
    }
}
