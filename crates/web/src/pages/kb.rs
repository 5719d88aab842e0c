//! The staff's knowledge-base pages at `/kb`: articles by category and state, the editor (both
//! languages side by side, with the rendered preview, revisions to restore, and readers'
//! feedback), and categories. The same rules as the API: agents draft, admins and supervisors
//! publish.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::Role;
use kefu_store::knowledge::{Article, Category, Feedback, Revision, status};
use serde::Deserialize;

use super::{Chrome, Ctx, page_error, render};
use crate::error::{AppError, AppResult};
use kefu_service::knowledge::articles::{ArticleBody, ArticleQuery, CategoryBody};
use kefu_service::knowledge::editing;
use kefu_service::knowledge::markdown;

fn publisher(ctx: &Ctx) -> bool {
    matches!(ctx.caller.role(), Some(Role::Admin | Role::Supervisor))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notice: String,
}

#[derive(Template)]
#[template(path = "kb_list.html")]
struct ListPage<'a> {
    c: Chrome<'a>,
    categories: Vec<Category>,
    articles: Vec<Article>,
    category: String,
    status: String,
    publisher: bool,
    settled: Vec<(String, i64)>,
}

impl ListPage<'_> {
    fn category_name(&self, id: &str) -> String {
        self.categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name(self.c.t.lang.code()).to_string())
            .unwrap_or_default()
    }
    fn settled_count(&self, id: &str) -> i64 {
        self.settled
            .iter()
            .find(|(a, _)| a == id)
            .map_or(0, |(_, n)| *n)
    }
}

pub async fn list(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let load = async {
        let categories = editing::categories(&ctx.state).await?;
        let articles = editing::list(
            &ctx.state,
            &ArticleQuery {
                category: q.category.clone(),
                status: q.status.clone(),
                limit: Some(500),
                ..Default::default()
            },
        )
        .await?;
        let settled = editing::deflections(&ctx.state).await?;
        Ok::<_, AppError>((categories, articles, settled))
    };
    match load.await {
        Ok((categories, articles, settled)) => {
            let mut c = ctx.chrome("/kb");
            if q.notice.starts_with("notice-") {
                c.notice = ctx.t(&q.notice);
            }
            render(&ListPage {
                c,
                categories,
                articles,
                category: q.category.clone(),
                status: q.status.clone(),
                publisher: publisher(&ctx),
                settled,
            })
        }
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "kb_edit.html")]
struct EditPage<'a> {
    c: Chrome<'a>,
    /// Empty for a new article.
    id: String,
    form: ArticleForm,
    revision: i64,
    categories: Vec<Category>,
    publisher: bool,
    preview_zh: String,
    preview_en: String,
    revisions: Vec<Revision>,
    feedback: Vec<Feedback>,
    helpful: i64,
    not_helpful: i64,
    views: i64,
    help_url: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ArticleForm {
    #[serde(default)]
    pub category_id: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub title_zh: String,
    #[serde(default)]
    pub body_zh: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_en: String,
    #[serde(default)]
    pub revision: Option<i64>,
}

impl ArticleForm {
    fn of(a: &Article) -> ArticleForm {
        ArticleForm {
            category_id: a.category_id.clone(),
            slug: a.slug.clone(),
            status: a.status.clone(),
            tags: a.tag_list().join(", "),
            title_zh: a.title_zh.clone(),
            body_zh: a.body_zh.clone(),
            title_en: a.title_en.clone(),
            body_en: a.body_en.clone(),
            revision: Some(a.revision),
        }
    }
    fn body(&self) -> ArticleBody {
        ArticleBody {
            category_id: self.category_id.clone(),
            slug: self.slug.clone(),
            status: self.status.clone(),
            tags: self
                .tags
                .split([',', '，'])
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            title_zh: self.title_zh.clone(),
            body_zh: self.body_zh.replace("\r\n", "\n"),
            title_en: self.title_en.clone(),
            body_en: self.body_en.replace("\r\n", "\n"),
            revision: self.revision,
        }
    }
}

async fn edit_page(
    ctx: &Ctx,
    article: Option<&Article>,
    form: ArticleForm,
    error: String,
    notice: String,
) -> AppResult<Response> {
    let categories = editing::categories(&ctx.state).await?;
    let (revisions, feedback) = match article {
        Some(a) => editing::history(&ctx.state, &a.id).await?,
        None => (vec![], vec![]),
    };
    let mut c = ctx.chrome("/kb");
    c.error = error;
    c.notice = notice;
    let page = EditPage {
        c,
        id: article.map(|a| a.id.clone()).unwrap_or_default(),
        revision: article.map_or(0, |a| a.revision),
        preview_zh: markdown::to_html(&form.body_zh),
        preview_en: markdown::to_html(&form.body_en),
        help_url: article
            .filter(|a| a.is_published())
            .map(|a| format!("/help/articles/{}", a.slug))
            .unwrap_or_default(),
        helpful: article.map_or(0, |a| a.helpful),
        not_helpful: article.map_or(0, |a| a.not_helpful),
        views: article.map_or(0, |a| a.views),
        form,
        categories,
        publisher: publisher(ctx),
        revisions,
        feedback,
    };
    Ok(render(&page))
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    pub category: String,
}

pub async fn new_form(ctx: Ctx, Query(q): Query<NewQuery>) -> Response {
    let form = ArticleForm {
        category_id: q.category,
        status: status::DRAFT.into(),
        ..Default::default()
    };
    edit_page(&ctx, None, form, String::new(), String::new())
        .await
        .unwrap_or_else(|e| page_error(&ctx, e))
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    pub saved: String,
}

pub async fn edit_form(ctx: Ctx, Path(id): Path<String>, Query(q): Query<SavedQuery>) -> Response {
    let run = async {
        let a = editing::article(&ctx.state, &id).await?;
        let notice = if q.saved == "1" {
            ctx.t("notice-article-saved")
        } else {
            String::new()
        };
        edit_page(&ctx, Some(&a), ArticleForm::of(&a), String::new(), notice).await
    };
    run.await.unwrap_or_else(|e| page_error(&ctx, e))
}

pub async fn create(ctx: Ctx, Form(f): Form<ArticleForm>) -> Response {
    let run = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        Ok::<_, AppError>(editing::create(&ctx.state, user, &f.body()).await?.article)
    };
    match run.await {
        Ok(a) => Redirect::to(&format!("/kb/articles/{}?saved=1", a.id)).into_response(),
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(..))) => {
            let msg = ctx.error_text(&e);
            edit_page(&ctx, None, f, msg, String::new())
                .await
                .unwrap_or_else(|e| page_error(&ctx, e))
        }
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn save(ctx: Ctx, Path(id): Path<String>, Form(f): Form<ArticleForm>) -> Response {
    let current = match editing::article(&ctx.state, &id).await {
        Ok(a) => a,
        Err(e) => return page_error(&ctx, AppError::from(e)),
    };
    let run = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        editing::update(&ctx.state, user, &id, &f.body()).await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to(&format!("/kb/articles/{id}?saved=1")).into_response(),
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(..))) => {
            let msg = ctx.error_text(&e);
            edit_page(&ctx, Some(&current), f, msg, String::new())
                .await
                .unwrap_or_else(|e| page_error(&ctx, e))
        }
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn restore(ctx: Ctx, Path((id, number)): Path<(String, i64)>) -> Response {
    let run = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        editing::restore(&ctx.state, user, &id, number).await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to(&format!("/kb/articles/{id}?saved=1")).into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
}

pub async fn create_category(ctx: Ctx, Form(f): Form<CategoryForm>) -> Response {
    let run = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        let body = CategoryBody {
            parent_id: Some(f.parent_id.clone()).filter(|p| !p.is_empty()),
            slug: f.slug.clone(),
            name_zh: f.name_zh.clone(),
            name_en: f.name_en.clone(),
            description_zh: String::new(),
            description_en: String::new(),
            position: 0,
        };
        Ok::<_, AppError>(editing::create_category(&ctx.state, user, &body).await?)
    };
    match run.await {
        Ok(_) => Redirect::to("/kb?notice=notice-category-created").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn save_category(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CategoryForm>,
) -> Response {
    let run = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        if !publisher(&ctx) {
            return Err(AppError::Forbidden);
        }
        let current = editing::category(&ctx.state, &id).await?;
        let body = CategoryBody {
            parent_id: Some(f.parent_id.clone()).filter(|p| !p.is_empty() && *p != id),
            slug: f.slug.clone(),
            name_zh: f.name_zh.clone(),
            name_en: f.name_en.clone(),
            description_zh: current.description_zh.clone(),
            description_en: current.description_en.clone(),
            position: current.position,
        };
        editing::update_category(&ctx.state, user, &id, &body).await?;
        Ok(())
    };
    match run.await {
        Ok(()) => Redirect::to("/kb?notice=notice-category-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn delete_category(ctx: Ctx, Path(id): Path<String>) -> Response {
    let run = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        editing::delete_category(&ctx.state, user, &id).await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/kb?notice=notice-category-deleted").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}
