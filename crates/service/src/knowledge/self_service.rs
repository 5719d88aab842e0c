//! Self-service in the widget: published articles offered as the visitor types, read inside
//! the widget, and the visitor saying an article answered them (a chat that did not need
//! starting).

use kefu_store::visitors::Visitor;
use serde::Serialize;

use crate::limits::Rule;
use crate::{Error, Result, Service};

/// An article the widget offers for what the visitor is typing.
#[derive(Serialize)]
pub struct Suggestion {
    pub id: String,
    /// Plain text (the widget never puts network text into HTML).
    pub title: String,
    pub title_html: String,
    pub snippet_html: String,
}

/// `zh` for any Chinese tag, else `en`.
pub fn widget_lang(lang: &str) -> &'static str {
    if lang.starts_with("zh") { "zh" } else { "en" }
}

/// Published articles matching what the visitor types (as they type), their language first;
/// none for a single Latin letter.
pub async fn suggest(state: &Service, v: &Visitor, q: &str, lang: &str) -> Result<Vec<Suggestion>> {
    let text = super::articles::check_query(q)?;
    if text.chars().count() < 2 && !text.chars().any(kefu_search::analyze::is_cjk) {
        return Ok(vec![]);
    }
    state
        .limiter
        .hit(
            &format!("widget-suggest:{}", v.id),
            Rule::per_minutes(120, 1),
        )
        .map_err(Error::RateLimited)?;
    let index = state.search.index().await?;
    let public = ["public".to_string()];
    let mut req = kefu_search::Request::new(text, kefu_search::Kind::Article);
    req.scopes = Some(&public);
    req.lang = Some(widget_lang(lang));
    req.limit = 3;
    req.as_you_type = true;
    let hits = index
        .search(&req)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hits
        .into_iter()
        .map(|h| Suggestion {
            id: h.id,
            title: h.title.text(),
            title_html: h.title.to_html(),
            snippet_html: h.snippet.to_html(),
        })
        .collect())
}

/// A published article for reading inside the widget.
#[derive(Serialize)]
pub struct WidgetArticle {
    pub id: String,
    pub title: String,
    /// Safe HTML.
    pub html: String,
    /// Its address in the help centre.
    pub url: String,
}

/// A published article, counted as viewed, in the visitor's language where it has one.
pub async fn read(state: &Service, id: &str, lang: &str) -> Result<WidgetArticle> {
    let a = kefu_store::knowledge::get_article(&state.db, id)
        .await?
        .filter(|a| a.is_published())
        .ok_or(Error::NotFound)?;
    kefu_store::knowledge::record_view(&state.db, &a.id).await?;
    let lang = a.shown_lang(widget_lang(lang));
    Ok(WidgetArticle {
        id: a.id.clone(),
        title: a.title(lang).to_string(),
        html: super::markdown::to_html(a.body(lang)),
        url: state.link(&format!("/help/articles/{}?lang={lang}", a.slug)),
    })
}

/// The visitor says the article answered what they had typed (`query`, cut to 200 characters).
pub async fn settled(state: &Service, v: &Visitor, id: &str, query: &str) -> Result<()> {
    state
        .limiter
        .hit(
            &format!("widget-settled:{}", v.id),
            Rule::per_minutes(20, 10),
        )
        .map_err(Error::RateLimited)?;
    let a = kefu_store::knowledge::get_article(&state.db, id)
        .await?
        .filter(|a| a.is_published())
        .ok_or(Error::NotFound)?;
    let query: String = query.trim().chars().take(200).collect();
    kefu_store::knowledge::record_deflection(&state.db, &a.id, Some(&v.id), &query).await?;
    Ok(())
}
