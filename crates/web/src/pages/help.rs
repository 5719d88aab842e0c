//! The public help centre at `/help`: home, category, article and search pages, "was this
//! helpful?", and a sitemap. Pages are served in the visitor's language (`?lang=zh|en`, else
//! their saved choice or browser); an article missing in that language is shown in the other.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_service::knowledge::help_centre::{self, ArticleLink, CategoryCard, SearchResults};
use serde::Deserialize;

use super::{Ctx, render, render_status};
use crate::error::AppResult;
use kefu_service::i18n::{Lang, Tr};
use kefu_service::knowledge::markdown;

/// What the help layout needs on every page.
pub struct HelpChrome<'a> {
    pub t: Tr<'a>,
    pub csrf: String,
    /// `zh` or `en`: the language of the page.
    pub lang: &'static str,
    pub title: String,
    pub description: String,
    /// This page's address in this language, for search engines.
    pub canonical: String,
    /// (hreflang, address) of this page in each language.
    pub alternates: Vec<(&'static str, String)>,
    /// The same page in the other language.
    pub switch_url: String,
    pub switch_label: &'static str,
    pub q: String,
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sent: String,
    /// A page of search results, from 1.
    #[serde(default)]
    pub page: String,
}

fn content_lang(ctx: &Ctx, asked: &str) -> &'static str {
    match Lang::parse(asked).unwrap_or(ctx.lang) {
        Lang::ZhCn => "zh",
        Lang::En => "en",
    }
}

fn ui_lang(lang: &str) -> Lang {
    if lang == "zh" { Lang::ZhCn } else { Lang::En }
}

fn with_lang(path: &str, lang: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}lang={lang}")
}

fn chrome<'a>(ctx: &'a Ctx, lang: &'static str, path: &str, title: String) -> HelpChrome<'a> {
    let other = if lang == "zh" { "en" } else { "zh" };
    HelpChrome {
        t: Tr {
            i18n: &ctx.state.i18n,
            lang: ui_lang(lang),
        },
        csrf: ctx.csrf.clone(),
        lang,
        title,
        description: String::new(),
        canonical: ctx.state.link(&with_lang(path, lang)),
        alternates: vec![
            ("zh-CN", ctx.state.link(&with_lang(path, "zh"))),
            ("en", ctx.state.link(&with_lang(path, "en"))),
        ],
        switch_url: with_lang(path, other),
        switch_label: if lang == "zh" { "English" } else { "中文" },
        q: String::new(),
    }
}

#[derive(Template)]
#[template(path = "help_home.html")]
struct HomePage<'a> {
    h: HelpChrome<'a>,
    categories: Vec<CategoryCard>,
    popular: Vec<ArticleLink>,
}

pub async fn home(ctx: Ctx, Query(q): Query<LangQuery>) -> AppResult<Response> {
    let lang = content_lang(&ctx, &q.lang);
    let (categories, popular) = help_centre::home(&ctx.state, lang).await?;
    let mut h = chrome(
        &ctx,
        lang,
        "/help",
        ctx.state.i18n.t(ui_lang(lang), "help-centre"),
    );
    h.description = ctx.state.i18n.t(ui_lang(lang), "help-description");
    Ok(render(&HomePage {
        h,
        categories,
        popular,
    }))
}

#[derive(Template)]
#[template(path = "help_category.html")]
struct CategoryPage<'a> {
    h: HelpChrome<'a>,
    name: String,
    description: String,
    parent: Option<(String, String)>,
    /// (section slug, section name, its articles); the first has an empty slug: the
    /// category's own articles.
    groups: Vec<(String, String, Vec<ArticleLink>)>,
}

pub async fn category(
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
) -> AppResult<Response> {
    let lang = content_lang(&ctx, &q.lang);
    let Some(v) = help_centre::category(&ctx.state, &slug, lang).await? else {
        return Ok(not_found(&ctx, lang));
    };
    let cat = &v.category;
    let mut h = chrome(
        &ctx,
        lang,
        &format!("/help/categories/{}", cat.slug),
        cat.name(lang).to_string(),
    );
    h.description = cat.description(lang).to_string();
    Ok(render(&CategoryPage {
        h,
        name: cat.name(lang).to_string(),
        description: cat.description(lang).to_string(),
        parent: v.parent,
        groups: v.groups,
    }))
}

#[derive(Template)]
#[template(path = "help_article.html")]
struct ArticlePage<'a> {
    h: HelpChrome<'a>,
    slug: String,
    title: String,
    html: String,
    /// Shown in the other language because this one is missing.
    fallback: bool,
    updated: String,
    crumbs: Vec<(String, String)>,
    related: Vec<ArticleLink>,
    sent: bool,
}

pub async fn article(
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
) -> AppResult<Response> {
    let lang = content_lang(&ctx, &q.lang);
    let Some(r) = help_centre::read(&ctx.state, &slug, lang).await? else {
        return Ok(not_found(&ctx, lang));
    };
    let a = &r.article;
    let shown = a.shown_lang(lang);
    let title = a.title(shown).to_string();
    let body = a.body(shown);
    let mut h = chrome(
        &ctx,
        lang,
        &format!("/help/articles/{}", a.slug),
        title.clone(),
    );
    h.description = markdown::to_text(body).chars().take(160).collect();
    if !a.has_lang("zh") || !a.has_lang("en") {
        // One version only: one canonical address.
        h.canonical = ctx
            .state
            .link(&with_lang(&format!("/help/articles/{}", a.slug), shown));
        h.alternates.retain(|(l, _)| l.starts_with(shown));
    }
    Ok(render(&ArticlePage {
        h,
        slug: a.slug.clone(),
        html: markdown::to_html(body),
        fallback: shown != lang,
        updated: kefu_core::time::format_utc(a.updated_at)
            .chars()
            .take(10)
            .collect(),
        title,
        crumbs: r.crumbs,
        related: r.related,
        sent: q.sent == "1",
    }))
}

#[derive(Deserialize)]
pub struct FeedbackForm {
    pub helpful: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub lang: String,
}

pub async fn feedback(
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<FeedbackForm>,
) -> AppResult<Response> {
    let lang = content_lang(&ctx, &f.lang);
    let slug = help_centre::feedback(
        &ctx.state,
        &ctx.origin.ip,
        &slug,
        &f.helpful,
        &f.comment,
        lang,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/help/articles/{slug}?lang={lang}&sent=1#feedback"
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "help_search.html")]
struct SearchPage<'a> {
    h: HelpChrome<'a>,
    r: SearchResults,
    /// The query, encoded for the page links.
    q_url: String,
    /// Each suggested word with its search link's query.
    suggested: Vec<(String, usize, String)>,
}

pub async fn search(ctx: Ctx, Query(q): Query<LangQuery>) -> AppResult<Response> {
    let lang = content_lang(&ctx, &q.lang);
    let text = kefu_service::knowledge::articles::check_query(&q.q)?.to_string();
    // A page number that is not one shows the first page.
    let page = q.page.trim().parse::<usize>().unwrap_or(1);
    let r = help_centre::search(&ctx.state, &text, lang, page).await?;
    let title = ctx.state.i18n.t(ui_lang(lang), "search");
    let mut h = chrome(&ctx, lang, "/help/search", title);
    h.canonical = ctx.state.link(&with_lang("/help", lang));
    h.switch_url = format!(
        "/help/search?q={}&lang={}",
        kefu_core::url::encode(&text, b""),
        if lang == "zh" { "en" } else { "zh" }
    );
    h.q = text;
    let q_url = kefu_core::url::encode(&h.q, b"");
    let suggested = r
        .suggestions
        .iter()
        .map(|(w, n)| (w.clone(), *n, kefu_core::url::encode(w, b"")))
        .collect();
    Ok(render(&SearchPage {
        h,
        r,
        q_url,
        suggested,
    }))
}

#[derive(Template)]
#[template(path = "help_missing.html")]
struct MissingPage<'a> {
    h: HelpChrome<'a>,
}

fn not_found(ctx: &Ctx, lang: &'static str) -> Response {
    let title = ctx.state.i18n.t(ui_lang(lang), "err-not-found");
    render_status(
        StatusCode::NOT_FOUND,
        &MissingPage {
            h: chrome(ctx, lang, "/help", title),
        },
    )
}

/// Every public help page in both languages, for search engines.
pub async fn sitemap(ctx: Ctx) -> AppResult<Response> {
    let urls = help_centre::public_paths(&ctx.state).await?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for u in urls {
        for lang in ["zh", "en"] {
            let mut loc = String::new();
            kefu_search::snippet::escape_into(&mut loc, &ctx.state.link(&with_lang(&u, lang)));
            xml.push_str(&format!("  <url><loc>{loc}</loc></url>\n"));
        }
    }
    xml.push_str("</urlset>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "help_callback.html")]
struct CallbackPage<'a> {
    h: HelpChrome<'a>,
    csrf: String,
}

/// "Call me back": a customer leaves a number and a preferred time; an agent calls.
pub async fn callback(ctx: Ctx, Query(q): Query<LangQuery>) -> AppResult<Response> {
    let lang = content_lang(&ctx, &q.lang);
    let title = ctx.state.i18n.t(ui_lang(lang), "callback-title");
    Ok(render(&CallbackPage {
        csrf: ctx.csrf.clone(),
        h: chrome(&ctx, lang, "/help/callback", title),
    }))
}
