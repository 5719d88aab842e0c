#![allow(clippy::unwrap_used)]
//! The knowledge base and the search change log on both backends.

use kefu_store::knowledge::{self, ArticleFilter, ArticleInput, CategoryInput, reason, status};
use kefu_store::testing::TestDb;
use kefu_store::{Error, both_backends, changes};

async fn category(t: &TestDb, slug: &str, parent: Option<&str>) -> knowledge::Category {
    knowledge::create_category(
        &t.db,
        &CategoryInput {
            parent_id: parent.map(str::to_string),
            slug: slug.into(),
            name_zh: format!("{slug}（中文）"),
            name_en: slug.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

fn input(category_id: &str, slug: &str, st: &str) -> ArticleInput {
    ArticleInput {
        category_id: category_id.into(),
        slug: slug.into(),
        status: st.into(),
        tags: "refund,returns".into(),
        title_zh: "退货流程".into(),
        body_zh: "七天内可以**退货**。".into(),
        title_en: "How returns work".into(),
        body_en: "Return within *seven* days.".into(),
    }
}

async fn create(t: &TestDb, a: &ArticleInput) -> knowledge::Article {
    let mut tx = t.db.begin().await.unwrap();
    let art = knowledge::create_article(&mut tx, a, None, reason::EDIT)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    art
}

both_backends!(
    articles_keep_every_revision_and_restore_makes_a_new_one,
    revisions
);
async fn revisions(t: TestDb) {
    let cat = category(&t, "orders", None).await;
    let a = create(&t, &input(&cat.id, "returns", status::DRAFT)).await;
    assert_eq!(a.revision, 1);
    assert!(a.published_at.is_none());

    let mut edit = input(&cat.id, "returns", status::PUBLISHED);
    edit.body_en = "Return within 14 days.".into();
    let mut tx = t.db.begin().await.unwrap();
    let b = knowledge::update_article(&mut tx, &a.id, &edit, None, reason::EDIT, Some(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(b.revision, 2);
    assert!(b.published_at.is_some());

    // Someone who opened revision 1 cannot overwrite revision 2 unknowingly.
    let mut tx = t.db.begin().await.unwrap();
    let stale = knowledge::update_article(&mut tx, &a.id, &edit, None, reason::EDIT, Some(1)).await;
    assert!(matches!(stale, Err(Error::Stale(_))), "{stale:?}");
    drop(tx);

    let mut tx = t.db.begin().await.unwrap();
    let c = knowledge::restore_revision(&mut tx, &a.id, 1, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c.revision, 3);
    assert_eq!(c.body_en, "Return within *seven* days.");
    assert_eq!(c.status, status::DRAFT);
    // First publication is remembered through a restore to draft.
    assert_eq!(c.published_at, b.published_at);

    let revs = knowledge::revisions(&t.db, &a.id).await.unwrap();
    assert_eq!(
        revs.iter()
            .map(|r| (r.number, r.reason.as_str()))
            .collect::<Vec<_>>(),
        vec![(3, "restore"), (2, "edit"), (1, "edit")]
    );
    assert_eq!(revs[1].body_en, "Return within 14 days.");
    let stored = knowledge::article_by_slug(&t.db, "returns")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.revision, 3);
    assert_eq!(stored.tag_list(), vec!["refund", "returns"]);

    // Slugs are unique.
    let mut tx = t.db.begin().await.unwrap();
    let dup = knowledge::create_article(
        &mut tx,
        &input(&cat.id, "returns", status::DRAFT),
        None,
        reason::EDIT,
    )
    .await;
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
}

both_backends!(
    categories_sections_lists_views_feedback_and_deflections,
    listing
);
async fn listing(t: TestDb) {
    let orders = category(&t, "orders", None).await;
    let shipping = category(&t, "shipping", Some(&orders.id)).await;
    let other = category(&t, "other", None).await;
    let a = create(&t, &input(&orders.id, "a", status::PUBLISHED)).await;
    let mut bi = input(&shipping.id, "b", status::PUBLISHED);
    bi.tags = "delivery".into();
    let b = create(&t, &bi).await;
    create(&t, &input(&other.id, "c", status::DRAFT)).await;

    // A category lists its own articles and its sections'.
    let in_orders = knowledge::list_articles(
        &t.db,
        &ArticleFilter {
            category_id: &orders.id,
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(in_orders.len(), 2);
    let drafts = knowledge::list_articles(
        &t.db,
        &ArticleFilter {
            status: status::DRAFT,
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        drafts.iter().map(|a| a.slug.as_str()).collect::<Vec<_>>(),
        vec!["c"]
    );
    let tagged = knowledge::list_articles(
        &t.db,
        &ArticleFilter {
            tag: "Delivery",
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].id, b.id);

    for _ in 0..3 {
        knowledge::record_view(&t.db, &b.id).await.unwrap();
    }
    knowledge::record_view(&t.db, &a.id).await.unwrap();
    let top = knowledge::most_read(&t.db, 5).await.unwrap();
    assert_eq!(
        top.iter()
            .map(|a| (a.slug.as_str(), a.views))
            .collect::<Vec<_>>(),
        vec![("b", 3), ("a", 1)]
    );

    let mut tx = t.db.begin().await.unwrap();
    knowledge::add_feedback(&mut tx, &a.id, true, "", "zh")
        .await
        .unwrap();
    knowledge::add_feedback(&mut tx, &a.id, false, "没说运费", "zh")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let a2 = knowledge::get_article(&t.db, &a.id).await.unwrap().unwrap();
    assert_eq!((a2.helpful, a2.not_helpful), (1, 1));
    let fb = knowledge::feedback(&t.db, &a.id, 10).await.unwrap();
    assert_eq!(fb.len(), 2);
    assert!(fb.iter().any(|f| !f.helpful && f.comment == "没说运费"));
    let mut tx = t.db.begin().await.unwrap();
    let missing = knowledge::add_feedback(&mut tx, "nope", true, "", "en").await;
    assert!(matches!(missing, Err(Error::NotFound)));
    drop(tx);

    knowledge::record_deflection(&t.db, &a.id, None, "退货")
        .await
        .unwrap();
    knowledge::record_deflection(&t.db, &a.id, Some("v1"), "return")
        .await
        .unwrap();
    knowledge::record_deflection(&t.db, "nope", None, "x")
        .await
        .unwrap();
    assert_eq!(
        knowledge::deflections(&t.db, 10).await.unwrap(),
        vec![(a.id.clone(), 2)]
    );

    // Only an empty category can go.
    let mut tx = t.db.begin().await.unwrap();
    let r = knowledge::delete_category(&mut tx, &orders.id).await;
    assert!(matches!(r, Err(Error::Conflict(_))), "{r:?}");
    drop(tx);
    let empty = category(&t, "empty", None).await;
    let mut tx = t.db.begin().await.unwrap();
    knowledge::delete_category(&mut tx, &empty.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let cats = knowledge::categories(&t.db).await.unwrap();
    assert_eq!(cats.len(), 3);
    assert_eq!(
        cats.iter()
            .find(|c| c.slug == "shipping")
            .unwrap()
            .parent_id,
        Some(orders.id.clone())
    );
}

both_backends!(
    a_reader_of_the_change_log_never_misses_a_committed_change,
    change_log
);
async fn change_log(t: TestDb) {
    let cat = category(&t, "c", None).await;
    let start = changes::latest(&t.db).await.unwrap();
    // Many writers at once, each transaction held open a little; a reader polls meanwhile.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let db = t.db.clone();
        let cat = cat.id.clone();
        tasks.push(tokio::spawn(async move {
            for j in 0..5 {
                let mut tx = db.begin().await.unwrap();
                knowledge::create_article(
                    &mut tx,
                    &input(&cat, &format!("a-{i}-{j}"), status::DRAFT),
                    None,
                    reason::EDIT,
                )
                .await
                .unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(1 + (i * j) % 4)).await;
                tx.commit().await.unwrap();
            }
        }));
    }
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let db = t.db.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut mark = start;
            let mut seen = std::collections::BTreeSet::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                loop {
                    // Small pages on SQLite (paging by number); on PostgreSQL every pass reads
                    // all rows at or above the horizon.
                    let limit = if db.backend() == kefu_store::Backend::Postgres {
                        100
                    } else {
                        7
                    };
                    let p = changes::pending(&db, mark, limit).await.unwrap();
                    assert!(!p.overflow);
                    for c in &p.changes {
                        seen.insert(c.object_id.clone());
                    }
                    mark = p.mark;
                    if !p.more {
                        break;
                    }
                }
                if finished {
                    return (mark, seen);
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        })
    };
    for task in tasks {
        task.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mark, mut seen) = reader.await.unwrap();
    // Whatever the reader missed while polling, it must find from its mark now: together,
    // every committed change.
    for c in changes::pending(&t.db, mark, 1000).await.unwrap().changes {
        seen.insert(c.object_id);
    }
    let all = knowledge::all_articles(&t.db, "", 100).await.unwrap();
    let ids: std::collections::BTreeSet<String> = all.iter().map(|a| a.id.clone()).collect();
    assert_eq!(all.len(), 40);
    assert_eq!(seen, ids, "every committed change is read");

    // A rolled-back change leaves nothing behind.
    let before = changes::pending(&t.db, start, 1000)
        .await
        .unwrap()
        .changes
        .len();
    let mut tx = t.db.begin().await.unwrap();
    knowledge::create_article(
        &mut tx,
        &input(&cat.id, "gone", status::DRAFT),
        None,
        reason::EDIT,
    )
    .await
    .unwrap();
    drop(tx);
    assert_eq!(
        changes::pending(&t.db, start, 1000)
            .await
            .unwrap()
            .changes
            .len(),
        before
    );

    // Pruning forgets old changes, keeps the newest, and says how far it went.
    let mut tx = t.db.begin().await.unwrap();
    let pruned = changes::prune(&mut tx, i64::MAX).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(pruned, 39);
    assert!(changes::pruned_through(&t.db).await.unwrap() > start);
    assert_eq!(
        changes::pending(&t.db, start, 100)
            .await
            .unwrap()
            .changes
            .len(),
        1
    );
}
