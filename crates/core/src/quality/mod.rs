//! Service quality rules, pure: the forbidden-phrase guard (禁语) for agents' replies and the
//! e-mail etiquette check (seed 000, §6.3.3) for agents' mails. Both take text and give
//! findings with their place and reason; nothing here does IO, so they run as the agent types.

mod etiquette;
mod guard;

pub use etiquette::*;
pub use guard::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new(default_rules()).expect("rules")
    }

    fn ids(text: &str) -> Vec<String> {
        guard().check(text).into_iter().map(|f| f.rule_id).collect()
    }

    #[test]
    fn every_chinese_rule() {
        assert_eq!(ids("抱歉，我不能帮您退款。"), ["zh-cannot"]);
        assert_eq!(ids("这个我不会做。"), ["zh-wont"]);
        assert_eq!(ids("这不是我应该做的事"), ["zh-not-my-job"]);
        assert_eq!(ids("我想我做不了这个"), ["zh-think-cannot"]);
        assert_eq!(ids("可以退，但是要等三天"), ["zh-but"]);
        let f = guard().check("您好！这不是我应该做的");
        assert_eq!(f[0].severity, Severity::Block);
        assert_eq!((f[0].char_start, f[0].char_end), (3, 11));
        assert_eq!(
            &"您好！这不是我应该做的"[f[0].start..f[0].end],
            "这不是我应该做的"
        );
        assert!(f[0].suggestion.contains("跟进"));
    }

    #[test]
    fn chinese_words_that_only_contain_a_phrase_do_not_count() {
        assert!(
            ids("我不能不提醒您注意保修期").is_empty(),
            "我不能不 = I must"
        );
        assert!(ids("这款不但是防水的，而且很轻").is_empty());
        assert_eq!(ids("我不能不说，但是我不能退"), ["zh-but", "zh-cannot"]);
    }

    #[test]
    fn every_english_rule() {
        assert_eq!(ids("Sorry, I can't refund this."), ["en-cannot"]);
        assert_eq!(
            ids("Sorry, I can’t refund this."),
            ["en-cannot"],
            "curly apostrophe"
        );
        assert_eq!(ids("I CANNOT do that"), ["en-cannot-2"]);
        assert_eq!(ids("I won't change it"), ["en-wont"]);
        assert_eq!(ids("That is not my job."), ["en-not-my-job"]);
        assert_eq!(ids("It's not my responsibility"), ["en-not-my-job-2"]);
        assert_eq!(ids("I don't think I can help"), ["en-think-cannot"]);
        assert_eq!(ids("Yes, but it takes a week"), ["en-but"]);
        assert_eq!(ids("But then"), ["en-but"]);
    }

    #[test]
    fn english_words_that_only_contain_a_phrase_do_not_count() {
        assert!(ids("Press the button to attribute the butter").is_empty());
        assert!(ids("I cannot wait to see you").is_empty());
        assert!(ids("It is light but also strong").is_empty());
        assert!(ids("rebut").is_empty());
    }

    #[test]
    fn quotations_of_the_customers_words_do_not_count() {
        assert!(ids("您说“我不能退货”，我来确认一下").is_empty());
        assert!(ids("您提到「但是物流很慢」").is_empty());
        assert!(ids("You wrote \"but I paid already\", let me check").is_empty());
        assert!(ids("> 但是我已经付款了\n好的，我查一下").is_empty());
        assert_eq!(ids("> 但是我已经付款了\n但是我查一下"), ["zh-but"]);
        // An unclosed quotation does not hide the rest of the reply.
        assert_eq!(ids("“我不能"), ["zh-cannot"]);
    }

    #[test]
    fn bad_rules_are_explained() {
        let mut r = default_rules();
        r[0].exceptions = vec!["完全无关".into()];
        assert!(matches!(Guard::new(r), Err(RuleError::Exception(_))));
        let mut r = default_rules();
        r[0].lang = "fr".into();
        assert!(matches!(Guard::new(r), Err(RuleError::Invalid(_))));
        assert!(Guard::new(vec![]).expect("empty").check("但是").is_empty());
    }

    fn draft() -> MailDraft {
        MailDraft {
            subject: "订单 E1001 的退款进度".into(),
            body: "陈女士，您好！\n\n您的退款已经受理，详见附件中的退款单。\n\n祝您生活愉快！"
                .into(),
            attachments: vec!["退款单-E1001.pdf".into()],
            signature: "客服 李娜\n演示店铺 400-000-0000".into(),
            to: vec!["chen@example.com".into()],
            cc: vec![],
            bcc: vec![],
        }
    }

    fn codes(d: &MailDraft) -> Vec<&'static str> {
        check_mail(d).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_good_mail_passes_in_both_languages() {
        assert!(codes(&draft()).is_empty(), "{:?}", check_mail(&draft()));
        let en = MailDraft {
            subject: "Your refund for order E1001".into(),
            body: "Dear Ms Chen,\n\nYour refund is on its way; the receipt is attached.\n\nBest regards".into(),
            attachments: vec!["refund-receipt-E1001.pdf".into()],
            signature: "Li Na, Demo Shop, +86 400 000 0000".into(),
            to: vec!["chen@example.com".into()],
            ..Default::default()
        };
        assert!(codes(&en).is_empty(), "{:?}", check_mail(&en));
    }

    #[test]
    fn each_etiquette_rule() {
        let with = |f: &dyn Fn(&mut MailDraft)| {
            let mut d = draft();
            f(&mut d);
            codes(&d)
        };
        assert_eq!(with(&|d| d.subject = "  ".into()), ["blank_subject"]);
        assert_eq!(
            check_mail(&MailDraft {
                subject: String::new(),
                ..draft()
            })[0]
                .severity,
            Severity::Block
        );
        assert_eq!(
            with(&|d| d.subject =
                "关于您在十一月三十日下单购买的那只杯子在运输途中破损以及后续退款和补发安排的说明"
                    .into()),
            ["long_subject"]
        );
        assert_eq!(
            with(&|d| d.body = "您的退款已经受理，详见附件。\n祝您生活愉快！".into()),
            ["no_salutation"]
        );
        assert_eq!(
            with(&|d| d.body = "您好！\n您的退款已经受理，详见附件。".into()),
            ["no_closing"]
        );
        assert_eq!(with(&|d| d.attachments.clear()), ["attachment_missing"]);
        assert_eq!(
            with(&|d| d.body = "您好！\n退款已受理。\n祝好".into()),
            ["attachments_unmentioned"]
        );
        assert_eq!(
            with(&|d| d.attachments = (1..=5).map(|i| format!("退款凭证-{i}.pdf")).collect()),
            ["too_many_attachments"]
        );
        assert_eq!(
            with(&|d| d.attachments = vec!["IMG_1234.jpg".into()]),
            ["meaningless_name"]
        );
        assert_eq!(
            with(&|d| d.attachments = vec!["新建文档.docx".into()]),
            ["meaningless_name"]
        );
        assert_eq!(with(&|d| d.signature.clear()), ["no_signature"]);
        assert_eq!(
            with(&|d| d.signature = "Li Na, Customer Service, Demo Shop".into()),
            ["signature_language"]
        );
        assert_eq!(
            with(&|d| d.cc = (1..=4).map(|i| format!("c{i}@example.com")).collect()),
            ["many_recipients"]
        );
        // BCC recipients are hidden: any number is fine.
        assert!(
            with(&|d| d.bcc = (1..=20).map(|i| format!("b{i}@example.com")).collect()).is_empty()
        );
        // Quoted history does not count as the agent's words.
        assert_eq!(
            with(&|d| d.body = "您好！\n退款已受理。\n祝好\n\n> 附件是我的订单截图".into()),
            ["attachments_unmentioned"]
        );
    }

    #[test]
    fn meaningful_and_meaningless_names() {
        for bad in [
            "IMG_1234.jpg",
            "DSC00042.JPG",
            "IMG_20261130_101010.png",
            "Screenshot 2026-11-30 at 10.00.00.png",
            "屏幕截图 2026-11-30 101010.png",
            "微信图片_20261130.jpg",
            "新建 Microsoft Word 文档.docx",
            "新建文本文档 (2).txt",
            "未命名.pdf",
            "1.jpg",
            "untitled.txt",
            "document(3).pdf",
            ".pdf",
        ] {
            assert!(meaningless_name(bad), "{bad}");
        }
        for good in [
            "退款单-E1001.pdf",
            "invoice-2026-11.pdf",
            "杯子破损照片.jpg",
            "box-damage.png",
            "image-of-receipt.png",
        ] {
            assert!(!meaningless_name(good), "{good}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const PIECES: &[&str] = &[
            "但是",
            "我不能",
            "不但是",
            "我不能不",
            "这不是我应该做的",
            "but",
            "button",
            "But",
            "I can't",
            "I can’t",
            "not my job",
            "“",
            "”",
            "「",
            "」",
            "\"",
            ">",
            "\n",
            " ",
            "好",
            "é",
            "😀",
            "'",
            "’",
            "I cannot wait",
        ];

        fn check_invariants(text: &str) {
            let g = guard();
            let found = g.check(text);
            let mut last = 0;
            for f in &found {
                assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
                assert!(f.start < f.end && f.end <= text.len());
                assert!(f.start >= last || found.len() > 1, "in reading order");
                last = f.start;
                assert_eq!(text[..f.start].chars().count(), f.char_start);
                assert_eq!(
                    text[f.start..f.end].chars().count(),
                    f.char_end - f.char_start
                );
                let rule = g.rules().iter().find(|r| r.id == f.rule_id).expect("rule");
                let same = f.found.eq_ignore_ascii_case(&rule.phrase)
                    || f.found.replace('’', "'").eq_ignore_ascii_case(&rule.phrase);
                assert!(same, "{:?} for {:?}", f.found, rule.phrase);
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn the_guard_never_panics_on_any_text(text in "\\PC{0,200}") {
                check_invariants(&text);
            }

            #[test]
            fn the_guard_is_consistent_on_tricky_mixes(parts in prop::collection::vec(prop::sample::select(PIECES), 0..80)) {
                let text = parts.concat();
                check_invariants(&text);
                // What follows the reply after a line break changes nothing found in it.
                let more = format!("{text}\n\n好");
                prop_assert_eq!(guard().check(&text), guard().check(&more));
            }

            #[test]
            fn the_etiquette_check_never_panics(
                subject in "\\PC{0,120}",
                body in "\\PC{0,400}",
                names in prop::collection::vec("\\PC{0,30}", 0..8),
                signature in "\\PC{0,60}",
                n in 0usize..10,
            ) {
                let d = MailDraft {
                    subject, body, attachments: names, signature,
                    to: vec!["a@b.example".into(); n], cc: vec![], bcc: vec![],
                };
                let _ = check_mail(&d);
            }
        }

        /// The work grows with the text and no faster: eight times the text takes at most a
        /// few times eight times as long (the best of five runs each, so a busy machine does
        /// not decide it), on text made to be hard: every position starts a phrase, an
        /// exception and a quotation.
        #[test]
        fn the_guard_is_linear_in_the_text_length() {
            let g = guard();
            let unit = "但但是我不能不“但是我不能”I can't but button >但是\n不但是我想我做不了";
            let small = unit.repeat(2_000);
            let large = unit.repeat(16_000);
            let best = |t: &str| {
                (0..5)
                    .map(|_| {
                        let at = std::time::Instant::now();
                        std::hint::black_box(g.check(t));
                        at.elapsed().as_secs_f64()
                    })
                    .fold(f64::MAX, f64::min)
            };
            let (a, b) = (best(&small), best(&large));
            assert!(b < a * 8.0 * 4.0, "8x the text took {:.1}x as long", b / a);
            assert_eq!(g.check(&large).len(), 8 * g.check(&small).len());
        }
    }

    #[test]
    fn language_of_a_text() {
        assert_eq!(language("您好，退款已受理"), "zh");
        assert_eq!(language("Hello, your refund is on its way"), "en");
        assert_eq!(language("订单 E1001 refund"), "zh");
        assert_eq!(language("400-000-0000"), "");
    }
}
