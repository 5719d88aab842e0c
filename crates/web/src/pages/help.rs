//! The public help centre at `/help`: home, category, article and search pages, "was this
//! helpful?", and a sitemap. Pages are served in the visitor's language (`?lang=zh|en`, else
//! their saved choice or browser); an article missing in that language is shown in the other.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::error::ErrorCode;
use kefu_search::{Kind, Request};
use kefu_store::knowledge::{self, Article, Category};
use serde::Deserialize;

use super::{Ctx, render, render_status};
use crate::error::{AppError, AppResult};
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

/// A category with what the page lists under it.
pub struct CategoryCard {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub count: usize,
    pub sections: Vec<(String, String)>,
}

/// An article as a line in a list.
pub struct ArticleLink {
    pub slug: String,
    pub title: String,
}

fn link(a: &Article, lang: &str) -> ArticleLink {
    ArticleLink {
        slug: a.slug.clone(),
        title: a.title(lang).to_string(),
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
    let all = knowledge::categories(&ctx.state.db).await?;
    let counts: std::collections::HashMap<String, i64> = knowledge::published_counts(&ctx.state.db)
        .await?
        .into_iter()
        .collect();
    let count_of = |id: &str| counts.get(id).copied().unwrap_or(0) as usize;
    let mut categories = Vec::new();
    for c in all.iter().filter(|c| c.parent_id.is_none()) {
        let sections: Vec<&Category> = all
            .iter()
            .filter(|s| s.parent_id.as_deref() == Some(c.id.as_str()))
            .collect();
        let count = count_of(&c.id) + sections.iter().map(|s| count_of(&s.id)).sum::<usize>();
        if count == 0 {
            continue;
        }
        categories.push(CategoryCard {
            slug: c.slug.clone(),
            name: c.name(lang).to_string(),
            description: c.description(lang).to_string(),
            count,
            sections: sections
                .iter()
                .map(|s| (s.slug.clone(), s.name(lang).to_string()))
                .collect(),
        });
    }
    let popular = knowledge::most_read(&ctx.state.db, 8)
        .await?
        .iter()
        .map(|a| link(a, lang))
        .collect();
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
    let Some(cat) = knowledge::category_by_slug(&ctx.state.db, &slug).await? else {
        return Ok(not_found(&ctx, lang));
    };
    let parent = match &cat.parent_id {
        Some(p) => knowledge::get_category(&ctx.state.db, p)
            .await?
            .map(|p| (p.slug.clone(), p.name(lang).to_string())),
        None => None,
    };
    let own = knowledge::published_in(&ctx.state.db, &cat.id).await?;
    let mut groups = vec![(
        String::new(),
        String::new(),
        own.iter().map(|a| link(a, lang)).collect::<Vec<_>>(),
    )];
    for s in knowledge::categories(&ctx.state.db)
        .await?
        .into_iter()
        .filter(|s| s.parent_id.as_deref() == Some(cat.id.as_str()))
    {
        let arts = knowledge::published_in(&ctx.state.db, &s.id).await?;
        if !arts.is_empty() {
            groups.push((
                s.slug.clone(),
                s.name(lang).to_string(),
                arts.iter().map(|a| link(a, lang)).collect(),
            ));
        }
    }
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
        parent,
        groups,
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
    let Some(a) = knowledge::article_by_slug(&ctx.state.db, &slug).await? else {
        return Ok(not_found(&ctx, lang));
    };
    if !a.is_published() {
        return Ok(not_found(&ctx, lang));
    }
    knowledge::record_view(&ctx.state.db, &a.id).await?;
    let shown = a.shown_lang(lang);
    let mut crumbs = Vec::new();
    let mut cat = knowledge::get_category(&ctx.state.db, &a.category_id).await?;
    let mut related = Vec::new();
    if let Some(c) = &cat {
        related = knowledge::published_in(&ctx.state.db, &c.id)
            .await?
            .iter()
            .filter(|r| r.id != a.id)
            .take(5)
            .map(|r| link(r, lang))
            .collect();
    }
    while let Some(c) = cat {
        crumbs.insert(0, (c.slug.clone(), c.name(lang).to_string()));
        cat = match &c.parent_id {
            Some(p) => knowledge::get_category(&ctx.state.db, p).await?,
            None => None,
        };
    }
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
        crumbs,
        related,
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
    let helpful = match f.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::bad(
                ErrorCode::InvalidFeedback,
                "helpful is yes or no",
            ));
        }
    };
    let comment = f.comment.trim();
    if comment.chars().count() > 2000 {
        return Err(AppError::bad(
            ErrorCode::InvalidComment,
            "a comment is at most 2000 characters",
        ));
    }
    ctx.state
        .limiter
        .hit(
            &format!("kb-feedback:{}", ctx.origin.ip),
            kefu_service::limits::Rule::per_minutes(30, 10),
        )
        .map_err(AppError::RateLimited)?;
    let a = knowledge::article_by_slug(&ctx.state.db, &slug)
        .await?
        .filter(Article::is_published)
        .ok_or(AppError::NotFound)?;
    let mut tx = ctx.state.db.begin().await?;
    knowledge::add_feedback(&mut tx, &a.id, helpful, comment, lang).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/help/articles/{}?lang={lang}&sent=1#feedback",
        a.slug
    ))
    .into_response())
}

/// A search result line.
pub struct ResultLine {
    pub slug: String,
    pub title_html: String,
    pub snippet_html: String,
}

#[derive(Template)]
#[template(path = "help_search.html")]
struct SearchPage<'a> {
    h: HelpChrome<'a>,
    results: Vec<ResultLine>,
}

pub async fn search(ctx: Ctx, Query(q): Query<LangQuery>) -> AppResult<Response> {
    let lang = content_lang(&ctx, &q.lang);
    let text = kefu_service::knowledge::articles::check_query(&q.q)?.to_string();
    let mut results = Vec::new();
    if !text.is_empty() {
        let index = ctx.state.search.index().await?;
        let public = ["public".to_string()];
        let mut req = Request::new(&text, Kind::Article);
        req.scopes = Some(&public);
        req.lang = Some(lang);
        req.limit = 20;
        let hits = index
            .search(&req)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        for h in hits {
            // The index may trail the database by a moment: show only what is published now.
            if let Some(a) = knowledge::get_article(&ctx.state.db, &h.id).await?
                && a.is_published()
            {
                results.push(ResultLine {
                    slug: a.slug,
                    title_html: h.title.to_html(),
                    snippet_html: h.snippet.to_html(),
                });
            }
        }
    }
    let title = ctx.state.i18n.t(ui_lang(lang), "search");
    let mut h = chrome(&ctx, lang, "/help/search", title);
    h.canonical = ctx.state.link(&with_lang("/help", lang));
    h.switch_url = format!(
        "/help/search?q={}&lang={}",
        kefu_core::url::encode(&text, b""),
        if lang == "zh" { "en" } else { "zh" }
    );
    h.q = text;
    Ok(render(&SearchPage { h, results }))
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
    let mut urls = vec![String::from("/help")];
    for c in knowledge::categories(&ctx.state.db).await? {
        urls.push(format!("/help/categories/{}", c.slug));
    }
    let mut after = String::new();
    loop {
        let page = knowledge::all_articles(&ctx.state.db, &after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for a in page.iter().filter(|a| a.is_published()) {
            urls.push(format!("/help/articles/{}", a.slug));
        }
    }
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
