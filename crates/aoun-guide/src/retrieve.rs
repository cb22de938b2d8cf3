//! Retrieval: which card a question is about (the aspect asked is found by
//! [`Words::detect_aspect`]).
//!
//! Cards are indexed by the words of their names and of the ways people ask for them.
//! Arabic words are compared by skeleton (no article, no long vowels inside), Latin words
//! exactly or with a small spelling distance, and Arabizi words also through their
//! Arabic transliteration. Rare words weigh more (inverse document frequency). The pack's
//! stopwords and aspect cues are left out: they say nothing about the procedure.

use std::collections::HashMap;

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
}

/// The retrieval index of a pack.
#[derive(Debug, Clone, Default)]
pub struct Index {
    cards: Vec<HashMap<Key, f32>>,
    idf: HashMap<Key, f32>,
}

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
        let mut per_card: Vec<HashMap<Key, f32>> = Vec::with_capacity(cards.len());
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
        Index {
            cards: per_card,
            idf,
        }
    }

    /// Scores every card for a question, best first, leaving out the pack's stopwords.
    /// Cards that match nothing are left out.
    pub fn search(&self, text: &str, lang: Lang, stop: &Words) -> Vec<Hit> {
        let norm = normalize(text);
        let query: Vec<Vec<Key>> = words(&norm)
            .into_iter()
            .filter(|w| !stop.is_stopword(w))
            .take(60)
            .map(|w| word_keys(w, lang == Lang::Ary || is_arabizi_word(w)))
            .collect();
        let mut hits: Vec<Hit> = Vec::new();
        for (i, keys) in self.cards.iter().enumerate() {
            let mut score = 0.0;
            for qkeys in &query {
                let mut best: f32 = 0.0;
                for qk in qkeys {
                    for (ck, weight) in keys {
                        let quality = match_quality(qk, ck);
                        if quality > 0.0 {
                            let idf = self.idf.get(ck).copied().unwrap_or(0.0);
                            best = best.max(quality * weight * idf);
                        }
                    }
                }
                score += best;
            }
            if score > 0.0 {
                hits.push(Hit { card: i, score });
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.card.cmp(&b.card)));
        hits
    }
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
