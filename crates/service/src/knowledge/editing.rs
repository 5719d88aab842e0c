//! Writing the knowledge base: categories, articles, revisions and feedback, with who may do
//! what (admins and supervisors publish, agents draft; every member of staff reads), and the
//! CSV import that publishers run.

use kefu_core::ErrorCode;
use kefu_store::knowledge::{
    self, Article, ArticleFilter, Category, Feedback, Revision, reason, status,
};
use kefu_store::people::Person;

use super::articles::*;
use crate::{Error, Result, Service};

fn must_publish(user: &Person) -> Result<()> {
    if publishes(user) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Every category.
pub async fn categories(state: &Service) -> Result<Vec<Category>> {
    Ok(knowledge::categories(&state.db).await?)
}

/// A new category (publishers only).
pub async fn create_category(state: &Service, user: &Person, b: &CategoryBody) -> Result<Category> {
    must_publish(user)?;
    create_category_from(state, b).await
}

/// Changes a category (publishers only); a category cannot hold itself.
pub async fn update_category(
    state: &Service,
    user: &Person,
    id: &str,
    b: &CategoryBody,
) -> Result<Category> {
    must_publish(user)?;
    let input = category_input(state, b).await?;
    if input.parent_id.as_deref() == Some(id) {
        return Err(Error::invalid(
            ErrorCode::InvalidParent,
            "a category cannot hold itself",
        ));
    }
    knowledge::update_category(&state.db, id, &input)
        .await
        .map_err(slug_taken)?;
    knowledge::get_category(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

/// Deletes an empty category (publishers only).
pub async fn delete_category(state: &Service, user: &Person, id: &str) -> Result<()> {
    must_publish(user)?;
    let mut tx = state.db.begin().await?;
    knowledge::delete_category(&mut tx, id)
        .await
        .map_err(|e| match e {
            kefu_store::Error::Conflict(m) => Error::Conflict(ErrorCode::CategoryNotEmpty, m),
            e => e.into(),
        })?;
    tx.commit().await?;
    Ok(())
}

/// Articles by category, status and tag, a page at a time.
pub async fn list(state: &Service, q: &ArticleQuery) -> Result<Vec<Article>> {
    Ok(knowledge::list_articles(
        &state.db,
        &ArticleFilter {
            category_id: &q.category,
            status: &q.status,
            tag: &q.tag,
            limit: q.limit.unwrap_or(100).clamp(1, 500),
            offset: q.offset.unwrap_or(0).max(0),
        },
    )
    .await?)
}

/// A new article; agents may only create drafts.
pub async fn create(state: &Service, user: &Person, b: &ArticleBody) -> Result<ArticleView> {
    let input = article_input(state, b).await?;
    if input.status != status::DRAFT {
        must_publish(user)?;
    }
    let a = save_new(state, &input, user, reason::EDIT).await?;
    Ok(ArticleView::of(a))
}

/// One article, drafts included.
pub async fn get(state: &Service, id: &str) -> Result<ArticleView> {
    let a = knowledge::get_article(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(ArticleView::of(a))
}

/// Changes an article as a new revision (refused when `b.revision` is not the latest); agents
/// may only change drafts and keep them drafts.
pub async fn update(
    state: &Service,
    user: &Person,
    id: &str,
    b: &ArticleBody,
) -> Result<ArticleView> {
    let current = knowledge::get_article(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let input = article_input(state, b).await?;
    if current.status != status::DRAFT || input.status != status::DRAFT {
        must_publish(user)?;
    }
    let mut tx = state.db.begin().await?;
    let a = knowledge::update_article(
        &mut tx,
        id,
        &input,
        Some(&user.id),
        reason::EDIT,
        b.revision,
    )
    .await
    .map_err(slug_taken)?;
    tx.commit().await?;
    state.search.changed();
    Ok(ArticleView::of(a))
}

/// An article's revisions.
pub async fn revisions(state: &Service, id: &str) -> Result<Vec<Revision>> {
    let revs = knowledge::revisions(&state.db, id).await?;
    if revs.is_empty() {
        return Err(Error::NotFound);
    }
    Ok(revs)
}

/// Brings an earlier revision back as the newest (publishers only).
pub async fn restore(state: &Service, user: &Person, id: &str, number: i64) -> Result<ArticleView> {
    must_publish(user)?;
    let mut tx = state.db.begin().await?;
    let a = knowledge::restore_revision(&mut tx, id, number, Some(&user.id))
        .await
        .map_err(slug_taken)?;
    tx.commit().await?;
    state.search.changed();
    Ok(ArticleView::of(a))
}

/// What readers said about an article, newest first.
pub async fn feedback(state: &Service, id: &str) -> Result<Vec<Feedback>> {
    knowledge::get_article(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(knowledge::feedback(&state.db, id, 200).await?)
}

/// Imports the export's CSV (publishers only); articles are matched by slug.
pub async fn import_csv(
    state: &Service,
    user: &Person,
    body: &str,
) -> Result<super::io::ImportReport> {
    must_publish(user)?;
    let report = super::io::import_csv(&state.db, body, Some(&user.id)).await?;
    state.search.changed();
    Ok(report)
}

/// One article as stored.
pub async fn article(state: &Service, id: &str) -> Result<Article> {
    knowledge::get_article(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

/// One category.
pub async fn category(state: &Service, id: &str) -> Result<Category> {
    knowledge::get_category(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}

/// An article's revisions and its latest 100 pieces of feedback, for its editor.
pub async fn history(state: &Service, id: &str) -> Result<(Vec<Revision>, Vec<Feedback>)> {
    Ok((
        knowledge::revisions(&state.db, id).await?,
        knowledge::feedback(&state.db, id, 100).await?,
    ))
}

/// How often each article settled a visitor's question in the widget: (article id, count).
pub async fn deflections(state: &Service) -> Result<Vec<(String, i64)>> {
    Ok(knowledge::deflections(&state.db, 1000).await?)
}
