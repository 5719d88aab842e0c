//! Moving the knowledge base in and out: a folder of Markdown files with front matter (for
//! people and version control) and CSV (for simple FAQs kept in a spreadsheet).
//!
//! Folder layout, one folder per category, one file per article and language:
//!
//! ```text
//! returns/_category.md         front matter: name_zh, name_en, parent, position; body: none
//! returns/refund-times.zh.md   front matter: title, slug, status, tags; body: Markdown
//! returns/refund-times.en.md
//! ```
//!
//! CSV columns: `category,slug,status,tags,title_zh,body_zh,title_en,body_en` (a header row;
//! tags separated by `|`). Importing either matches articles by slug: a new slug makes an
//! article, a known one gets a new revision when its content differs. Categories are matched
//! by slug and made when missing.

use kefu_core::ErrorCode;
use std::collections::BTreeMap;
use std::path::Path;

use kefu_store::knowledge::{self, Article, ArticleInput, Category, CategoryInput, reason, status};
use kefu_store::{Db, conversations};

use crate::{Error, Result};

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub categories_created: usize,
}

// ----------------------------------------------------------------------------- front matter

/// Why a Markdown file's front matter cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontMatterError {
    #[error("the file does not start with front matter (---)")]
    Missing,
    #[error("the front matter is not closed (---)")]
    Unclosed,
    #[error("cannot read front matter line {0:?}")]
    Line(String),
}

/// Splits `---\nkey: value\n---\nbody` into its fields and body.
pub fn parse_front_matter(
    text: &str,
) -> Result<(BTreeMap<String, String>, String), FrontMatterError> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let Some(rest) = text.strip_prefix("---\n") else {
        return Err(FrontMatterError::Missing);
    };
    let Some(end) = rest.find("\n---") else {
        return Err(FrontMatterError::Unclosed);
    };
    let mut fields = BTreeMap::new();
    for line in rest[..end].lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| FrontMatterError::Line(line.to_string()))?;
        fields.insert(k.trim().to_string(), unquote(v.trim()));
    }
    let body = rest[end + 4..].trim_start_matches('-');
    let body = body.strip_prefix('\n').unwrap_or(body);
    Ok((fields, body.trim_end().to_string()))
}

fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v[1..v.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    } else {
        v.to_string()
    }
}

fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

fn front_matter(fields: &[(&str, String)], body: &str) -> String {
    let mut out = String::from("---\n");
    for (k, v) in fields {
        out.push_str(&format!("{k}: {}\n", quote(v)));
    }
    out.push_str("---\n");
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------- folder

/// Writes every category and article into `dir` (which must be empty or missing).
pub async fn export_folder(db: &Db, dir: &Path) -> Result<usize> {
    let io = |e: std::io::Error| {
        Error::invalid(ErrorCode::ExportFailed, format!("{}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    if std::fs::read_dir(dir).map_err(io)?.next().is_some() {
        return Err(Error::invalid(
            ErrorCode::ExportFailed,
            format!("{} is not empty", dir.display()),
        ));
    }
    let categories = knowledge::categories(db).await?;
    let by_id: BTreeMap<&str, &Category> = categories.iter().map(|c| (c.id.as_str(), c)).collect();
    for c in &categories {
        let folder = dir.join(&c.slug);
        std::fs::create_dir_all(&folder).map_err(io)?;
        let parent = c
            .parent_id
            .as_deref()
            .and_then(|p| by_id.get(p))
            .map(|p| p.slug.clone())
            .unwrap_or_default();
        let text = front_matter(
            &[
                ("name_zh", c.name_zh.clone()),
                ("name_en", c.name_en.clone()),
                ("description_zh", c.description_zh.clone()),
                ("description_en", c.description_en.clone()),
                ("parent", parent),
                ("position", c.position.to_string()),
            ],
            "",
        );
        std::fs::write(folder.join("_category.md"), text).map_err(io)?;
    }
    let mut n = 0;
    let mut after = String::new();
    loop {
        let page = knowledge::all_articles(db, &after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for a in &page {
            let Some(c) = by_id.get(a.category_id.as_str()) else {
                continue;
            };
            for (lang, title, body) in [
                ("zh", &a.title_zh, &a.body_zh),
                ("en", &a.title_en, &a.body_en),
            ] {
                if title.trim().is_empty() && body.trim().is_empty() {
                    continue;
                }
                let text = front_matter(
                    &[
                        ("title", title.clone()),
                        ("slug", a.slug.clone()),
                        ("status", a.status.clone()),
                        ("tags", a.tag_list().join(", ")),
                    ],
                    body,
                );
                std::fs::write(
                    dir.join(&c.slug).join(format!("{}.{lang}.md", a.slug)),
                    text,
                )
                .map_err(io)?;
            }
            n += 1;
        }
    }
    Ok(n)
}

/// One article as found in files or rows, before it is checked.
#[derive(Debug, Default, Clone)]
struct Incoming {
    category: String,
    slug: String,
    status: String,
    tags: String,
    title_zh: String,
    body_zh: String,
    title_en: String,
    body_en: String,
}

/// Reads a folder written by [`export_folder`] (or by hand) and imports it.
pub async fn import_folder(db: &Db, dir: &Path, author: Option<&str>) -> Result<ImportReport> {
    let bad = |what: String| Error::invalid(ErrorCode::ImportFailed, what);
    let read_dir = |d: &Path| {
        let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(d)
            .map_err(|e| bad(format!("{}: {e}", d.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        Ok::<_, Error>(entries)
    };
    let mut categories: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut articles: BTreeMap<String, Incoming> = BTreeMap::new();
    for folder in read_dir(dir)?.into_iter().filter(|p| p.is_dir()) {
        let cat_slug = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let meta_path = folder.join("_category.md");
        let meta = if meta_path.exists() {
            let text = std::fs::read_to_string(&meta_path)
                .map_err(|e| bad(format!("{}: {e}", meta_path.display())))?;
            parse_front_matter(&text)
                .map_err(|e| bad(format!("{}: {e}", meta_path.display())))?
                .0
        } else {
            BTreeMap::new()
        };
        categories.push((cat_slug.clone(), meta));
        for file in read_dir(&folder)? {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(stem) = name.strip_suffix(".md") else {
                continue;
            };
            if stem == "_category" {
                continue;
            }
            let (file_slug, lang) = match stem.rsplit_once('.') {
                Some((s, l @ ("zh" | "en"))) => (s, l),
                _ => (stem, "en"),
            };
            let text = std::fs::read_to_string(&file)
                .map_err(|e| bad(format!("{}: {e}", file.display())))?;
            let (fields, body) =
                parse_front_matter(&text).map_err(|e| bad(format!("{}: {e}", file.display())))?;
            let slug = fields
                .get("slug")
                .cloned()
                .unwrap_or_else(|| file_slug.to_string());
            let a = articles.entry(slug.clone()).or_insert_with(|| Incoming {
                category: cat_slug.clone(),
                slug,
                ..Default::default()
            });
            if let Some(s) = fields.get("status") {
                a.status = s.clone();
            }
            if let Some(t) = fields.get("tags") {
                a.tags = t.clone();
            }
            let title = fields.get("title").cloned().unwrap_or_default();
            if lang == "zh" {
                a.title_zh = title;
                a.body_zh = body;
            } else {
                a.title_en = title;
                a.body_en = body;
            }
        }
    }
    let mut report = ImportReport::default();
    // Categories first (parents before sections), then articles.
    categories.sort_by_key(|(_, m)| m.get("parent").is_some_and(|p| !p.is_empty()));
    for (slug, meta) in &categories {
        ensure_category(db, slug, meta, &mut report).await?;
    }
    for a in articles.into_values() {
        import_one(db, a, author, &mut report).await?;
    }
    Ok(report)
}

async fn ensure_category(
    db: &Db,
    slug: &str,
    meta: &BTreeMap<String, String>,
    report: &mut ImportReport,
) -> Result<Category> {
    if let Some(c) = knowledge::category_by_slug(db, slug).await? {
        return Ok(c);
    }
    let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
    let parent_id = match meta.get("parent").filter(|p| !p.is_empty()) {
        Some(p) => Some(
            knowledge::category_by_slug(db, p)
                .await?
                .ok_or_else(|| {
                    Error::invalid(
                        ErrorCode::ImportFailed,
                        format!("category {slug}: no parent {p}"),
                    )
                })?
                .id,
        ),
        None => None,
    };
    let mut input = CategoryInput {
        parent_id,
        slug: slug.to_string(),
        name_zh: get("name_zh"),
        name_en: get("name_en"),
        description_zh: get("description_zh"),
        description_en: get("description_en"),
        position: get("position").parse().unwrap_or(0),
    };
    if input.name_zh.is_empty() && input.name_en.is_empty() {
        input.name_en = slug.to_string();
    }
    let c = knowledge::create_category(db, &input).await?;
    report.categories_created += 1;
    Ok(c)
}

async fn import_one(
    db: &Db,
    a: Incoming,
    author: Option<&str>,
    report: &mut ImportReport,
) -> Result<()> {
    let what =
        |m: String| Error::invalid(ErrorCode::ImportFailed, format!("article {}: {m}", a.slug));
    let category = ensure_category(db, &a.category, &BTreeMap::new(), report).await?;
    let st = if a.status.is_empty() {
        status::PUBLISHED
    } else {
        a.status.as_str()
    };
    if !status::ALL.contains(&st) {
        return Err(what(format!("unknown status {st:?}")));
    }
    if a.title_zh.trim().is_empty() && a.title_en.trim().is_empty() {
        return Err(what("no title in either language".into()));
    }
    let tags = conversations::join_tags(
        a.tags
            .split([',', '|'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    let input = ArticleInput {
        category_id: category.id.clone(),
        slug: a.slug.clone(),
        status: st.to_string(),
        tags,
        title_zh: a.title_zh.trim().to_string(),
        body_zh: a.body_zh.clone(),
        title_en: a.title_en.trim().to_string(),
        body_en: a.body_en.clone(),
    };
    crate::knowledge::articles::check_slug(&input.slug).map_err(|_| what("bad slug".into()))?;
    let mut tx = db.begin().await?;
    match knowledge::article_by_slug(db, &a.slug).await? {
        Some(existing) if same(&existing, &input) => report.unchanged += 1,
        Some(existing) => {
            knowledge::update_article(&mut tx, &existing.id, &input, author, reason::IMPORT, None)
                .await?;
            report.updated += 1;
        }
        None => {
            knowledge::create_article(&mut tx, &input, author, reason::IMPORT).await?;
            report.created += 1;
        }
    }
    tx.commit().await?;
    Ok(())
}

fn same(a: &Article, b: &ArticleInput) -> bool {
    let now = ArticleInput::of(a);
    now.category_id == b.category_id
        && now.status == b.status
        && now.tags == b.tags
        && now.title_zh == b.title_zh
        && now.body_zh.trim_end() == b.body_zh.trim_end()
        && now.title_en == b.title_en
        && now.body_en.trim_end() == b.body_en.trim_end()
}

// ------------------------------------------------------------------------------------- CSV

const CSV_HEADER: [&str; 8] = [
    "category", "slug", "status", "tags", "title_zh", "body_zh", "title_en", "body_en",
];

fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Every article as CSV (RFC 4180), with a header row.
pub async fn export_csv(db: &Db) -> Result<String> {
    let categories = knowledge::categories(db).await?;
    let slug_of: BTreeMap<&str, &str> = categories
        .iter()
        .map(|c| (c.id.as_str(), c.slug.as_str()))
        .collect();
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    let mut after = String::new();
    loop {
        let page = knowledge::all_articles(db, &after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for a in &page {
            let fields = [
                slug_of.get(a.category_id.as_str()).copied().unwrap_or(""),
                &a.slug,
                &a.status,
                &a.tag_list().join("|"),
                &a.title_zh,
                &a.body_zh,
                &a.title_en,
                &a.body_en,
            ];
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                csv_field(&mut out, f);
            }
            out.push_str("\r\n");
        }
    }
    Ok(out)
}

/// Why a CSV file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("line {0}: a quote inside an unquoted field")]
    StrayQuote(usize),
    #[error("a quoted field is not closed")]
    Unclosed,
}

/// Parses RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks).
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, CsvError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '"' => return Err(CsvError::StrayQuote(line)),
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(CsvError::Unclosed);
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    Ok(rows)
}

/// Imports CSV with the columns of [`export_csv`] (in any order, named by the header row).
pub async fn import_csv(db: &Db, text: &str, author: Option<&str>) -> Result<ImportReport> {
    let bad = |m: String| Error::invalid(ErrorCode::InvalidCsv, m);
    let rows = parse_csv(text).map_err(|e| bad(e.to_string()))?;
    let Some((header, rows)) = rows.split_first() else {
        return Err(bad("the CSV is empty".into()));
    };
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(category), Some(slug)) = (col("category"), col("slug")) else {
        return Err(bad(format!(
            "the header row needs at least category and slug; the columns are {}",
            CSV_HEADER.join(",")
        )));
    };
    if rows.len() > 10_000 {
        return Err(bad("at most 10,000 rows at a time".into()));
    }
    let cell = |r: &Vec<String>, name: &str| {
        col(name)
            .and_then(|i| r.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let mut report = ImportReport::default();
    for (i, r) in rows.iter().enumerate() {
        if r.len() != header.len() {
            return Err(bad(format!(
                "row {}: {} fields, the header has {}",
                i + 2,
                r.len(),
                header.len()
            )));
        }
        let a = Incoming {
            category: r[category].trim().to_string(),
            slug: r[slug].trim().to_string(),
            status: cell(r, "status").trim().to_string(),
            tags: cell(r, "tags"),
            title_zh: cell(r, "title_zh"),
            body_zh: cell(r, "body_zh"),
            title_en: cell(r, "title_en"),
            body_en: cell(r, "body_en"),
        };
        if a.category.is_empty() || a.slug.is_empty() {
            return Err(bad(format!("row {}: category and slug are needed", i + 2)));
        }
        import_one(db, a, author, &mut report).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_round_trips() {
        let text = front_matter(
            &[("title", "退货: \"七天\"".into()), ("tags", "a, b".into())],
            "# 正文\n\n---\n\nmore",
        );
        let (fields, body) = parse_front_matter(&text).unwrap_or_default();
        assert_eq!(fields["title"], "退货: \"七天\"");
        assert_eq!(fields["tags"], "a, b");
        assert_eq!(body, "# 正文\n\n---\n\nmore");
        assert!(parse_front_matter("no front matter").is_err());
        assert!(parse_front_matter("---\ntitle: x\n").is_err());
    }

    #[test]
    fn csv_round_trips_quotes_commas_and_line_breaks() {
        let mut line = String::new();
        for (i, f) in ["a", "b,c", "say \"hi\"", "two\nlines", ""]
            .iter()
            .enumerate()
        {
            if i > 0 {
                line.push(',');
            }
            csv_field(&mut line, f);
        }
        let rows = parse_csv(&format!("h1,h2,h3,h4,h5\r\n{line}\r\n")).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1], vec!["a", "b,c", "say \"hi\"", "two\nlines", ""]);
        assert!(parse_csv("a,\"open").is_err());
        assert!(parse_csv("a,b\"c").is_err());
    }
}
