//! Shop-wide settings as key/value rows (the shop's name, the identity-signing secret).

use kefu_core::time::now_ms;

use crate::{Exec, Result, args};

pub const SHOP_NAME: &str = "shop_name";
/// The language of mails to customers who never chose one (`zh-CN` or `en`).
pub const SHOP_LANGUAGE: &str = "shop_language";
pub const IDENTITY_SECRET: &str = "identity_secret";

pub async fn get(x: impl Exec, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = x
        .fetch_optional("SELECT value FROM settings WHERE key = $1", args![key])
        .await?;
    Ok(row.map(|(v,)| v))
}

pub async fn set(x: impl Exec, key: &str, value: &str) -> Result<()> {
    x.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        args![key, value, now_ms()],
    )
    .await?;
    Ok(())
}
