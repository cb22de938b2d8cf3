//! The Aoun service guide: what a citizen asks about, and a short, sourced answer.
//!
//! The guide reads a content pack of procedure cards (see `assets/guide/README.md`),
//! understands a question in Modern Standard Arabic, Darija (Arabic script or Arabizi),
//! French or English, finds the procedure and the aspect asked, and answers from the
//! card's templates in the language spoken. It never guesses: below its confidence
//! threshold it asks one short question back or says it did not understand, a question
//! about something no card covers is answered with what the guide can help with, and a
//! missing fact is answered with "ask at the office".
//!
//! For a language model that rephrases answers, [`Guide::grounded_prompt`] builds the
//! prompt and [`Guide::guard`] checks the model's text against the card.
//!
//! ```
//! use aoun_guide::{Dialogue, Guide, Reply};
//! let guide = Guide::embedded();
//! let mut dialogue = Dialogue::default();
//! let reply = guide.respond(&mut dialogue, "Combien coûte le passeport ?", None);
//! assert!(matches!(reply, Reply::Answer(ref a) if a.card_id == "passport"));
//! ```

pub mod answer;
pub mod guard;
pub mod lang;
pub mod normalize;
pub mod pack;
pub mod retrieve;
pub mod words;

use std::path::Path;

pub use answer::{Answer, Prompt, Spoken};
pub use aoun_core::sentence::{Sentence, SentenceKind};
pub use guard::GuardViolation;
pub use lang::Lang;
pub use pack::{
    Aspect, Card, Fact, LangText, Pack, PackError, PackProblem, PackSummary, SourceKind,
};
pub use words::Words;

use normalize::{normalize, words};
use pack::Source;
use retrieve::{Hit, Index};

/// Score from which the best card is answered without asking back.
pub const CONFIDENT_SCORE: f32 = 2.4;
/// Score below which a card is not even offered as an option.
pub const MIN_SCORE: f32 = 1.2;
/// The best card must beat the second by this much to be answered without asking back:
/// the words that tell two procedures apart must weigh at least this.
pub const MIN_GAP: f32 = 1.5;

/// What the guide says back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A grounded answer about one procedure.
    Answer(Answer),
    /// A question back: which of these procedures is meant?
    Clarify {
        /// The question to speak.
        question: String,
        /// Card ids offered, best first.
        options: Vec<String>,
        /// The language of the question.
        lang: Lang,
    },
    /// Nothing was understood well enough to answer or to ask back, or the question is
    /// about something no card covers: the text says what the guide can help with.
    NotUnderstood {
        /// What to speak.
        text: String,
        /// The language of the text.
        lang: Lang,
    },
}

impl Reply {
    /// What to say, sentence by sentence, each with what it is: the topic when the answer
    /// does not name its procedure, the card's sentences, the "check at the office" after a
    /// fact without an official source, and the offer of details; or a question back.
    pub fn sentences(&self) -> Vec<Sentence> {
        match self {
            Reply::Answer(a) => a.spoken().all(),
            Reply::Clarify { question: text, .. } | Reply::NotUnderstood { text, .. } => {
                Sentence::all(text, SentenceKind::QuestionBack)
            }
        }
    }

    /// Everything said, as one text.
    pub fn text(&self) -> String {
        aoun_core::sentence::join(&self.sentences())
    }
}

/// The small state a caller keeps between turns of one conversation, so that follow-ups
/// such as "and how much is it?" are understood.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dialogue {
    /// The card of the last answer.
    pub last_card: Option<String>,
    /// The aspect of the last answer.
    pub last_aspect: Option<Aspect>,
    /// True when the last answer offered details.
    pub offered_details: bool,
    /// Cards offered by the last question back.
    pub pending_options: Vec<String>,
    /// The aspect asked when the question back was made.
    pub pending_aspect: Option<Aspect>,
}

/// The guide: a checked pack and its retrieval index.
#[derive(Debug, Clone)]
pub struct Guide {
    pack: Pack,
    index: Index,
}

/// The pack shipped in `assets/guide/`, built into the binary.
const EMBEDDED: &[(&str, &str)] = &[
    ("pack.toml", include_str!("../../../assets/guide/pack.toml")),
    (
        "lexicon.toml",
        include_str!("../../../assets/guide/lexicon.toml"),
    ),
    (words::FILE, words::BUILT_IN),
    (
        "cards/amo.toml",
        include_str!("../../../assets/guide/cards/amo.toml"),
    ),
    (
        "cards/amo_tadamon.toml",
        include_str!("../../../assets/guide/cards/amo_tadamon.toml"),
    ),
    (
        "cards/birth_extract.toml",
        include_str!("../../../assets/guide/cards/birth_extract.toml"),
    ),
    (
        "cards/birth_full_copy.toml",
        include_str!("../../../assets/guide/cards/birth_full_copy.toml"),
    ),
    (
        "cards/cnie_first.toml",
        include_str!("../../../assets/guide/cards/cnie_first.toml"),
    ),
    (
        "cards/cnie_lost.toml",
        include_str!("../../../assets/guide/cards/cnie_lost.toml"),
    ),
    (
        "cards/cnie_renewal.toml",
        include_str!("../../../assets/guide/cards/cnie_renewal.toml"),
    ),
    (
        "cards/cnss_registration.toml",
        include_str!("../../../assets/guide/cards/cnss_registration.toml"),
    ),
    (
        "cards/criminal_record.toml",
        include_str!("../../../assets/guide/cards/criminal_record.toml"),
    ),
    (
        "cards/direct_social_aid.toml",
        include_str!("../../../assets/guide/cards/direct_social_aid.toml"),
    ),
    (
        "cards/driving_licence_renewal.toml",
        include_str!("../../../assets/guide/cards/driving_licence_renewal.toml"),
    ),
    (
        "cards/family_booklet.toml",
        include_str!("../../../assets/guide/cards/family_booklet.toml"),
    ),
    (
        "cards/family_booklet_duplicate.toml",
        include_str!("../../../assets/guide/cards/family_booklet_duplicate.toml"),
    ),
    (
        "cards/life_certificate.toml",
        include_str!("../../../assets/guide/cards/life_certificate.toml"),
    ),
    (
        "cards/marriage_file.toml",
        include_str!("../../../assets/guide/cards/marriage_file.toml"),
    ),
    (
        "cards/passport.toml",
        include_str!("../../../assets/guide/cards/passport.toml"),
    ),
    (
        "cards/police_record.toml",
        include_str!("../../../assets/guide/cards/police_record.toml"),
    ),
    (
        "cards/residence_certificate.toml",
        include_str!("../../../assets/guide/cards/residence_certificate.toml"),
    ),
    (
        "cards/rsu_registration.toml",
        include_str!("../../../assets/guide/cards/rsu_registration.toml"),
    ),
    (
        "cards/signature_legalisation.toml",
        include_str!("../../../assets/guide/cards/signature_legalisation.toml"),
    ),
];

/// Checks a pack folder and summarises it, or lists every problem found.
pub fn check_pack(dir: &Path) -> Result<PackSummary, Vec<PackError>> {
    let sources = pack::read_dir(dir).map_err(|e| vec![e])?;
    pack::build(&sources).map(|p| pack::summary(&p))
}

/// The sources of the embedded pack, for [`check_sources`] and tests.
pub fn embedded_sources() -> Vec<Source> {
    EMBEDDED
        .iter()
        .map(|(name, text)| Source {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect()
}

/// Checks a pack given as file names and texts.
pub fn check_sources(sources: &[Source]) -> Result<PackSummary, Vec<PackError>> {
    pack::build(sources).map(|p| pack::summary(&p))
}

impl Guide {
    /// Loads and checks the pack in a folder (`pack.toml`, `lexicon.toml`, `words.toml`,
    /// `cards/*.toml`).
    /// Returns the first problem found; [`check_pack`] lists them all.
    pub fn load(dir: &Path) -> Result<Guide, PackError> {
        let sources = pack::read_dir(dir)?;
        Guide::from_sources(&sources).map_err(|mut errors| errors.remove(0))
    }

    /// Builds a guide from pack files given as names and texts.
    pub fn from_sources(sources: &[Source]) -> Result<Guide, Vec<PackError>> {
        let mut built = pack::build(sources)?;
        // `build` never returns Ok without cards, but keep the guarantee local.
        if built.cards.is_empty() {
            return Err(vec![PackError {
                file: "cards".into(),
                line: 1,
                problem: PackProblem::Invalid("the pack has no card".into()),
            }]);
        }
        built.cards.shrink_to_fit();
        let index = Index::build(&built.cards, &built.words);
        Ok(Guide { pack: built, index })
    }

    /// The pack shipped with the application. The shipped pack is checked by the tests;
    /// should it ever fail to load, the guide has no card and only says it did not
    /// understand.
    pub fn embedded() -> Guide {
        match Guide::from_sources(&embedded_sources()) {
            Ok(g) => g,
            Err(errors) => {
                for e in &errors {
                    tracing::error!("embedded guide pack: {e}");
                }
                Guide {
                    pack: empty_pack(),
                    index: Index::default(),
                }
            }
        }
    }

    /// The loaded pack.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// A card by id.
    pub fn card(&self, id: &str) -> Option<&Card> {
        self.pack.cards.iter().find(|c| c.id == id)
    }

    /// Scores the cards for a question, best first (for diagnostics and tests).
    pub fn search(&self, text: &str, lang: Lang) -> Vec<(String, f32)> {
        self.index
            .search(text, lang, &self.pack.words)
            .hits
            .into_iter()
            .filter_map(|h| self.pack.cards.get(h.card).map(|c| (c.id.clone(), h.score)))
            .collect()
    }

    /// The aspect a question asks, if a cue of the pack's words shows it.
    pub fn detect_aspect(&self, text: &str) -> Option<Aspect> {
        self.pack.words.detect_aspect(text)
    }

    /// Answers one turn. `lang_hint` is the language speech recognition heard, if any.
    pub fn respond(&self, dialogue: &mut Dialogue, text: &str, lang_hint: Option<Lang>) -> Reply {
        let lang = lang::detect(text, lang_hint);
        let phrases = &self.pack.phrases;
        if self.pack.cards.is_empty() {
            return self.not_understood(dialogue, lang);
        }
        let aspect = self.detect_aspect(text);
        let found = self.index.search(text, lang, &self.pack.words);
        let hits = found.hits;
        let top = hits.first().copied();
        let second = hits.get(1).copied();

        // "Yes" to "do you want the details?".
        if dialogue.offered_details && is_yes(text) && top.is_none_or(|h| h.score < MIN_SCORE) {
            if let Some(card) = dialogue.last_card.as_deref().and_then(|id| self.card(id)) {
                let a = answer::details_answer(
                    card,
                    dialogue.last_aspect.unwrap_or(Aspect::Overview),
                    lang,
                    phrases,
                    text,
                );
                dialogue.offered_details = false;
                dialogue.last_aspect = Some(a.aspect);
                return Reply::Answer(a);
            }
        }

        // An answer to our own question back.
        if !dialogue.pending_options.is_empty() {
            let options = std::mem::take(&mut dialogue.pending_options);
            let pending_aspect = dialogue.pending_aspect.take();
            let chosen = hits
                .iter()
                .find(|h| {
                    self.pack
                        .cards
                        .get(h.card)
                        .is_some_and(|c| options.contains(&c.id))
                })
                .map(|h| h.card)
                .or_else(|| {
                    ordinal_choice(text)
                        .and_then(|i| options.get(i))
                        .and_then(|id| self.card_index(id))
                });
            if let Some(i) = chosen {
                return self.answer(
                    dialogue,
                    i,
                    aspect.or(pending_aspect).unwrap_or(Aspect::Overview),
                    lang,
                    text,
                );
            }
        }

        // The best card must also explain the question as a whole (see `Hit::covers`),
        // here and for a question back: a shared word is not enough.
        let confident = top.is_some_and(|t| {
            t.covers()
                && t.score >= CONFIDENT_SCORE
                && second.is_none_or(|s| t.score - s.score >= MIN_GAP)
        });
        if let (true, Some(t)) = (confident, top) {
            return self.answer(
                dialogue,
                t.card,
                aspect.unwrap_or(Aspect::Overview),
                lang,
                text,
            );
        }

        // A follow-up about the same procedure: "and how much is it?", but not "and how
        // much is the electricity bill?", whose words no card knows.
        if let (Some(a), Some(last)) = (aspect, dialogue.last_card.clone()) {
            let weak = top.is_none_or(|t| t.score < CONFIDENT_SCORE);
            let same =
                top.is_some_and(|t| self.pack.cards.get(t.card).is_some_and(|c| c.id == last));
            let elsewhere = found.unknown > 0.0 && !top.is_some_and(|t| t.covers());
            if (weak || same) && !elsewhere {
                if let Some(i) = self.card_index(&last) {
                    return self.answer(dialogue, i, a, lang, text);
                }
            }
        }

        // Unsure: offer the closest two procedures.
        let offered = |h: &Hit| h.score >= MIN_SCORE && h.covers();
        if let Some(t) = top.filter(offered) {
            let mut options: Vec<Hit> = vec![t];
            if let Some(s) = second.filter(|s| offered(s) && t.score - s.score < MIN_GAP * 2.0) {
                options.push(s);
            }
            return self.clarify(dialogue, &options, aspect, lang);
        }
        self.not_understood(dialogue, lang)
    }

    /// Builds the grounded prompt for an answer, for a language model that must only
    /// rephrase the card's facts. Returns `None` when the answer's card is not in the pack.
    pub fn grounded_prompt(&self, answer: &Answer) -> Option<Prompt> {
        self.card(&answer.card_id)
            .map(|c| answer::grounded_prompt(c, answer))
    }

    /// Checks a candidate text (from a language model) against the answer's card: every
    /// number, amount, date, document, office and website it names must be stated by the
    /// card, and it must keep the answer's numbers and most of its words. On a violation,
    /// speak `answer.text` instead.
    pub fn guard(&self, answer: &Answer, candidate: &str) -> Result<(), GuardViolation> {
        self.guard_facts(answer, candidate)?;
        guard::check_coverage(&answer.text, candidate)
    }

    /// The part of [`Guide::guard`] that a sentence of a longer answer must pass on its own:
    /// every number, amount, date, document, office and website it names is in the card, and
    /// it names no other procedure.
    pub fn guard_facts(&self, answer: &Answer, candidate: &str) -> Result<(), GuardViolation> {
        let card = self
            .card(&answer.card_id)
            .ok_or_else(|| GuardViolation::UnknownCard(answer.card_id.clone()))?;
        guard::check_text(card, &self.pack.lexicon, candidate)?;
        match guard::other_procedure(card, &self.pack.cards, candidate) {
            Some(name) => Err(GuardViolation::OtherProcedure(name.to_string())),
            None => Ok(()),
        }
    }

    fn card_index(&self, id: &str) -> Option<usize> {
        self.pack.cards.iter().position(|c| c.id == id)
    }

    fn answer(
        &self,
        dialogue: &mut Dialogue,
        card: usize,
        aspect: Aspect,
        lang: Lang,
        text: &str,
    ) -> Reply {
        let Some(card) = self.pack.cards.get(card) else {
            return self.not_understood(dialogue, lang);
        };
        let a = answer::short_answer(card, aspect, lang, &self.pack.phrases, text);
        *dialogue = Dialogue {
            last_card: Some(card.id.clone()),
            last_aspect: Some(aspect),
            offered_details: a.offer.is_some(),
            pending_options: Vec::new(),
            pending_aspect: None,
        };
        Reply::Answer(a)
    }

    fn clarify(
        &self,
        dialogue: &mut Dialogue,
        options: &[Hit],
        aspect: Option<Aspect>,
        lang: Lang,
    ) -> Reply {
        let names: Vec<(String, String)> = options
            .iter()
            .filter_map(|h| self.pack.cards.get(h.card))
            .map(|c| (c.id.clone(), c.name(lang).to_string()))
            .collect();
        let (a, b) = match names.as_slice() {
            [one] => (one.1.clone(), other_word(lang).to_string()),
            [one, two, ..] => (one.1.clone(), two.1.clone()),
            [] => return self.not_understood(dialogue, lang),
        };
        let question = self
            .pack
            .phrases
            .clarify
            .get(lang)
            .replace("{a}", &a)
            .replace("{b}", &b);
        dialogue.pending_options = names.iter().map(|n| n.0.clone()).collect();
        dialogue.pending_aspect = aspect;
        dialogue.offered_details = false;
        Reply::Clarify {
            question,
            options: dialogue.pending_options.clone(),
            lang,
        }
    }

    fn not_understood(&self, dialogue: &mut Dialogue, lang: Lang) -> Reply {
        dialogue.offered_details = false;
        dialogue.pending_options.clear();
        let phrases = &self.pack.phrases;
        let text = if self.pack.cards.is_empty() {
            String::new()
        } else {
            phrases
                .out_of_scope
                .as_ref()
                .unwrap_or(&phrases.not_understood)
                .get(lang)
                .to_string()
        };
        Reply::NotUnderstood { text, lang }
    }
}

fn other_word(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "إجراء آخر",
        Lang::Ary => "شي حاجة أخرى",
        Lang::Fr => "une autre démarche",
        Lang::En => "another procedure",
    }
}

fn empty_pack() -> Pack {
    let t = |s: &str| LangText {
        ar: s.into(),
        ary: None,
        fr: s.into(),
        en: s.into(),
    };
    Pack {
        name: String::new(),
        version: String::new(),
        phrases: pack::Phrases {
            details_offer: t(""),
            ask_office: t(""),
            clarify: t(""),
            not_understood: t(""),
            out_of_scope: None,
            no_more_details: t(""),
            check_office: t(""),
        },
        lexicon: pack::Lexicon::default(),
        words: Words::default(),
        cards: Vec::new(),
    }
}

const YES: &[&str] = &[
    "oui",
    "ouais",
    "yes",
    "yeah",
    "yep",
    "ok",
    "okay",
    "iyeh",
    "iyah",
    "ayeh",
    "eeh",
    "ah",
    "wakha",
    "naam",
    "na3am",
    "bien",
    "volontiers",
    "sure",
    "please",
    "نعم",
    "اه",
    "ايه",
    "واخا",
    "ايوا",
    "اييه",
    "عافاك",
    "تفضل",
    "3afak",
    "details",
    "detail",
    "تفاصيل",
    "التفاصيل",
];

fn is_yes(text: &str) -> bool {
    let norm = normalize(text);
    let ws = words(&norm);
    !ws.is_empty() && ws.len() <= 4 && ws.iter().any(|w| YES.contains(w))
}

/// "The first one", "the second one" in the four languages.
fn ordinal_choice(text: &str) -> Option<usize> {
    let norm = normalize(text);
    let ws = words(&norm);
    let first = [
        "premier",
        "premiere",
        "first",
        "lwla",
        "lowla",
        "lwel",
        "الاولى",
        "الاول",
        "اللولة",
        "اللوله",
        "لولة",
        "لوله",
    ];
    let second = [
        "deuxieme",
        "second",
        "seconde",
        "tanya",
        "tania",
        "tani",
        "الثانيه",
        "الثاني",
        "التانيه",
        "التاني",
        "تانيه",
    ];
    if ws.iter().any(|w| first.contains(w)) {
        Some(0)
    } else if ws.iter().any(|w| second.contains(w)) {
        Some(1)
    } else {
        None
    }
}
