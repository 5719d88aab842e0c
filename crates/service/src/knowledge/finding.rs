//! Finding knowledge: the staff search over articles and conversations, the articles the
//! console suggests for a conversation, and a draft article written from a conversation.

use kefu_core::ErrorCode;
use kefu_search::{Kind, Request};
use kefu_store::knowledge::reason;
use kefu_store::people::Person;
use kefu_store::{messages, teams};

use super::articles::*;
use crate::chat::{self, Actor};
use crate::{Error, Result, Service};

/// Articles or conversations (`q.kind`) matching `q.q`; conversations only those the agent
/// may open (the index's scopes are a first cut; the same check as opening decides).
pub async fn search(state: &Service, user: &Person, q: &SearchQuery) -> Result<Vec<SearchHit>> {
    let text = check_query(&q.q)?;
    if text.is_empty() {
        return Ok(vec![]);
    }
    let kind = match q.kind.as_str() {
        "" | "articles" => Kind::Article,
        "conversations" => Kind::Conversation,
        _ => {
            return Err(Error::invalid(
                ErrorCode::InvalidKind,
                "kind is articles or conversations",
            ));
        }
    };
    let index = state.search.index().await?;
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let scopes: Option<Vec<String>> =
        if kind == Kind::Conversation && !user.role().sees_all_inboxes() {
            Some(
                teams::inboxes_of_member(&state.db, &user.id)
                    .await?
                    .into_iter()
                    .map(|i| format!("inbox:{}", i.id))
                    .collect(),
            )
        } else {
            None
        };
    let mut req = Request::new(text, kind);
    req.scopes = scopes.as_deref();
    req.lang = match q.lang.as_str() {
        "zh" | "en" => Some(q.lang.as_str()),
        _ => None,
    };
    req.limit = limit;
    req.offset = q.offset.unwrap_or(0).min(1000);
    let hits = index
        .search(&req)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(hits.len());
    let actor = Actor::Person(user.clone());
    for h in hits {
        match kind {
            Kind::Article => out.push(with_url(state, SearchHit::of(h)).await?),
            Kind::Conversation => {
                if chat::visible(state, &actor, &h.id).await.is_ok() {
                    out.push(SearchHit::of(h));
                }
            }
        }
    }
    Ok(out)
}

/// Up to five public articles for what the customer said last (else the subject).
pub async fn suggestions(state: &Service, user: &Person, id: &str) -> Result<Vec<SearchHit>> {
    let conv = chat::visible(state, &Actor::Person(user.clone()), id).await?;
    // What the customer said last is what the reply answers.
    let recent = messages::last(&state.db, &conv.id, 20, false).await?;
    let mut text = String::new();
    for m in recent.iter().rev() {
        if m.author_kind == messages::author::CONTACT && m.kind == messages::kind::TEXT {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&m.body);
            if text.chars().count() > 150 {
                break;
            }
        }
    }
    if text.trim().is_empty() {
        text = conv.subject.clone();
    }
    let text: String = text.chars().take(200).collect();
    if text.trim().is_empty() {
        return Ok(vec![]);
    }
    let index = state.search.index().await?;
    let public = ["public".to_string()];
    let mut req = Request::new(&text, Kind::Article);
    req.scopes = Some(&public);
    req.limit = 5;
    let hits = index
        .search(&req)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        out.push(with_url(state, SearchHit::of(h)).await?);
    }
    Ok(out)
}

/// A draft article from a conversation: the customer's first question and the agent's answer,
/// in the language asked for (else Chinese when the question is), with a unique slug.
pub async fn draft_from_conversation(
    state: &Service,
    user: &Person,
    id: &str,
    b: &DraftFromConversation,
) -> Result<ArticleView> {
    let conv = chat::visible(state, &Actor::Person(user.clone()), id).await?;
    let all = messages::last(&state.db, &conv.id, 200, false).await?;
    let mut question = Vec::new();
    let mut answer = Vec::new();
    for m in all.iter() {
        if m.kind != messages::kind::TEXT {
            continue;
        }
        match m.author_kind.as_str() {
            messages::author::CONTACT if answer.is_empty() => question.push(m.body.trim()),
            messages::author::AGENT if !question.is_empty() => answer.push(m.body.trim()),
            _ => {}
        }
    }
    if question.is_empty() || answer.is_empty() {
        return Err(Error::invalid(
            ErrorCode::NothingToDraft,
            "the conversation needs a customer's question and an agent's answer",
        ));
    }
    let lang = if b.lang == "zh"
        || (b.lang.is_empty()
            && question
                .iter()
                .any(|q| q.chars().any(kefu_search::analyze::is_cjk)))
    {
        "zh"
    } else {
        "en"
    };
    let first_line = question[0].lines().next().unwrap_or_default();
    let title: String = if conv.subject.trim().is_empty() {
        first_line.chars().take(80).collect()
    } else {
        conv.subject.trim().chars().take(200).collect()
    };
    let quote = |lines: &[&str]| {
        lines
            .iter()
            .flat_map(|l| l.lines())
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let (q_head, a_head) = if lang == "zh" {
        ("问题", "解答")
    } else {
        ("Question", "Answer")
    };
    let body = format!(
        "## {q_head}\n\n{}\n\n## {a_head}\n\n{}\n",
        quote(&question),
        quote(&answer)
    );
    let mut body_in = ArticleBody {
        category_id: b.category_id.clone(),
        ..Default::default()
    };
    if lang == "zh" {
        body_in.title_zh = title;
        body_in.body_zh = body;
    } else {
        body_in.title_en = title;
        body_in.body_en = body;
    }
    let mut input = article_input(state, &body_in).await?;
    // A draft's slug is made unique; the author renames it before publishing.
    input.slug = format!(
        "{}-{}",
        input.slug.chars().take(60).collect::<String>(),
        random_slug()
    );
    input.slug = input.slug.trim_start_matches('-').to_string();
    let a = save_new(state, &input, user, reason::CONVERSATION).await?;
    Ok(ArticleView::of(a))
}
