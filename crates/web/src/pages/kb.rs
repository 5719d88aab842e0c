//! The staff's knowledge-base pages at `/kb`: articles by category and state, the editor (both
//! languages side by side, with the rendered preview, revisions to restore, and readers'
//! feedback), and categories. The same rules as the API: agents draft, admins and supervisors
//! publish.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::Role;
use kefu_core::error::ErrorCode;
use kefu_store::knowledge::{
    self, Article, ArticleFilter, Category, Feedback, Revision, reason, status,
};
use serde::Deserialize;

use super::{Chrome, Ctx, page_error, render};
use crate::error::{AppError, AppResult};
use kefu_service::knowledge::articles::{self as kb_api, ArticleBody, CategoryBody};
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
        let categories = knowledge::categories(&ctx.state.db).await?;
        let articles = knowledge::list_articles(
            &ctx.state.db,
            &ArticleFilter {
                category_id: &q.category,
                status: &q.status,
                limit: 500,
                ..Default::default()
            },
        )
        .await?;
        let settled = knowledge::deflections(&ctx.state.db, 1000).await?;
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
    let categories = knowledge::categories(&ctx.state.db).await?;
    let (revisions, feedback) = match article {
        Some(a) => (
            knowledge::revisions(&ctx.state.db, &a.id).await?,
            knowledge::feedback(&ctx.state.db, &a.id, 100).await?,
        ),
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
        let a = knowledge::get_article(&ctx.state.db, &id)
            .await?
            .ok_or(AppError::NotFound)?;
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
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?.clone();
        let input = kb_api::article_input(&ctx.state, &f.body()).await?;
        if input.status != status::DRAFT && !publisher(&ctx) {
            return Err(AppError::Forbidden);
        }
        Ok(kb_api::save_new(&ctx.state, &input, &user, reason::EDIT).await?)
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
    let current = match knowledge::get_article(&ctx.state.db, &id).await {
        Ok(Some(a)) => a,
        Ok(None) => return page_error(&ctx, AppError::NotFound),
        Err(e) => return page_error(&ctx, e),
    };
    let run = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?.clone();
        let input = kb_api::article_input(&ctx.state, &f.body()).await?;
        if !publisher(&ctx) && (current.status != status::DRAFT || input.status != status::DRAFT) {
            return Err(AppError::Forbidden);
        }
        let mut tx = ctx.state.db.begin().await?;
        knowledge::update_article(
            &mut tx,
            &id,
            &input,
            Some(&user.id),
            reason::EDIT,
            f.revision,
        )
        .await
        .map_err(kb_api::slug_taken)?;
        tx.commit().await?;
        ctx.state.search.changed();
        Ok(())
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
        if !publisher(&ctx) {
            return Err(AppError::Forbidden);
        }
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?.clone();
        let mut tx = ctx.state.db.begin().await?;
        knowledge::restore_revision(&mut tx, &id, number, Some(&user.id)).await?;
        tx.commit().await?;
        ctx.state.search.changed();
        Ok(())
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
        if !publisher(&ctx) {
            return Err(AppError::Forbidden);
        }
        let body = CategoryBody {
            parent_id: Some(f.parent_id.clone()).filter(|p| !p.is_empty()),
            slug: f.slug.clone(),
            name_zh: f.name_zh.clone(),
            name_en: f.name_en.clone(),
            description_zh: String::new(),
            description_en: String::new(),
            position: 0,
        };
        Ok(kb_api::create_category_from(&ctx.state, &body).await?)
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
        if !publisher(&ctx) {
            return Err(AppError::Forbidden);
        }
        let current = knowledge::get_category(&ctx.state.db, &id)
            .await?
            .ok_or(AppError::NotFound)?;
        let body = CategoryBody {
            parent_id: Some(f.parent_id.clone()).filter(|p| !p.is_empty() && *p != id),
            slug: f.slug.clone(),
            name_zh: f.name_zh.clone(),
            name_en: f.name_en.clone(),
            description_zh: current.description_zh.clone(),
            description_en: current.description_en.clone(),
            position: current.position,
        };
        let input = kb_api::category_input(&ctx.state, &body).await?;
        knowledge::update_category(&ctx.state.db, &id, &input)
            .await
            .map_err(kb_api::slug_taken)?;
        Ok(())
    };
    match run.await {
        Ok(()) => Redirect::to("/kb?notice=notice-category-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn delete_category(ctx: Ctx, Path(id): Path<String>) -> Response {
    let run = async {
        if !publisher(&ctx) {
            return Err(AppError::Forbidden);
        }
        let mut tx = ctx.state.db.begin().await?;
        knowledge::delete_category(&mut tx, &id)
            .await
            .map_err(|e| match e {
                kefu_store::Error::Conflict(m) => {
                    AppError::Conflict(ErrorCode::CategoryNotEmpty, m)
                }
                e => e.into(),
            })?;
        tx.commit().await?;
        Ok(())
    };
    match run.await {
        Ok(()) => Redirect::to("/kb?notice=notice-category-deleted").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}
