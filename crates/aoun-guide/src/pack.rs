//! The content pack: procedure cards, the lexicon of documents and offices, the phrases
//! the guide says around the facts, and the words that show what a question asks. The
//! format is described in `assets/guide/README.md`.
//!
//! A pack is a folder holding `pack.toml`, `lexicon.toml`, `words.toml` and
//! `cards/*.toml`. Loading checks every rule and reports each problem with its file and
//! line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::guard::{term_in, websites_in};
use crate::lang::Lang;
use crate::normalize::normalize;
use crate::words::{self, Words};

/// The part of a procedure a person asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Aspect {
    /// No particular part: a short overview of the procedure.
    Overview,
    /// Documents to bring.
    Documents,
    /// Fee to pay.
    Fee,
    /// Where to go.
    Place,
    /// Opening hours.
    Hours,
    /// How long it takes.
    Delay,
    /// The steps to follow.
    Steps,
    /// The online alternative.
    Online,
    /// How long the paper stays valid.
    Validity,
}

impl Aspect {
    /// Every aspect a fact can carry (all but [`Aspect::Overview`]).
    pub const FACTS: [Aspect; 8] = [
        Aspect::Documents,
        Aspect::Fee,
        Aspect::Place,
        Aspect::Hours,
        Aspect::Delay,
        Aspect::Steps,
        Aspect::Online,
        Aspect::Validity,
    ];

    /// The name used in the pack files: `documents`, `fee`, `place`, `hours`, `delay`,
    /// `steps`, `online`, `validity` (and `overview`).
    pub fn name(self) -> &'static str {
        match self {
            Aspect::Overview => "overview",
            Aspect::Documents => "documents",
            Aspect::Fee => "fee",
            Aspect::Place => "place",
            Aspect::Hours => "hours",
            Aspect::Delay => "delay",
            Aspect::Steps => "steps",
            Aspect::Online => "online",
            Aspect::Validity => "validity",
        }
    }

    /// Parses a name used in the pack files.
    pub fn from_name(name: &str) -> Option<Aspect> {
        [Aspect::Overview]
            .into_iter()
            .chain(Aspect::FACTS)
            .find(|a| a.name() == name)
    }
}

impl std::fmt::Display for Aspect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who publishes the page a fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// A ministry's, an agency's or the government's own portal, the Bulletin officiel or
    /// a law's text.
    Official,
    /// A newspaper or news site reporting what an administration announced.
    Press,
    /// Any other guide: practical, commercial or foreign sites.
    Guide,
}

impl SourceKind {
    /// Every kind, in the order summaries list them.
    pub const ALL: [SourceKind; 3] = [SourceKind::Official, SourceKind::Press, SourceKind::Guide];

    /// The name used in the pack files: `official`, `press` or `guide`.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Official => "official",
            SourceKind::Press => "press",
            SourceKind::Guide => "guide",
        }
    }

    /// Parses a name used in the pack files.
    pub fn from_name(name: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A text in each language form. Darija is optional: without it, Modern Standard Arabic
/// is used for Darija speakers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangText {
    /// Modern Standard Arabic.
    pub ar: String,
    /// Darija in Arabic script, when the pack has it.
    #[serde(default)]
    pub ary: Option<String>,
    /// French.
    pub fr: String,
    /// English.
    pub en: String,
}

impl LangText {
    /// The text for a language; Darija falls back to Modern Standard Arabic.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.ar,
            Lang::Ary => self.ary.as_deref().unwrap_or(&self.ar),
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }

    /// Every text present, with its language code.
    pub fn all(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![
            ("ar", self.ar.as_str()),
            ("fr", self.fr.as_str()),
            ("en", self.en.as_str()),
        ];
        if let Some(ary) = &self.ary {
            v.push(("ary", ary.as_str()));
        }
        v
    }
}

/// Words and phrases per language form (names of a procedure, or ways people ask for it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrasings {
    /// Modern Standard Arabic.
    #[serde(default)]
    pub ar: Vec<String>,
    /// Darija in Arabic script.
    #[serde(default)]
    pub ary: Vec<String>,
    /// Darija in Latin letters (Arabizi).
    #[serde(default)]
    pub arabizi: Vec<String>,
    /// French.
    #[serde(default)]
    pub fr: Vec<String>,
    /// English.
    #[serde(default)]
    pub en: Vec<String>,
}

impl Phrasings {
    /// Every phrase, all languages together.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.ar
            .iter()
            .chain(&self.ary)
            .chain(&self.arabizi)
            .chain(&self.fr)
            .chain(&self.en)
    }

    /// The phrases of a language: Arabic and Darija (in both scripts) share theirs.
    fn of(&self, lang: Lang) -> impl Iterator<Item = &String> {
        let empty: &[String] = &[];
        let lists: [&[String]; 3] = match lang {
            Lang::Ar => [&self.ar, &self.ary, empty],
            Lang::Ary => [&self.ary, &self.arabizi, &self.ar],
            Lang::Fr => [&self.fr, empty, empty],
            Lang::En => [&self.en, empty, empty],
        };
        lists.into_iter().flatten()
    }

    /// True when `text`, in `lang`, holds one of these phrases of that language (Arabic and
    /// Darija share theirs). A web address is no name: "passeport.ma" does not name the
    /// passport to an English listener.
    pub fn named_in(&self, text: &str, lang: Lang) -> bool {
        let mut text = text.to_lowercase();
        for site in websites_in(&text) {
            text = text.replace(&site, " ");
        }
        let norm = normalize(&text);
        self.of(lang).any(|name| term_in(&norm, name))
    }

    /// The first phrase for a language (Darija falls back to Arabic), if any.
    pub fn first(&self, lang: Lang) -> Option<&str> {
        let list = match lang {
            Lang::Ar => &self.ar,
            Lang::Ary if !self.ary.is_empty() => &self.ary,
            Lang::Ary => &self.ar,
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        };
        list.first().map(String::as_str)
    }
}

/// One sourced fact of a procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The aspect this fact answers.
    pub aspect: Aspect,
    /// The address of the page or legal text the fact comes from.
    pub source: String,
    /// Who publishes that page; a fact without an official source is followed by "check at
    /// the office" when spoken.
    pub source_kind: SourceKind,
    /// The date the fact was checked, `YYYY-MM-DD`.
    pub checked: String,
    /// The amount in dirhams, for a fee.
    pub amount_dh: Option<u32>,
    /// Lexicon ids (documents and offices) this fact names.
    pub refs: Vec<String>,
    /// The short spoken answer (at most two sentences) per language.
    pub say: LangText,
    /// A longer answer given when the person wants the details.
    pub details: Option<LangText>,
}

/// One procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Stable identifier, such as `passport`.
    pub id: String,
    /// Names of the procedure per language form; the first is used when speaking.
    pub names: Phrasings,
    /// Ways people ask for it.
    pub asks: Phrasings,
    /// Lexicon ids (documents and offices) the card names outside its facts, for example
    /// the document the procedure delivers.
    pub refs: Vec<String>,
    /// What an answer about this procedure is about, said before an answer whose first
    /// sentence does not name the procedure: "For the passport:". It names the procedure.
    pub topic: LangText,
    /// A short overview that only restates the facts.
    pub overview: LangText,
    /// The sourced facts; an aspect without a fact is answered with "ask at the office".
    pub facts: Vec<Fact>,
    /// The file the card came from.
    pub file: String,
}

impl Card {
    /// The fact for an aspect, if the card has one.
    pub fn fact(&self, aspect: Aspect) -> Option<&Fact> {
        self.facts.iter().find(|f| f.aspect == aspect)
    }

    /// The name to speak for a language.
    pub fn name(&self, lang: Lang) -> &str {
        self.names.first(lang).unwrap_or(&self.id)
    }

    /// True when `text`, in `lang`, names this procedure by one of its names in that language
    /// (see [`Phrasings::named_in`]).
    pub fn named_in(&self, text: &str, lang: Lang) -> bool {
        self.names.named_in(text, lang)
    }
}

/// Documents and offices the guard knows by name, each with the words that name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Document id → words naming it.
    #[serde(default)]
    pub documents: BTreeMap<String, Vec<String>>,
    /// Office id → words naming it.
    #[serde(default)]
    pub offices: BTreeMap<String, Vec<String>>,
}

impl Lexicon {
    /// True when the id names a document or an office.
    pub fn contains(&self, id: &str) -> bool {
        self.documents.contains_key(id) || self.offices.contains_key(id)
    }
}

/// The phrases said around the facts, per language form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrases {
    /// Asked after a short answer: "Do you want the details?".
    pub details_offer: LangText,
    /// Said when a card has no sourced fact for the aspect asked; `{name}` is the procedure.
    pub ask_office: LangText,
    /// A question back offering two procedures, `{a}` and `{b}`.
    pub clarify: LangText,
    /// Said when nothing was understood.
    pub not_understood: LangText,
    /// Said when a question is about something no card covers: what the guide helps with,
    /// and to ask at the office. Packs made before it say `not_understood` instead.
    #[serde(default)]
    pub out_of_scope: Option<LangText>,
    /// Said when the details were asked but there are none beyond the short answer.
    pub no_more_details: LangText,
    /// Said after a fact whose source is not official: "check this at the counter".
    pub check_office: LangText,
}

/// A loaded and checked content pack.
#[derive(Debug, Clone, PartialEq)]
pub struct Pack {
    /// Name of the pack.
    pub name: String,
    /// Version of the pack, chosen by its editor.
    pub version: String,
    /// Phrases said around the facts.
    pub phrases: Phrases,
    /// Documents and offices known by name.
    pub lexicon: Lexicon,
    /// The stopwords and the cues that show which aspect is asked.
    pub words: Words,
    /// The procedures.
    pub cards: Vec<Card>,
}

/// What a checked pack holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackSummary {
    /// Name of the pack.
    pub name: String,
    /// Version of the pack.
    pub version: String,
    /// Card ids, in file order.
    pub cards: Vec<String>,
    /// Number of sourced facts.
    pub facts: usize,
    /// Oldest `checked` date among the facts.
    pub oldest_check: Option<String>,
    /// Distinct sources cited.
    pub sources: Vec<String>,
    /// Number of facts per kind of source, in the order of [`SourceKind::ALL`].
    pub by_kind: Vec<(SourceKind, usize)>,
}

impl PackSummary {
    /// The share of facts per kind of source, in whole percent, such as
    /// `official 80%, press 15%, guide 5%`.
    pub fn kind_shares(&self) -> String {
        self.by_kind
            .iter()
            .map(|(kind, n)| format!("{kind} {}%", (n * 100 + self.facts / 2) / self.facts.max(1)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What is wrong in a pack file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackProblem {
    /// The file or folder could not be read.
    #[error("it cannot be read ({0})")]
    Unreadable(String),
    /// The file is not valid TOML or does not have the expected fields.
    #[error("{0}")]
    Syntax(String),
    /// A value breaks a rule of the format.
    #[error("{0}")]
    Invalid(String),
}

/// A problem in a content pack, with the file and line where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("In the guide pack file {file} at line {line}: {problem}.")]
pub struct PackError {
    /// The file, relative to the pack folder.
    pub file: String,
    /// The line, counted from 1.
    pub line: usize,
    /// What is wrong.
    pub problem: PackProblem,
}

impl PackError {
    pub(crate) fn invalid(file: &str, line: usize, message: impl Into<String>) -> PackError {
        PackError {
            file: file.to_string(),
            line,
            problem: PackProblem::Invalid(message.into()),
        }
    }
}

/// One pack file's name and text.
#[derive(Debug, Clone)]
pub struct Source {
    /// Name relative to the pack folder, such as `cards/passport.toml`.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// Reads the files of a pack folder: `pack.toml`, `lexicon.toml`, `words.toml` (when the pack
/// has its own), `cards/*.toml`.
pub fn read_dir(dir: &Path) -> Result<Vec<Source>, PackError> {
    let read = |name: &str| -> Result<Source, PackError> {
        std::fs::read_to_string(dir.join(name))
            .map(|text| Source {
                name: name.to_string(),
                text,
            })
            .map_err(|e| PackError {
                file: name.to_string(),
                line: 1,
                problem: PackProblem::Unreadable(e.to_string()),
            })
    };
    let mut out = vec![read("pack.toml")?, read("lexicon.toml")?];
    if dir.join(words::FILE).exists() {
        out.push(read(words::FILE)?);
    }
    let cards_dir = dir.join("cards");
    let entries = std::fs::read_dir(&cards_dir).map_err(|e| PackError {
        file: "cards".into(),
        line: 1,
        problem: PackProblem::Unreadable(e.to_string()),
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    for n in names {
        out.push(read(&format!("cards/{n}"))?);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    name: String,
    version: String,
    phrases: Phrases,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCard {
    id: Spanned<String>,
    names: Spanned<Phrasings>,
    asks: Spanned<Phrasings>,
    #[serde(default)]
    refs: Vec<String>,
    /// Packs made before answers named their procedure have none: the name and a colon.
    #[serde(default)]
    topic: Option<Spanned<LangText>>,
    overview: Spanned<LangText>,
    #[serde(default)]
    fact: Vec<Spanned<RawFact>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    aspect: Spanned<String>,
    #[serde(default)]
    source: String,
    source_kind: Spanned<String>,
    #[serde(default)]
    checked: String,
    #[serde(default)]
    amount_dh: Option<u32>,
    #[serde(default)]
    refs: Vec<String>,
    say: Spanned<LangText>,
    #[serde(default)]
    details: Option<Spanned<LangText>>,
}

/// The line, counted from 1, of a byte offset in a text.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses a pack file, or says where its syntax or fields are wrong.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(src: &Source) -> Result<T, PackError> {
    toml::from_str::<T>(&src.text).map_err(|e| PackError {
        file: src.name.clone(),
        line: e.span().map(|s| line_of(&src.text, s.start)).unwrap_or(1),
        problem: PackProblem::Syntax(e.message().trim().trim_end_matches('.').replace('\n', " ")),
    })
}

/// Longest short answer, in characters.
pub const MAX_SAY_CHARS: usize = 320;
/// Longest details text, in characters.
pub const MAX_DETAILS_CHARS: usize = 900;

/// Parses and checks a whole pack. Every problem found is returned, not only the first.
pub fn build(sources: &[Source]) -> Result<Pack, Vec<PackError>> {
    let mut errors = Vec::new();
    let Some(pack_src) = sources.iter().find(|s| s.name == "pack.toml") else {
        return Err(vec![PackError::invalid(
            "pack.toml",
            1,
            "the file is missing",
        )]);
    };
    let Some(lex_src) = sources.iter().find(|s| s.name == "lexicon.toml") else {
        return Err(vec![PackError::invalid(
            "lexicon.toml",
            1,
            "the file is missing",
        )]);
    };
    let raw_pack = parse::<RawPack>(pack_src).map_err(|e| errors.push(e)).ok();
    let lexicon = parse::<Lexicon>(lex_src).map_err(|e| errors.push(e)).ok();
    let lexicon = lexicon.unwrap_or_default();
    // A pack made before packs carried their words understands questions with Aoun's own.
    let built_in = Source {
        name: words::FILE.into(),
        text: words::BUILT_IN.into(),
    };
    let words_src = sources.iter().find(|s| s.name == words::FILE);
    let words = words::check(words_src.unwrap_or(&built_in), &mut errors);
    if let Some(p) = &raw_pack {
        check_phrases(&p.phrases, pack_src, &mut errors);
    }
    for (id, terms) in lexicon.documents.iter().chain(&lexicon.offices) {
        if terms.iter().all(|t| normalize(t).is_empty()) {
            let line = find_line(&lex_src.text, id);
            errors.push(PackError::invalid(
                &lex_src.name,
                line,
                format!("the entry '{id}' has no words"),
            ));
        }
    }

    let mut cards: Vec<Card> = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for src in sources.iter().filter(|s| s.name.starts_with("cards/")) {
        let raw = match parse::<RawCard>(src) {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(card) = check_card(raw, src, &lexicon, &mut errors) {
            if let Some(other) = seen.get(&card.id) {
                let line = find_line(&src.text, "id");
                errors.push(PackError::invalid(
                    &src.name,
                    line,
                    format!("the card id '{}' is already used by {other}", card.id),
                ));
            } else {
                seen.insert(card.id.clone(), src.name.clone());
                cards.push(card);
            }
        }
    }
    if cards.is_empty() && errors.is_empty() {
        errors.push(PackError::invalid("cards", 1, "the pack has no card"));
    }

    // Every template must pass the guard against its own card.
    if let Some(p) = &raw_pack {
        for card in &cards {
            for (what, text) in card_templates(card) {
                if let Err(v) = crate::guard::check_text(card, &lexicon, text) {
                    let needle = text.chars().take(20).collect::<String>();
                    let src_text = sources
                        .iter()
                        .find(|s| s.name == card.file)
                        .map(|s| s.text.as_str())
                        .unwrap_or("");
                    errors.push(PackError::invalid(
                        &card.file,
                        find_line(src_text, &needle),
                        format!("the {what} text does not pass the guard: {v}"),
                    ));
                }
            }
            for lang in Lang::ALL {
                let said_around = [
                    (
                        "ask_office",
                        p.phrases
                            .ask_office
                            .get(lang)
                            .replace("{name}", card.name(lang)),
                    ),
                    ("check_office", p.phrases.check_office.get(lang).to_string()),
                ];
                for (name, t) in said_around {
                    if let Err(v) = crate::guard::check_text(card, &lexicon, &t) {
                        errors.push(PackError::invalid(
                            &pack_src.name,
                            find_line(&pack_src.text, name),
                            format!(
                                "the {name} phrase does not pass the guard for card '{}': {v}",
                                card.id
                            ),
                        ));
                    }
                }
            }
        }
    }

    match (raw_pack, words, errors.is_empty()) {
        (Some(p), Some(words), true) => Ok(Pack {
            name: p.name,
            version: p.version,
            phrases: p.phrases,
            lexicon,
            words,
            cards,
        }),
        _ => Err(errors),
    }
}

/// Every text a card says, each with what it is: the overview and each fact's words.
pub(crate) fn card_templates(card: &Card) -> Vec<(String, &str)> {
    let mut v: Vec<(String, &str)> = card
        .overview
        .all()
        .into_iter()
        .map(|(l, t)| (format!("overview ({l})"), t))
        .collect();
    for f in &card.facts {
        for (l, t) in f.say.all() {
            v.push((format!("{} say ({l})", f.aspect), t));
        }
        if let Some(d) = &f.details {
            for (l, t) in d.all() {
                v.push((format!("{} details ({l})", f.aspect), t));
            }
        }
    }
    v
}

fn find_line(text: &str, needle: &str) -> usize {
    text.find(needle).map(|o| line_of(text, o)).unwrap_or(1)
}

fn check_phrases(p: &Phrases, src: &Source, errors: &mut Vec<PackError>) {
    let all = [
        ("details_offer", &p.details_offer),
        ("ask_office", &p.ask_office),
        ("clarify", &p.clarify),
        ("not_understood", &p.not_understood),
        ("no_more_details", &p.no_more_details),
        ("check_office", &p.check_office),
    ];
    let optional = p.out_of_scope.as_ref().map(|t| ("out_of_scope", t));
    for (name, t) in all.into_iter().chain(optional) {
        let line = find_line(&src.text, name);
        for (l, text) in t.all() {
            if text.trim().is_empty() {
                errors.push(PackError::invalid(
                    &src.name,
                    line,
                    format!("the phrase {name} is empty in {l}"),
                ));
            }
            if text.chars().any(|c| c.is_ascii_digit()) {
                errors.push(PackError::invalid(
                    &src.name,
                    line,
                    format!(
                        "the phrase {name} in {l} holds a number, which only a card fact may state"
                    ),
                ));
            }
        }
        if name == "clarify" {
            for (l, text) in t.all() {
                if !text.contains("{a}") || !text.contains("{b}") {
                    errors.push(PackError::invalid(
                        &src.name,
                        line,
                        format!("the phrase clarify in {l} must hold {{a}} and {{b}}"),
                    ));
                }
            }
        }
    }
}

fn check_card(
    raw: RawCard,
    src: &Source,
    lexicon: &Lexicon,
    errors: &mut Vec<PackError>,
) -> Option<Card> {
    let file = src.name.as_str();
    let at = |span: std::ops::Range<usize>| line_of(&src.text, span.start);
    let before = errors.len();

    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        errors.push(PackError::invalid(
            file,
            at(raw.id.span()),
            format!("the id '{id}' must be lower-case letters, digits, '-' or '_'"),
        ));
    }
    let names = raw.names.get_ref();
    for (lang, list) in [("ar", &names.ar), ("fr", &names.fr), ("en", &names.en)] {
        if list.iter().all(|n| normalize(n).is_empty()) {
            errors.push(PackError::invalid(
                file,
                at(raw.names.span()),
                format!("the card has no name in {lang}"),
            ));
        }
    }
    let asks = raw.asks.get_ref();
    for (lang, list) in [("ar", &asks.ar), ("fr", &asks.fr), ("en", &asks.en)] {
        if list.is_empty() {
            errors.push(PackError::invalid(
                file,
                at(raw.asks.span()),
                format!("the card has no way of asking in {lang}"),
            ));
        }
    }
    for r in &raw.refs {
        if !lexicon.contains(r) {
            errors.push(PackError::invalid(
                file,
                find_line(&src.text, "refs"),
                format!("the reference '{r}' is not in lexicon.toml"),
            ));
        }
    }
    check_spoken(
        file,
        at(raw.overview.span()),
        "overview",
        raw.overview.get_ref(),
        2,
        MAX_SAY_CHARS,
        errors,
    );

    let mut facts = Vec::new();
    let mut aspects = BTreeSet::new();
    for sf in raw.fact {
        let line = at(sf.span());
        let f = sf.into_inner();
        let aspect = match fact_aspect(src, &f.aspect) {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if !aspects.insert(aspect) {
            errors.push(PackError::invalid(
                file,
                line,
                format!("the aspect '{aspect}' has a second fact in this card"),
            ));
        }
        let source = f.source.trim().to_string();
        if source.chars().count() < 4 {
            errors.push(PackError::invalid(
                file,
                line,
                format!(
                    "the {aspect} fact has no source; a fact without a source must be left out"
                ),
            ));
        } else if let Some(problem) = source_problem(&source) {
            errors.push(PackError::invalid(
                file,
                line,
                format!("the {aspect} fact's source {problem}"),
            ));
        }
        let source_kind = SourceKind::from_name(f.source_kind.get_ref());
        if source_kind.is_none() {
            let known: Vec<&str> = SourceKind::ALL.iter().map(|k| k.name()).collect();
            errors.push(PackError::invalid(
                file,
                at(f.source_kind.span()),
                format!(
                    "the source_kind '{}' is not one of {}",
                    f.source_kind.get_ref(),
                    known.join(", ")
                ),
            ));
        }
        let checked = f.checked.trim().to_string();
        if !valid_date(&checked) {
            errors.push(PackError::invalid(file, line, format!("the {aspect} fact needs checked = \"YYYY-MM-DD\", the date its source was read")));
        }
        if f.amount_dh.is_some() && aspect != Aspect::Fee {
            errors.push(PackError::invalid(
                file,
                line,
                format!("amount_dh belongs to a fee fact, not to {aspect}"),
            ));
        }
        if let Some(amount) = f.amount_dh {
            for (l, t) in f.say.get_ref().all() {
                if !t.contains(&amount.to_string()) {
                    errors.push(PackError::invalid(file, at(f.say.span()), format!("the fee says {amount} dirhams but the {l} text does not state {amount}")));
                }
            }
        }
        for r in &f.refs {
            if !lexicon.contains(r) {
                errors.push(PackError::invalid(
                    file,
                    line,
                    format!("the reference '{r}' is not in lexicon.toml"),
                ));
            }
        }
        check_spoken(
            file,
            at(f.say.span()),
            &format!("{aspect} say"),
            f.say.get_ref(),
            2,
            MAX_SAY_CHARS,
            errors,
        );
        if let Some(d) = &f.details {
            check_spoken(
                file,
                at(d.span()),
                &format!("{aspect} details"),
                d.get_ref(),
                8,
                MAX_DETAILS_CHARS,
                errors,
            );
        }
        let Some(source_kind) = source_kind else {
            continue;
        };
        facts.push(Fact {
            aspect,
            source,
            source_kind,
            checked,
            amount_dh: f.amount_dh,
            refs: f.refs,
            say: f.say.into_inner(),
            details: f.details.map(Spanned::into_inner),
        });
    }
    let names = raw.names.into_inner();
    let topic = match raw.topic {
        Some(topic) => {
            check_topic(file, at(topic.span()), topic.get_ref(), &names, errors);
            topic.into_inner()
        }
        None => topic_from_names(&names, &id),
    };
    if errors.len() > before {
        return None;
    }
    Some(Card {
        id,
        names,
        topic,
        asks: raw.asks.into_inner(),
        refs: raw.refs,
        overview: raw.overview.into_inner(),
        facts,
        file: file.to_string(),
    })
}

/// Longest topic, in characters: a few words before the answer.
const MAX_TOPIC_CHARS: usize = 60;

/// Checks a card's topic: short, no number, and naming the card in every language.
fn check_topic(
    file: &str,
    line: usize,
    topic: &LangText,
    names: &Phrasings,
    errors: &mut Vec<PackError>,
) {
    for (l, text) in topic.all() {
        let problem = if normalize(text).is_empty() {
            Some("is empty".to_string())
        } else if text.chars().count() > MAX_TOPIC_CHARS {
            Some(format!("is longer than {MAX_TOPIC_CHARS} characters"))
        } else if text.chars().any(|c| c.is_ascii_digit()) {
            Some("holds a number, which only a card fact may state".to_string())
        } else if !Lang::from_whisper_code(l).is_some_and(|lang| names.named_in(text, lang)) {
            Some("does not hold one of the card's names".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            errors.push(PackError::invalid(
                file,
                line,
                format!("the topic in {l} {problem}"),
            ));
        }
    }
}

/// The topic of a card that has none: its name and a colon.
fn topic_from_names(names: &Phrasings, id: &str) -> LangText {
    let lead = |lang: Lang, colon: &str| {
        let name = names.first(lang).unwrap_or(id);
        let mut chars = name.chars();
        let capital: String = chars
            .next()
            .into_iter()
            .flat_map(char::to_uppercase)
            .collect();
        format!("{capital}{}{colon}", chars.as_str())
    };
    LangText {
        ar: lead(Lang::Ar, ":"),
        ary: Some(lead(Lang::Ary, ":")),
        fr: lead(Lang::Fr, " :"),
        en: lead(Lang::En, ":"),
    }
}

/// The aspect a fact or a cue list names in a pack file, or the error saying it is not
/// one (the overview is no fact's aspect).
pub(crate) fn fact_aspect(src: &Source, name: &Spanned<String>) -> Result<Aspect, PackError> {
    Aspect::from_name(name.get_ref())
        .filter(|a| *a != Aspect::Overview)
        .ok_or_else(|| {
            let known: Vec<&str> = Aspect::FACTS.iter().map(|a| a.name()).collect();
            PackError::invalid(
                &src.name,
                line_of(&src.text, name.span().start),
                format!(
                    "the aspect '{}' is not one of {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            )
        })
}

/// Checks a spoken text: not empty, short, few sentences, no currency abbreviation.
fn check_spoken(
    file: &str,
    line: usize,
    what: &str,
    t: &LangText,
    max_sentences: usize,
    max_chars: usize,
    errors: &mut Vec<PackError>,
) {
    for (l, text) in t.all() {
        if text.trim().is_empty() {
            errors.push(PackError::invalid(
                file,
                line,
                format!("the {what} text is empty in {l}"),
            ));
            continue;
        }
        if text.chars().count() > max_chars {
            errors.push(PackError::invalid(
                file,
                line,
                format!("the {what} text in {l} is longer than {max_chars} characters"),
            ));
        }
        let n = aoun_core::sentence::count(text);
        if n > max_sentences {
            errors.push(PackError::invalid(
                file,
                line,
                format!(
                    "the {what} text in {l} has {n} sentences, at most {max_sentences} are allowed"
                ),
            ));
        }
        let norm = normalize(text);
        let abbreviated = norm
            .split(' ')
            .any(|w| matches!(w, "dh" | "dhs" | "mad" | "dirh"))
            || text.contains("د.م");
        if abbreviated {
            errors.push(PackError::invalid(file, line, format!("the {what} text in {l} abbreviates the currency; write dirhams or درهم so a voice reads it right")));
        }
    }
}

/// What is wrong with a fact's source, if anything: it must be the web address of the very
/// page (or legal text) read, not a portal's home page nor a name with a comment.
fn source_problem(source: &str) -> Option<String> {
    let Some(rest) = source
        .strip_prefix("https://")
        .or_else(|| source.strip_prefix("http://"))
    else {
        return Some(format!(
            "'{source}' is not a web address; cite the address (https://...) of the page read"
        ));
    };
    if source.chars().any(char::is_whitespace) {
        return Some(format!(
            "'{source}' holds a space; cite only the address of the page read"
        ));
    }
    let path = rest.find(['/', '?', '#']).map_or("", |i| &rest[i..]);
    if is_home_page(path) {
        return Some(format!(
            "'{source}' is a home page; cite the page that states the fact"
        ));
    }
    None
}

/// True when the part of an address after its host names no page: nothing, `/`, a
/// language (`/fr`, `/ar-ma/`), a home file (`/index.php`, `/Pages/Accueil.aspx`,
/// `/fr/web/guest/home`), or these with only a language in the query
/// (`/Accueil.aspx?culture=fr-FR`). A fragment (`#top`) names no page either.
fn is_home_page(path: &str) -> bool {
    let path = path.split('#').next().unwrap_or("");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let home_segment = |segment: &str| {
        let s = segment.to_ascii_lowercase();
        let bytes = s.as_bytes();
        let language = (s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()))
            || (s.len() == 5
                && bytes[2] == b'-'
                && s.chars().filter(|c| c.is_ascii_alphabetic()).count() == 4);
        let stem = s
            .rsplit_once('.')
            .filter(|(_, ext)| {
                matches!(
                    *ext,
                    "php" | "html" | "htm" | "shtml" | "asp" | "aspx" | "jsp"
                )
            })
            .map_or(s.as_str(), |(stem, _)| stem);
        language
            || matches!(
                stem,
                "index"
                    | "default"
                    | "home"
                    | "accueil"
                    | "welcome"
                    | "main"
                    | "portal"
                    | "pages"
                    | "web"
                    | "guest"
            )
    };
    let only_language = |pair: &str| {
        let key = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
        pair.is_empty()
            || matches!(
                key.as_str(),
                "lang" | "language" | "l" | "hl" | "locale" | "culture"
            )
    };
    path.split('/').filter(|s| !s.is_empty()).all(home_segment)
        && query.split('&').all(only_language)
}

fn valid_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        parts[0].parse::<u32>(),
        parts[1].parse::<u32>(),
        parts[2].parse::<u32>(),
    ) else {
        return false;
    };
    (2000..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// Summarises a built pack.
pub fn summary(pack: &Pack) -> PackSummary {
    let facts = pack.cards.iter().map(|c| c.facts.len()).sum();
    let oldest_check = pack
        .cards
        .iter()
        .flat_map(|c| c.facts.iter().map(|f| f.checked.clone()))
        .min();
    let sources: BTreeSet<String> = pack
        .cards
        .iter()
        .flat_map(|c| c.facts.iter().map(|f| f.source.clone()))
        .collect();
    let by_kind = SourceKind::ALL
        .into_iter()
        .map(|kind| {
            let n = pack
                .cards
                .iter()
                .flat_map(|c| &c.facts)
                .filter(|f| f.source_kind == kind)
                .count();
            (kind, n)
        })
        .collect();
    PackSummary {
        name: pack.name.clone(),
        version: pack.version.clone(),
        cards: pack.cards.iter().map(|c| c.id.clone()).collect(),
        facts,
        oldest_check,
        sources: sources.into_iter().collect(),
        by_kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_pages() {
        assert_eq!(
            source_problem("https://www.cnie.ma/fr/premiere-demande"),
            None
        );
        assert_eq!(
            source_problem("http://service-public.ma/web/guest/home?p=1"),
            None
        );
        assert_eq!(
            source_problem("https://watiqa.ma/index.php?page=citoyen.ConditionsUtilisation"),
            None
        );
        assert_eq!(
            source_problem("https://consulat.ma/index.php/nl/strafregister-voor-marokkanen"),
            None
        );
        for home in [
            "https://cnie.ma",
            "https://www.cnss.ma/",
            "cnie.ma/fr/page",
            "https://www.cnie.ma/fr",
            "https://www.cnie.ma/ar/",
            "https://www.service-public.ma/index.php",
            "http://www.cnie.ma/Pages/Accueil.aspx",
            "http://casierjudiciaire.justice.gov.ma/Accueil.aspx?culture=fr-FR",
            "https://www.service-public.ma/fr/web/guest/home",
            "https://www.narsa.ma/fr-fr/#services",
            "https://www.rsu.ma/?lang=ar",
        ] {
            let problem = source_problem(home);
            assert!(problem.is_some(), "{home}");
        }
        let commented = source_problem("https://www.service-public.ma (Etat civil)");
        assert!(commented.is_some_and(|p| p.contains("space")));
    }

    #[test]
    fn shares_are_whole_percent() {
        let summary = PackSummary {
            name: String::new(),
            version: String::new(),
            cards: Vec::new(),
            facts: 3,
            oldest_check: None,
            sources: Vec::new(),
            by_kind: vec![
                (SourceKind::Official, 2),
                (SourceKind::Press, 1),
                (SourceKind::Guide, 0),
            ],
        };
        assert_eq!(summary.kind_shares(), "official 67%, press 33%, guide 0%");
    }

    #[test]
    fn kinds_have_names() {
        for kind in SourceKind::ALL {
            assert_eq!(SourceKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(SourceKind::from_name("blog"), None);
    }

    #[test]
    fn dates_are_checked() {
        assert!(valid_date("2026-11-23"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("23/11/2026"));
    }
}
