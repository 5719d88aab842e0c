//! People: admins, supervisors, agents and customers, one table with a role.

use kefu_core::time::now_ms;
use kefu_core::{Role, id::new_id};
use serde::Serialize;

use crate::{Exec, Result, Tx, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub email: String,
    pub email_verified_at: Option<i64>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub name: String,
    pub phone: String,
    pub language: String,
    pub preferred_channel: String,
    pub active: bool,
    #[serde(skip)]
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<i64>,
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub external_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Person {
    /// An unknown role string (a newer binary wrote it) is treated as the least privileged.
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn has_totp(&self) -> bool {
        self.totp_enabled_at.is_some() && self.totp_secret.is_some()
    }
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.email
        } else {
            &self.name
        }
    }
}

macro_rules! select_users {
    ($rest:literal) => {
        concat!(
            "SELECT id, role, email, email_verified_at, password_hash, name, phone, language, \
             preferred_channel, active, totp_secret, totp_enabled_at, totp_last_step, external_id, \
             created_at, updated_at FROM people ",
            $rest
        )
    };
}

#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub role: Option<Role>,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub language: String,
    pub verified: bool,
    pub external_id: Option<String>,
}

pub async fn insert(tx: &mut Tx, new: &NewPerson) -> Result<Person> {
    let now = now_ms();
    let id = new_id();
    let role = new.role.unwrap_or(Role::Customer);
    let email_key = if new.email.is_empty() {
        None
    } else {
        Some(kefu_core::validate::email_key(&new.email))
    };
    tx.execute(
        "INSERT INTO people (id, role, email, email_key, email_verified_at, password_hash, name, \
         language, external_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        args![
            &id,
            role.as_str(),
            &new.email,
            email_key,
            new.verified.then_some(now),
            new.password_hash.clone(),
            &new.name,
            &new.language,
            new.external_id.clone(),
            now
        ],
    )
    .await?;
    get(tx, &id).await?.ok_or(crate::Error::NotFound)
}

pub async fn get(x: impl Exec, id: &str) -> Result<Option<Person>> {
    x.fetch_optional(select_users!("WHERE id = $1"), args![id])
        .await
}

pub async fn by_email(x: impl Exec, email: &str) -> Result<Option<Person>> {
    x.fetch_optional(
        select_users!("WHERE email_key = $1"),
        args![kefu_core::validate::email_key(email)],
    )
    .await
}

pub async fn by_external_id(x: impl Exec, external_id: &str) -> Result<Option<Person>> {
    x.fetch_optional(select_users!("WHERE external_id = $1"), args![external_id])
        .await
}

/// Staff (every role but customer), newest first.
pub async fn list_staff(x: impl Exec) -> Result<Vec<Person>> {
    x.fetch_all(
        select_users!("WHERE role <> 'customer' ORDER BY created_at, id"),
        args![],
    )
    .await
}

pub async fn list_customers(x: impl Exec, limit: i64, offset: i64) -> Result<Vec<Person>> {
    x.fetch_all(
        select_users!("WHERE role = 'customer' ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"),
        args![limit, offset],
    )
    .await
}

pub async fn count_admins(x: impl Exec) -> Result<i64> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM people WHERE role = 'admin' AND active = $1",
            args![true],
        )
        .await?;
    Ok(n)
}

pub async fn count_all(x: impl Exec) -> Result<i64> {
    let (n,): (i64,) = x.fetch_one("SELECT COUNT(*) FROM people", args![]).await?;
    Ok(n)
}

pub struct Profile<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub language: &'a str,
    pub preferred_channel: &'a str,
}

pub async fn update_profile(x: impl Exec, id: &str, p: &Profile<'_>) -> Result<()> {
    x.execute(
        "UPDATE people SET name = $2, phone = $3, language = $4, preferred_channel = $5, \
         updated_at = $6 WHERE id = $1",
        args![
            id,
            p.name,
            p.phone,
            p.language,
            p.preferred_channel,
            now_ms()
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_language(x: impl Exec, id: &str, language: &str) -> Result<()> {
    x.execute(
        "UPDATE people SET language = $2, updated_at = $3 WHERE id = $1",
        args![id, language, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn set_password(x: impl Exec, id: &str, hash: &str) -> Result<()> {
    x.execute(
        "UPDATE people SET password_hash = $2, updated_at = $3 WHERE id = $1",
        args![id, hash, now_ms()],
    )
    .await?;
    Ok(())
}

/// Changes the address; `verified` says whether the new one was proven by a link.
pub async fn set_email(x: impl Exec, id: &str, email: &str, verified: bool) -> Result<()> {
    let now = now_ms();
    x.execute(
        "UPDATE people SET email = $2, email_key = $3, email_verified_at = $4, updated_at = $5 \
         WHERE id = $1",
        args![
            id,
            email,
            kefu_core::validate::email_key(email),
            verified.then_some(now),
            now
        ],
    )
    .await?;
    Ok(())
}

pub async fn mark_verified(x: impl Exec, id: &str) -> Result<()> {
    let now = now_ms();
    x.execute(
        "UPDATE people SET email_verified_at = COALESCE(email_verified_at, $2), updated_at = $2 \
         WHERE id = $1",
        args![id, now],
    )
    .await?;
    Ok(())
}

pub async fn set_role(x: impl Exec, id: &str, role: Role) -> Result<()> {
    x.execute(
        "UPDATE people SET role = $2, updated_at = $3 WHERE id = $1",
        args![id, role.as_str(), now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn set_active(x: impl Exec, id: &str, active: bool) -> Result<()> {
    x.execute(
        "UPDATE people SET active = $2, updated_at = $3 WHERE id = $1",
        args![id, active, now_ms()],
    )
    .await?;
    Ok(())
}

/// Stores a pending secret (`enabled = false`) during enrolment, turns 2FA on, or clears it.
pub async fn set_totp(x: impl Exec, id: &str, secret: Option<&str>, enabled: bool) -> Result<()> {
    let now = now_ms();
    x.execute(
        "UPDATE people SET totp_secret = $2, totp_enabled_at = $3, totp_last_step = NULL, \
         updated_at = $4 WHERE id = $1",
        args![id, secret, enabled.then_some(now), now],
    )
    .await?;
    Ok(())
}

/// Records the time step of an accepted code; false if that step (or a later one) was used,
/// so one code cannot sign in twice.
pub async fn use_totp_step(x: impl Exec, id: &str, step: i64) -> Result<bool> {
    let n = x
        .execute(
            "UPDATE people SET totp_last_step = $2 WHERE id = $1 \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
            args![id, step],
        )
        .await?;
    Ok(n == 1)
}

pub async fn replace_recovery_codes(
    tx: &mut Tx,
    person_id: &str,
    digests: &[String],
) -> Result<()> {
    tx.execute(
        "DELETE FROM recovery_codes WHERE person_id = $1",
        args![person_id],
    )
    .await?;
    for d in digests {
        tx.execute(
            "INSERT INTO recovery_codes (person_id, code_digest) VALUES ($1, $2)",
            args![person_id, d],
        )
        .await?;
    }
    Ok(())
}

/// Spends a recovery code; false if it is unknown or already spent.
pub async fn use_recovery_code(x: impl Exec, person_id: &str, digest: &str) -> Result<bool> {
    let n = x
        .execute(
            "UPDATE recovery_codes SET used_at = $3 \
             WHERE person_id = $1 AND code_digest = $2 AND used_at IS NULL",
            args![person_id, digest, now_ms()],
        )
        .await?;
    Ok(n == 1)
}

pub async fn recovery_codes_left(x: impl Exec, person_id: &str) -> Result<i64> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM recovery_codes WHERE person_id = $1 AND used_at IS NULL",
            args![person_id],
        )
        .await?;
    Ok(n)
}

/// What a contact told us about themselves in the widget (pre-chat or offline form). Empty
/// values leave the stored ones alone.
pub async fn set_customer_details(x: impl Exec, id: &str, name: &str, email: &str) -> Result<()> {
    x.execute(
        "UPDATE people SET name = CASE WHEN $2 = '' THEN name ELSE $2 END, \
         contact_email = CASE WHEN $3 = '' THEN contact_email ELSE $3 END, updated_at = $4 \
         WHERE id = $1",
        args![id, name, email, now_ms()],
    )
    .await?;
    Ok(())
}

/// The address to write to: the verified account e-mail, else the one left in the widget.
pub async fn reply_address(x: impl Exec, id: &str) -> Result<Option<String>> {
    let row: Option<(String, String)> = x
        .fetch_optional(
            "SELECT email, contact_email FROM people WHERE id = $1",
            args![id],
        )
        .await?;
    Ok(row.and_then(|(e, c)| {
        if !e.is_empty() {
            Some(e)
        } else if !c.is_empty() {
            Some(c)
        } else {
            None
        }
    }))
}

/// Finds customers by part of their name, e-mail or phone (for staff search).
pub async fn search_customers(x: impl Exec, q: &str, limit: i64) -> Result<Vec<Person>> {
    let pattern = crate::conversations::like_pattern(q.trim());
    x.fetch_all(
        select_users!(
            "WHERE role = 'customer' AND (LOWER(name) LIKE $1 ESCAPE '\\' \
             OR LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(contact_email) LIKE $1 ESCAPE '\\' \
             OR phone LIKE $1 ESCAPE '\\') ORDER BY updated_at DESC LIMIT $2"
        ),
        args![pattern, limit],
    )
    .await
}

/// Customer records reachable at this address (an account's e-mail, or one left in a widget):
/// the same person seen through several channels, for staff to see side by side.
pub async fn customers_at_address(x: impl Exec, email: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = x
        .fetch_all(
            "SELECT id FROM people WHERE role = 'customer' \
             AND (LOWER(email) = LOWER($1) OR LOWER(contact_email) = LOWER($1)) LIMIT 20",
            args![email],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
