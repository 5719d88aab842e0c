//! What readers say about articles, and the questions articles settled in the widget.

use super::*;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    pub id: String,
    pub article_id: String,
    pub helpful: bool,
    pub comment: String,
    pub lang: String,
    pub created_at: i64,
}

/// A reader's "was this helpful?", counted on the article and kept with its comment.
pub async fn add_feedback(
    tx: &mut Tx,
    article_id: &str,
    helpful: bool,
    comment: &str,
    lang: &str,
) -> Result<Feedback> {
    let f = Feedback {
        id: new_id(),
        article_id: article_id.into(),
        helpful,
        comment: comment.into(),
        lang: lang.into(),
        created_at: now_ms(),
    };
    let n = if helpful {
        tx.execute(
            "UPDATE kb_articles SET helpful = helpful + 1 WHERE id = $1",
            args![article_id],
        )
        .await?
    } else {
        tx.execute(
            "UPDATE kb_articles SET not_helpful = not_helpful + 1 WHERE id = $1",
            args![article_id],
        )
        .await?
    };
    if n != 1 {
        return Err(Error::NotFound);
    }
    tx.execute(
        "INSERT INTO kb_feedback (id, article_id, helpful, comment, lang, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            &f.id,
            &f.article_id,
            f.helpful,
            &f.comment,
            &f.lang,
            f.created_at
        ],
    )
    .await?;
    Ok(f)
}

/// An article's feedback, newest first.
pub async fn feedback(x: impl Exec, article_id: &str, limit: i64) -> Result<Vec<Feedback>> {
    x.fetch_all(
        "SELECT id, article_id, helpful, comment, lang, created_at FROM kb_feedback \
         WHERE article_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        args![article_id, limit],
    )
    .await
}

/// A visitor opened a suggested article in the widget.
pub async fn record_deflection(
    x: impl Exec,
    article_id: &str,
    visitor_id: Option<&str>,
    query: &str,
) -> Result<()> {
    x.execute(
        "INSERT INTO kb_deflections (id, article_id, visitor_id, query, created_at) \
         SELECT $1, id, $3, $4, $5 FROM kb_articles WHERE id = $2",
        args![new_id(), article_id, visitor_id, query, now_ms()],
    )
    .await?;
    Ok(())
}

/// How many chats articles settled, per article, most first.
pub async fn deflections(x: impl Exec, limit: i64) -> Result<Vec<(String, i64)>> {
    x.fetch_all(
        "SELECT article_id, COUNT(*) AS n FROM kb_deflections GROUP BY article_id \
         ORDER BY n DESC, article_id LIMIT $1",
        args![limit],
    )
    .await
}
