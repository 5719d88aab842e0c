//! The public help centre as readers see it: published articles by category, the most read,
//! an article with its breadcrumbs and related articles (each read counted), "was this
//! helpful?", the public search and the list of pages for the sitemap. Texts come in the
//! reader's language (`zh` or `en`); an article missing in it is shown in the other.

use kefu_core::ErrorCode;
use kefu_search::{Kind, Request};
use kefu_store::knowledge::{self, Article, Category};

use crate::limits::Rule;
use crate::{Error, Result, Service};

/// A category with what the home page lists under it.
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

/// The home page: top categories that hold published articles (with their sections), and
/// the eight most read articles.
pub async fn home(state: &Service, lang: &str) -> Result<(Vec<CategoryCard>, Vec<ArticleLink>)> {
    let all = knowledge::categories(&state.db).await?;
    let counts: std::collections::HashMap<String, i64> = knowledge::published_counts(&state.db)
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
    let popular = knowledge::most_read(&state.db, 8)
        .await?
        .iter()
        .map(|a| link(a, lang))
        .collect();
    Ok((categories, popular))
}

/// A category page: the category, its parent (slug, name), and its groups of published
/// articles — first its own (empty slug and name), then one per section that has any.
pub struct CategoryView {
    pub category: Category,
    pub parent: Option<(String, String)>,
    pub groups: Vec<(String, String, Vec<ArticleLink>)>,
}

/// The category `slug`, if there is one.
pub async fn category(state: &Service, slug: &str, lang: &str) -> Result<Option<CategoryView>> {
    let Some(cat) = knowledge::category_by_slug(&state.db, slug).await? else {
        return Ok(None);
    };
    let parent = match &cat.parent_id {
        Some(p) => knowledge::get_category(&state.db, p)
            .await?
            .map(|p| (p.slug.clone(), p.name(lang).to_string())),
        None => None,
    };
    let own = knowledge::published_in(&state.db, &cat.id).await?;
    let mut groups = vec![(
        String::new(),
        String::new(),
        own.iter().map(|a| link(a, lang)).collect::<Vec<_>>(),
    )];
    for s in knowledge::categories(&state.db)
        .await?
        .into_iter()
        .filter(|s| s.parent_id.as_deref() == Some(cat.id.as_str()))
    {
        let arts = knowledge::published_in(&state.db, &s.id).await?;
        if !arts.is_empty() {
            groups.push((
                s.slug.clone(),
                s.name(lang).to_string(),
                arts.iter().map(|a| link(a, lang)).collect(),
            ));
        }
    }
    Ok(Some(CategoryView {
        category: cat,
        parent,
        groups,
    }))
}

/// An article as read: its breadcrumbs (slug, name) from the top category down, and up to
/// five other articles of its category.
pub struct ArticleRead {
    pub article: Article,
    pub crumbs: Vec<(String, String)>,
    pub related: Vec<ArticleLink>,
}

/// The published article `slug`, counted as read; `None` when there is none.
pub async fn read(state: &Service, slug: &str, lang: &str) -> Result<Option<ArticleRead>> {
    let Some(a) = knowledge::article_by_slug(&state.db, slug)
        .await?
        .filter(Article::is_published)
    else {
        return Ok(None);
    };
    knowledge::record_view(&state.db, &a.id).await?;
    let mut crumbs = Vec::new();
    let mut cat = knowledge::get_category(&state.db, &a.category_id).await?;
    let mut related = Vec::new();
    if let Some(c) = &cat {
        related = knowledge::published_in(&state.db, &c.id)
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
            Some(p) => knowledge::get_category(&state.db, p).await?,
            None => None,
        };
    }
    Ok(Some(ArticleRead {
        article: a,
        crumbs,
        related,
    }))
}

/// "Was this helpful?" (`yes` or `no`) with an optional comment of up to 2000 characters,
/// limited per address. Returns the article's slug.
pub async fn feedback(
    state: &Service,
    ip: &str,
    slug: &str,
    helpful: &str,
    comment: &str,
    lang: &str,
) -> Result<String> {
    let helpful = match helpful {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(Error::invalid(
                ErrorCode::InvalidFeedback,
                "helpful is yes or no",
            ));
        }
    };
    let comment = comment.trim();
    if comment.chars().count() > 2000 {
        return Err(Error::invalid(
            ErrorCode::InvalidComment,
            "a comment is at most 2000 characters",
        ));
    }
    state
        .limiter
        .hit(&format!("kb-feedback:{ip}"), Rule::per_minutes(30, 10))
        .map_err(Error::RateLimited)?;
    let a = knowledge::article_by_slug(&state.db, slug)
        .await?
        .filter(Article::is_published)
        .ok_or(Error::NotFound)?;
    let mut tx = state.db.begin().await?;
    knowledge::add_feedback(&mut tx, &a.id, helpful, comment, lang).await?;
    tx.commit().await?;
    Ok(a.slug)
}

/// A search result line (HTML already escaped and highlighted).
pub struct ResultLine {
    pub slug: String,
    pub title_html: String,
    pub snippet_html: String,
}

/// Results shown per page of the help centre's search.
pub const RESULTS_PER_PAGE: usize = 20;
/// The last page a search can be turned to (the 500 best results are plenty to read).
const LAST_PAGE: usize = 25;

/// One page of the help centre's search.
#[derive(Default)]
pub struct SearchResults {
    /// Articles holding the whole query (counted up to [`kefu_search::COUNT_CAP`]).
    pub exact_total: usize,
    /// There are more than that.
    pub exact_more: bool,
    /// Other articles holding at least half of its pieces.
    pub related_total: usize,
    pub related_more: bool,
    /// This page (from 1) and how many there are.
    pub page: usize,
    pub pages: usize,
    /// This page's exact matches, then its related ones.
    pub exact: Vec<ResultLine>,
    pub related: Vec<ResultLine>,
    /// When no article holds the whole query: its words that find articles alone.
    pub suggestions: Vec<(String, usize)>,
}

/// Published articles holding the whole of `text` first, then related ones, in the reader's
/// language first, one page of [`RESULTS_PER_PAGE`]. A page past the last shows the last. The
/// index may trail the database by a moment: only what is published now is shown.
pub async fn search(state: &Service, text: &str, lang: &str, page: usize) -> Result<SearchResults> {
    if text.is_empty() {
        return Ok(SearchResults::default());
    }
    let index = state.search.index().await?;
    let public = ["public".to_string()];
    let mut req = Request::new(text, Kind::Article);
    req.scopes = Some(&public);
    req.lang = Some(lang);
    req.limit = RESULTS_PER_PAGE;
    let page = page.clamp(1, LAST_PAGE);
    req.offset = (page - 1) * RESULTS_PER_PAGE;
    let mut found = index
        .find(&req, true)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let total = found.exact + found.related;
    let pages = total.div_ceil(RESULTS_PER_PAGE).clamp(1, LAST_PAGE);
    if page > pages {
        req.offset = (pages - 1) * RESULTS_PER_PAGE;
        found = index
            .find(&req, true)
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    let mut results = SearchResults {
        exact_total: found.exact,
        exact_more: found.exact_more,
        related_total: found.related,
        related_more: found.related_more,
        page: page.min(pages),
        pages,
        suggestions: found.suggestions,
        ..SearchResults::default()
    };
    for h in found.hits {
        if let Some(a) = knowledge::get_article(&state.db, &h.id).await?
            && a.is_published()
        {
            let line = ResultLine {
                slug: a.slug,
                title_html: h.title.to_html(),
                snippet_html: h.snippet.to_html(),
            };
            if h.exact {
                results.exact.push(line);
            } else {
                results.related.push(line);
            }
        }
    }
    Ok(results)
}

/// The paths of every public help page: the home, each category, each published article.
pub async fn public_paths(state: &Service) -> Result<Vec<String>> {
    let mut urls = vec![String::from("/help")];
    for c in knowledge::categories(&state.db).await? {
        urls.push(format!("/help/categories/{}", c.slug));
    }
    let mut after = String::new();
    loop {
        let page = knowledge::all_articles(&state.db, &after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for a in page.iter().filter(|a| a.is_published()) {
            urls.push(format!("/help/articles/{}", a.slug));
        }
    }
    Ok(urls)
}
