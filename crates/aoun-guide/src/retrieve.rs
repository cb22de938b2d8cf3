//! Retrieval: which card a question is about (the aspect asked is found by
//! [`Words::detect_aspect`]).
//!
//! Cards are indexed by the words of their names and of the ways people ask for them.
//! Arabic words are compared by skeleton (no article, no long vowels inside), Latin words
//! exactly or with a small spelling distance, and Arabizi words also through their
//! Arabic transliteration. Rare words weigh more (inverse document frequency). The pack's
//! stopwords and aspect cues are left out: they say nothing about the procedure.
//!
//! The best card is only trusted when it accounts for the whole question, not for one
//! shared word (see [`Hit::covers`]): "permis de construire" shares "permis" with the
//! driving licence, but is about something no card covers. The words of another
//! administration's term ("carte grise", "لاكارط گريز") count as words no card knows, even
//! a card's own word inside one: "the grey card of the car" does not name the ID card.

use std::collections::{HashMap, HashSet};

use crate::lang::{is_arabizi_word, Lang};
use crate::normalize::{arabic_skeletons, arabizi_to_arabic, is_arabic_word, normalize, words};
use crate::pack::Card;
use crate::words::Words;

/// A word of the index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Latin(String),
    Arabic(String),
}

/// A card and how well a question matches it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position of the card in the pack.
    pub card: usize,
    /// Match score; higher is better. Scores above about 3 are confident.
    pub score: f32,
    /// The part of the score earned by words that are not generic: what shows that the
    /// question is about this procedure and not only about a kind of paper.
    pub explained: f32,
    /// The weight of the question's words that this card does not match, each as rare as
    /// the rarest card word it matches; a word no card knows weighs as much as a word of
    /// one card only, since it may well name a procedure of its own.
    pub unexplained: f32,
    /// True when the question holds one of the card's names: all the words of the name
    /// that are not generic ("passeport", "casier judiciaire", "AMO").
    pub named: bool,
}

impl Hit {
    /// True when the question is about this card: it names the card, whatever else it
    /// says ("I travel next month and my passport expired"), or the card explains more of
    /// it than it leaves out. A question that shares a word or two with a card but says
    /// more about something else ("book me a flight to Paris", "permis de construire") is
    /// not about that card.
    pub fn covers(&self) -> bool {
        self.named || self.explained > self.unexplained
    }
}

/// The cards a question matches, and how much of it no card knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// The cards that match a word of the question, best first.
    pub hits: Vec<Hit>,
    /// The weight of the question's words that no card knows.
    pub unknown: f32,
}

/// The retrieval index of a pack.
#[derive(Debug, Clone, Default)]
pub struct Index {
    cards: Vec<HashMap<Key, f32>>,
    /// The names of each card.
    names: Vec<Vec<Name>>,
    idf: HashMap<Key, f32>,
    /// The keys of the pack's generic words.
    generic: HashSet<Key>,
    /// What a word no card knows weighs: as much as a word that only one card knows.
    unknown_weight: f32,
    /// The card words' Arabic skeletons without their last letter.
    stems: HashSet<String>,
    /// Other administrations' terms, each as the keys of its words that are not
    /// stopwords.
    elsewhere: Vec<Vec<Vec<Key>>>,
}

/// A card's name, as the keys of each of its words that is neither a stopword nor generic.
type Name = Vec<Vec<Key>>;

const NAME_WEIGHT: f32 = 2.0;
const ASK_WEIGHT: f32 = 1.0;

fn latin_word_keys(w: &str, arabizi: bool) -> Vec<Key> {
    let mut keys = vec![Key::Latin(w.to_string())];
    if arabizi {
        if let Some(ar) = arabizi_to_arabic(w) {
            keys.extend(arabic_skeletons(&ar).into_iter().map(Key::Arabic));
        }
    }
    keys
}

fn word_keys(w: &str, arabizi: bool) -> Vec<Key> {
    if is_arabic_word(w) {
        arabic_skeletons(w)
            .into_iter()
            .filter(|s| s.chars().count() >= 2)
            .map(Key::Arabic)
            .collect()
    } else {
        latin_word_keys(w, arabizi)
    }
}

impl Index {
    /// Builds the index of a pack's cards, leaving out the pack's stopwords.
    pub fn build(cards: &[Card], stop: &Words) -> Index {
        let generic: HashSet<Key> = stop
            .generic()
            .iter()
            .flat_map(|w| word_keys(w, false))
            .collect();
        let mut per_card: Vec<HashMap<Key, f32>> = Vec::with_capacity(cards.len());
        let mut names: Vec<Vec<Name>> = Vec::with_capacity(cards.len());
        for card in cards {
            let mut keys: HashMap<Key, f32> = HashMap::new();
            let mut add = |phrase: &str, weight: f32, arabizi: bool| {
                let norm = normalize(phrase);
                for w in words(&norm) {
                    if stop.is_stopword(w) {
                        continue;
                    }
                    for k in word_keys(w, arabizi) {
                        let e = keys.entry(k).or_insert(0.0);
                        *e = e.max(weight);
                    }
                }
            };
            let n = &card.names;
            for p in n.ar.iter().chain(&n.ary).chain(&n.fr).chain(&n.en) {
                add(p, NAME_WEIGHT, false);
            }
            for p in &n.arabizi {
                add(p, NAME_WEIGHT, true);
            }
            let a = &card.asks;
            for p in a.ar.iter().chain(&a.ary).chain(&a.fr).chain(&a.en) {
                add(p, ASK_WEIGHT, false);
            }
            for p in &a.arabizi {
                add(p, ASK_WEIGHT, true);
            }
            per_card.push(keys);
            // Arabizi names are kept in Latin letters here: a transliteration is too loose
            // to show that a question names the procedure (الرمادية is not "ramed").
            let name_of = |phrase: &String| -> Name {
                let norm = normalize(phrase);
                words(&norm)
                    .into_iter()
                    .filter(|w| !stop.is_stopword(w))
                    .map(|w| word_keys(w, false))
                    .filter(|keys| !keys.iter().any(|k| generic.contains(k)))
                    .collect()
            };
            let all =
                n.ar.iter()
                    .chain(&n.ary)
                    .chain(&n.fr)
                    .chain(&n.en)
                    .chain(&n.arabizi);
            names.push(all.map(name_of).filter(|name| !name.is_empty()).collect());
        }
        let mut df: HashMap<Key, usize> = HashMap::new();
        for keys in &per_card {
            for k in keys.keys() {
                *df.entry(k.clone()).or_insert(0) += 1;
            }
        }
        let n = per_card.len().max(1) as f32;
        let idf = df
            .into_iter()
            .map(|(k, d)| (k, (1.0 + n / d as f32).ln()))
            .collect();
        let stems = per_card
            .iter()
            .flat_map(|keys| keys.keys())
            .filter_map(stem)
            .collect();
        let elsewhere = stop
            .elsewhere()
            .iter()
            .map(|term| {
                words(term)
                    .into_iter()
                    .filter(|w| !stop.is_stopword(w))
                    .map(|w| word_keys(w, false))
                    .collect::<Vec<_>>()
            })
            .filter(|term| !term.is_empty())
            .collect();
        Index {
            cards: per_card,
            names,
            idf,
            generic,
            unknown_weight: (1.0 + n).ln(),
            stems,
            elsewhere,
        }
    }

    /// Scores every card for a question, best first, leaving out the pack's stopwords.
    /// Cards that match nothing are left out.
    pub fn search(&self, text: &str, lang: Lang, stop: &Words) -> Found {
        let norm = normalize(text);
        let mut query: Vec<QueryWord> = words(&norm)
            .into_iter()
            .filter(|w| !stop.is_stopword(w))
            .take(60)
            .map(|w| self.query_word(w, lang))
            .collect();
        self.set_aside_elsewhere(&mut query);
        let unknown = query.iter().filter(|q| q.unknown).map(|q| q.weight).sum();
        let mut hits: Vec<Hit> = Vec::new();
        for (card, keys) in self.cards.iter().enumerate() {
            let mut hit = Hit {
                card,
                score: 0.0,
                explained: 0.0,
                unexplained: 0.0,
                named: self.names[card].iter().any(|name| holds_name(&query, name)),
            };
            for q in &query {
                let best = self.best_match(&q.keys, keys);
                hit.score += best;
                if best == 0.0 {
                    hit.unexplained += q.weight;
                } else if !q.generic {
                    hit.explained += best;
                }
            }
            if hit.score > 0.0 {
                hits.push(hit);
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.card.cmp(&b.card)));
        Found { hits, unknown }
    }

    /// The keys of a question word and what the word weighs when a card leaves it out.
    fn query_word(&self, w: &str, lang: Lang) -> QueryWord {
        let keys = word_keys(w, lang == Lang::Ary || is_arabizi_word(w));
        let generic = keys.iter().any(|k| self.generic.contains(k));
        // How rare the rarest card word it matches is.
        let rarity = self
            .cards
            .iter()
            .flat_map(|card| card.keys())
            .flat_map(|ck| keys.iter().map(|qk| match_quality(qk, ck) * self.idf(ck)))
            .fold(0.0, f32::max);
        // A number says how old or how many, not what is asked, and a card word with another
        // last letter is that word: neither counts as unknown.
        let unknown =
            rarity == 0.0 && !w.chars().all(|c| c.is_ascii_digit()) && !self.is_related(&keys);
        QueryWord {
            weight: if unknown { self.unknown_weight } else { rarity },
            keys,
            generic,
            unknown,
        }
    }

    /// Turns the words of another administration's term into words no card knows: a
    /// card's word inside the term ("لاكارط" in "لاكارط گريز") then neither names nor
    /// explains that card. Terms are found as consecutive words, stopwords left out, each
    /// word written as in the term.
    fn set_aside_elsewhere(&self, query: &mut [QueryWord]) {
        let mut aside = vec![false; query.len()];
        for start in 0..query.len() {
            for term in &self.elsewhere {
                let Some(span) = query.get(start..start + term.len()) else {
                    continue;
                };
                let found = span
                    .iter()
                    .zip(term)
                    .all(|(q, tkeys)| q.keys.iter().any(|k| tkeys.contains(k)));
                if found {
                    aside[start..start + term.len()].fill(true);
                }
            }
        }
        for (q, aside) in query.iter_mut().zip(aside) {
            if aside {
                q.keys.clear();
                q.generic = false;
                q.unknown = true;
                q.weight = self.unknown_weight;
            }
        }
    }

    fn idf(&self, key: &Key) -> f32 {
        self.idf.get(key).copied().unwrap_or(0.0)
    }

    /// The best score a card's words give one question word: match quality times the
    /// card word's weight and rarity.
    fn best_match(&self, qkeys: &[Key], card: &HashMap<Key, f32>) -> f32 {
        qkeys
            .iter()
            .flat_map(|qk| {
                card.iter()
                    .map(move |(ck, weight)| match_quality(qk, ck) * weight * self.idf(ck))
            })
            .fold(0.0, f32::max)
    }

    /// True when an Arabic key is a card word with another last letter: a suffix, or a
    /// hamza written on another seat (إمضائي, "my signature", and الإمضاء).
    fn is_related(&self, qkeys: &[Key]) -> bool {
        qkeys
            .iter()
            .any(|k| stem(k).is_some_and(|s| self.stems.contains(&s)))
    }
}

/// An Arabic skeleton without its last letter, when three letters or more remain.
fn stem(key: &Key) -> Option<String> {
    match key {
        Key::Arabic(s) if s.chars().count() >= 4 => {
            let mut stem = s.clone();
            stem.pop();
            Some(stem)
        }
        _ => None,
    }
}

/// True when every word of a card's name is matched by a word of the question that is
/// not generic.
fn holds_name(query: &[QueryWord], name: &Name) -> bool {
    name.iter().all(|nkeys| {
        query.iter().filter(|q| !q.generic).any(|q| {
            q.keys
                .iter()
                .any(|qk| nkeys.iter().any(|nk| match_quality(qk, nk) > 0.0))
        })
    })
}

/// A word of a question, ready to be matched.
struct QueryWord {
    keys: Vec<Key>,
    /// A generic word (see [`Words`]) matched by a card does not show that the question is
    /// about that card.
    generic: bool,
    /// No card knows the word.
    unknown: bool,
    /// What the word weighs when a card does not match it.
    weight: f32,
}

/// How well a question word matches a card word: 1 for the same word, less for a near
/// spelling, 0 for no match.
fn match_quality(q: &Key, c: &Key) -> f32 {
    match (q, c) {
        (Key::Arabic(a), Key::Arabic(b)) if a == b => 1.0,
        (Key::Latin(a), Key::Latin(b)) => latin_quality(a, b),
        _ => 0.0,
    }
}

fn latin_quality(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    let shorter = la.min(lb);
    if shorter < 4 {
        return 0.0;
    }
    let prefix = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    if prefix >= 6 && prefix * 10 >= shorter * 7 {
        return 0.8;
    }
    if shorter >= 5 && la.abs_diff(lb) <= 2 {
        let d = levenshtein(a, b);
        if d <= 1 || (shorter >= 8 && d <= 2) {
            return 0.8;
        }
    }
    0.0
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_distance() {
        assert!(latin_quality("pasport", "passport") > 0.0);
        assert!(latin_quality("renouvellement", "renouveler") > 0.0);
        assert_eq!(latin_quality("carte", "casier"), 0.0);
    }
}
