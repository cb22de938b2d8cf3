//! The shipped pack loads, and broken packs are reported with file and line.

use std::path::Path;

use aoun_guide::answer::{details_answer, short_answer};
use aoun_guide::{
    check_pack, check_sources, embedded_sources, Aspect, Dialogue, Guide, Lang, Reply,
};

#[test]
fn shipped_pack_is_valid() {
    match check_sources(&embedded_sources()) {
        Ok(summary) => {
            assert!(summary.cards.len() >= 15, "{:?}", summary.cards);
            assert!(summary.facts >= 60, "{}", summary.facts);
            let counted: usize = summary.by_kind.iter().map(|(_, n)| n).sum();
            assert_eq!(counted, summary.facts);
            println!("{}", summary.kind_shares());
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            panic!("{} problems in the shipped pack", errors.len());
        }
    }
}

fn copy_pack(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/guide");
    std::fs::create_dir_all(to.join("cards")).expect("mkdir");
    for name in ["pack.toml", "lexicon.toml", "words.toml"] {
        std::fs::copy(from.join(name), to.join(name)).expect("copy");
    }
    for e in std::fs::read_dir(from.join("cards"))
        .expect("cards")
        .flatten()
    {
        std::fs::copy(e.path(), to.join("cards").join(e.file_name())).expect("copy card");
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from}");
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn errors_name_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_pack(dir.path());
    let card = dir.path().join("cards/passport.toml");
    // A fact without a source, a bad date, an unknown aspect, an abbreviated currency.
    edit(
        &card,
        "source = \"https://laquotidienne.ma",
        "# source = \"https://laquotidienne.ma",
    );
    edit(
        &card,
        "checked = \"2026-12-07\"",
        "checked = \"3 janvier 2019\"",
    );
    edit(&card, "aspect = \"place\"", "aspect = \"price\"");
    edit(
        &card,
        "fr = \"Le timbre du passeport coûte 500 dirhams.\"",
        "fr = \"Le timbre du passeport coûte 500 DH.\"",
    );
    let errors = check_pack(dir.path()).expect_err("broken pack");
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    for e in &text {
        println!("{e}");
        assert!(
            e.starts_with("In the guide pack file cards/passport.toml at line "),
            "{e}"
        );
        assert!(e.ends_with('.'), "{e}");
    }
    assert!(text.iter().any(|e| e.contains("has no source")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("checked")), "{text:?}");
    assert!(text.iter().any(|e| e.contains("'price'")), "{text:?}");
    assert!(
        text.iter().any(|e| e.contains("abbreviates the currency")),
        "{text:?}"
    );
    let source_error = errors
        .iter()
        .find(|e| e.to_string().contains("has no source"))
        .expect("source error");
    let lines: Vec<&str> = std::fs::read_to_string(&card)
        .map(|t| t.lines().map(str::to_owned).collect::<Vec<_>>())
        .expect("read")
        .leak()
        .iter()
        .map(String::as_str)
        .collect();
    assert!(
        lines[source_error.line - 1].contains("[[fact]]")
            || lines[source_error.line - 1].contains("aspect"),
        "line {}",
        source_error.line
    );
    assert!(Guide::load(dir.path()).is_err());
}

#[test]
fn syntax_errors_and_guard_failures_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_pack(dir.path());
    let card = dir.path().join("cards/residence_certificate.toml");
    // A template stating a number no fact states fails the guard.
    edit(&card, "fr = \"Le certificat de résidence est délivré le jour même par l'arrondissement de police de votre domicile, pour 20 dirhams.\"",
        "fr = \"Le certificat de résidence est délivré en 48 heures par l'arrondissement de police, pour 20 dirhams.\"");
    std::fs::write(
        dir.path().join("cards/zz_broken.toml"),
        "id = \"broken\"\nnames = [\n",
    )
    .expect("write");
    let errors = check_pack(dir.path()).expect_err("broken pack");
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    for e in &text {
        println!("{e}");
    }
    assert!(
        text.iter()
            .any(|e| e.contains("cards/residence_certificate.toml") && e.contains("number 48")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains("cards/zz_broken.toml at line ")),
        "{text:?}"
    );
    // A missing folder is one clear error too.
    let missing = check_pack(&dir.path().join("nope")).expect_err("missing");
    assert_eq!(missing.len(), 1);
    assert!(missing[0].to_string().contains("pack.toml"));
}

#[test]
fn a_pack_made_before_packs_carried_words_understands_with_the_built_in_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_pack(dir.path());
    std::fs::remove_file(dir.path().join("words.toml")).expect("remove");
    check_pack(dir.path()).expect("an older pack is still valid");
    let guide = aoun_guide::Guide::load(dir.path()).expect("it loads");
    assert_eq!(
        guide.detect_aspect("combien coûte le passeport ?"),
        Some(aoun_guide::Aspect::Fee)
    );
    // Given as files, the same.
    let sources: Vec<_> = embedded_sources()
        .into_iter()
        .filter(|s| s.name != "words.toml")
        .collect();
    check_sources(&sources).expect("valid without its words file");
}

#[test]
fn an_administration_can_add_a_cue() {
    let question = "Le passeport sera disponible quand ?";
    assert_eq!(Guide::embedded().detect_aspect(question), None);
    let dir = tempfile::tempdir().expect("tempdir");
    copy_pack(dir.path());
    edit(
        &dir.path().join("words.toml"),
        "aspect = \"delay\"\nweight = 1.5\ncues = [\n",
        "aspect = \"delay\"\nweight = 1.5\ncues = [\n    \"disponible\", \"quand\",\n",
    );
    let guide = Guide::load(dir.path()).expect("the extended pack loads");
    assert_eq!(guide.detect_aspect(question), Some(Aspect::Delay));
    let reply = guide.respond(&mut Dialogue::default(), question, None);
    assert!(
        matches!(&reply, Reply::Answer(a) if a.card_id == "passport" && a.aspect == Aspect::Delay),
        "{reply:?}"
    );
}

#[test]
fn sources_are_pages_of_a_known_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_pack(dir.path());
    let card = dir.path().join("cards/passport.toml");
    edit(&card, "source_kind = \"guide\"", "source_kind = \"blog\"");
    edit(
        &card,
        "source = \"https://laquotidienne.ma/article/economie/passeport-le-tarif-du-timbre-passe-a-500-dh-a-compter-du-1er-janvier-2018\"",
        "source = \"https://laquotidienne.ma/\"",
    );
    // A portal's page in one language is still its home page.
    edit(
        &dir.path().join("cards/cnss_registration.toml"),
        "source = \"https://www.cnss.ma/fr/faq-page/17\"",
        "source = \"https://www.cnss.ma/fr\"",
    );
    let errors = check_pack(dir.path()).expect_err("broken pack");
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let kind = errors
        .iter()
        .find(|e| {
            e.to_string()
                .contains("source_kind 'blog' is not one of official, press, guide")
        })
        .unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(kind.file, "cards/passport.toml");
    let lines: Vec<String> = std::fs::read_to_string(&card)
        .expect("read")
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(lines[kind.line - 1].contains("blog"), "line {}", kind.line);
    assert!(
        text.iter()
            .any(|e| e.contains("'https://laquotidienne.ma/' is a home page")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains("'https://www.cnss.ma/fr' is a home page")),
        "{text:?}"
    );
}

#[test]
fn a_fact_without_an_official_source_is_followed_by_check_at_the_office() {
    let guide = Guide::embedded();
    let pack = guide.pack();
    let card = |id: &str| pack.cards.iter().find(|c| c.id == id).expect("card");
    // The passport fee comes from a newspaper, the residence certificate fee from the
    // government's portal.
    for lang in Lang::ALL {
        let press = short_answer(card("passport"), Aspect::Fee, lang, &pack.phrases, "");
        assert_eq!(
            press.caution.as_deref(),
            Some(pack.phrases.check_office.get(lang)),
            "{lang:?}"
        );
        let official = short_answer(
            card("residence_certificate"),
            Aspect::Fee,
            lang,
            &pack.phrases,
            "",
        );
        assert_eq!(official.caution, None, "{lang:?}");
    }
    // It is said after the fact and before the offer of details.
    let reply = guide.respond(
        &mut Dialogue::default(),
        "Quels papiers pour le passeport ?",
        None,
    );
    let said: Vec<String> = reply.sentences().into_iter().map(|s| s.text).collect();
    let caution = pack.phrases.check_office.get(Lang::Fr);
    let at = said
        .iter()
        .position(|s| s == caution)
        .expect("caution said");
    assert_eq!(
        said.last().map(String::as_str),
        Some("Voulez-vous les détails ?")
    );
    assert_eq!(at, said.len() - 2, "{said:?}");
    // Saying there is nothing more states no fact, so it needs no caution.
    let fee = card("passport").fact(Aspect::Fee).expect("fee");
    assert!(fee.details.is_none());
    let more = details_answer(card("passport"), Aspect::Fee, Lang::En, &pack.phrases, "");
    assert_eq!(more.caution, None);
}

#[test]
fn a_topic_must_name_its_card_and_a_card_without_one_is_led_by_its_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_pack(dir.path());
    let card = dir.path().join("cards/passport.toml");
    edit(
        &card,
        "en = \"For the passport:\"",
        "en = \"For this paper:\"",
    );
    let errors = check_pack(dir.path()).expect_err("a topic without the card's name");
    assert!(
        errors.iter().any(|e| e.file == "cards/passport.toml"
            && e.to_string()
                .contains("the topic in en does not hold one of the card's names")),
        "{errors:?}"
    );

    // A card made before cards had a topic is led by its first name.
    let text = std::fs::read_to_string(&card).expect("read");
    let start = text.find("[topic]").expect("a topic");
    let end = start + text[start..].find("[overview]").expect("an overview");
    std::fs::write(&card, format!("{}{}", &text[..start], &text[end..])).expect("write");
    let guide = Guide::load(dir.path()).expect("an older card is still valid");
    let reply = guide.respond(
        &mut Dialogue::default(),
        "What documents for a passport?",
        None,
    );
    let Reply::Answer(answer) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(answer.topic.as_deref(), Some("Passport:"));
    let reply = guide.respond(
        &mut Dialogue::default(),
        "Quels papiers pour le passeport ?",
        None,
    );
    assert!(reply.text().starts_with("Passeport : "), "{}", reply.text());
}
