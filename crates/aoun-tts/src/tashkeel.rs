//! Arabic diacritization (tashkeel): Piper's Arabic voices were trained on fully vowelled text
//! and mispronounce bare letters, so short vowels, tanween, shadda and sukun are added first.
//!
//! The model is libtashkeel's ONNX character tagger (as shipped with piper-tts). Inputs, for one
//! batch row of `n` characters: `char_inputs` (int64 ids from `input_id_map.json`),
//! `diac_inputs` (int64 ids of the marks already written, from `hint_id_map.json`) and
//! `input_lengths` (int64 `[n]`). Output `predictions` holds one uint8 id per character, read
//! through `target_id_map.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::Tensor;

use crate::TtsError;

/// Longest text diacritized in one pass; longer text is done in pieces split at spaces.
const CHUNK_CHARS: usize = 2_000;
/// Stands for every digit in the model's alphabet.
const NUMERAL_SYMBOL: char = '#';

/// Tanween, short vowels, shadda and sukun (U+064B to U+0652).
fn is_mark(c: char) -> bool {
    ('\u{064B}'..='\u{0652}').contains(&c)
}

/// The diacritizer model and its character maps.
pub struct Diacritizer {
    session: Session,
    input_ids: HashMap<char, i64>,
    hint_ids: HashMap<String, i64>,
    targets: HashMap<u8, String>,
}

impl std::fmt::Debug for Diacritizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diacritizer")
            .field("alphabet", &self.input_ids.len())
            .finish_non_exhaustive()
    }
}

impl Diacritizer {
    /// Loads `model.onnx`, `input_id_map.json`, `hint_id_map.json` and `target_id_map.json`
    /// from `dir`. The speech runtime must be initialised ([`crate::SpeechRuntime::init`]).
    pub fn load(dir: &Path) -> Result<Self, TtsError> {
        let error = |reason: String| TtsError::Diacritizer {
            path: dir.display().to_string(),
            reason,
        };
        if !crate::piper::runtime_ready() {
            return Err(error("the speech engine library is not loaded".into()));
        }
        let input_ids: HashMap<char, i64> = read_map(&dir.join("input_id_map.json"))
            .map_err(&error)?
            .into_iter()
            .filter_map(|(k, v)| single_char(&k).map(|c| (c, v)))
            .collect();
        let hint_ids = read_map(&dir.join("hint_id_map.json")).map_err(&error)?;
        let targets: HashMap<u8, String> = read_map(&dir.join("target_id_map.json"))
            .map_err(&error)?
            .into_iter()
            .filter(|(k, _)| k != "_")
            .filter_map(|(k, v)| u8::try_from(v).ok().map(|id| (id, k)))
            .collect();
        if input_ids.is_empty() || !hint_ids.contains_key("") || targets.is_empty() {
            return Err(error(
                "its character maps are empty or lack the no-mark entry".into(),
            ));
        }
        let model = dir.join("model.onnx");
        if !model.is_file() {
            return Err(error("model.onnx does not exist".into()));
        }
        let session = aoun_onnx::session(&model, None)
            .map_err(|e| error(format!("onnxruntime cannot load model.onnx ({e})")))?;
        Ok(Self {
            session,
            input_ids,
            hint_ids,
            targets,
        })
    }

    /// Adds the missing marks to the Arabic letters of `text`. Marks already written are kept
    /// (and given to the model as hints); other characters pass through unchanged.
    pub fn diacritize(&mut self, text: &str) -> Result<String, TtsError> {
        let mut out = String::with_capacity(text.len() * 2);
        for piece in chunks(text, CHUNK_CHARS) {
            out.push_str(&self.diacritize_piece(piece)?);
        }
        Ok(out)
    }

    fn diacritize_piece(&mut self, text: &str) -> Result<String, TtsError> {
        // Each base character the model knows, with the marks written after it.
        struct Base {
            c: char,
            known: bool,
            marks: String,
        }
        let mut bases: Vec<Base> = Vec::new();
        let mut leading = String::new();
        for c in text.chars() {
            if is_mark(c) {
                match bases.last_mut() {
                    Some(b) => b.marks.push(c),
                    None => leading.push(c),
                }
                continue;
            }
            let known = self.input_ids.contains_key(&c) || c.is_ascii_digit();
            bases.push(Base {
                c,
                known,
                marks: String::new(),
            });
        }
        // A word written with marks is kept as written: the writer vowelled it on purpose.
        let mut vowelled = vec![false; bases.len()];
        let mut start = 0;
        for end in 0..=bases.len() {
            if end == bases.len() || !is_arabic_letter(bases[end].c) {
                let any = bases[start..end].iter().any(|b| !b.marks.is_empty());
                vowelled[start..end].fill(any);
                start = end + 1;
            }
        }
        let needs_marks = bases
            .iter()
            .zip(&vowelled)
            .any(|(b, v)| !v && is_arabic_letter(b.c));
        let known: Vec<&Base> = bases.iter().filter(|b| b.known).collect();
        if !needs_marks {
            return Ok(text.to_string());
        }
        let char_ids: Vec<i64> = known
            .iter()
            .map(|b| {
                let c = if b.c.is_ascii_digit() {
                    NUMERAL_SYMBOL
                } else {
                    b.c
                };
                self.input_ids.get(&c).copied().unwrap_or(0)
            })
            .collect();
        let empty_hint = self.hint_ids.get("").copied().unwrap_or(1);
        let hint_ids: Vec<i64> = known
            .iter()
            .map(|b| self.hint_ids.get(&b.marks).copied().unwrap_or(empty_hint))
            .collect();
        let predicted = self.run(char_ids, hint_ids)?;

        let mut out = String::with_capacity(text.len() * 2);
        out.push_str(&leading);
        let mut k = 0;
        for (base, vowelled) in bases.iter().zip(&vowelled) {
            out.push(base.c);
            if !base.known {
                out.push_str(&base.marks);
                continue;
            }
            let id = predicted.get(k).copied().unwrap_or(0);
            k += 1;
            if *vowelled || !base.marks.is_empty() {
                out.push_str(&base.marks);
            } else if is_arabic_letter(base.c) {
                if let Some(marks) = self.targets.get(&id) {
                    out.push_str(marks);
                }
            }
        }
        Ok(out)
    }

    fn run(&mut self, char_ids: Vec<i64>, hint_ids: Vec<i64>) -> Result<Vec<u8>, TtsError> {
        let n = char_ids.len();
        let engine = |e: ort::Error| TtsError::Engine(format!("the diacritizer failed ({e})"));
        let chars = Tensor::from_array(([1usize, n], char_ids)).map_err(engine)?;
        let hints = Tensor::from_array(([1usize, n], hint_ids)).map_err(engine)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(engine)?;
        let outputs = self
            .session
            .run(ort::inputs![
                "char_inputs" => chars,
                "diac_inputs" => hints,
                "input_lengths" => lengths,
            ])
            .map_err(engine)?;
        let predictions = outputs.get("predictions").ok_or_else(|| {
            TtsError::Engine("the diacritizer gave no `predictions` output".into())
        })?;
        let (_, ids) = predictions.try_extract_tensor::<u8>().map_err(engine)?;
        Ok(ids.to_vec())
    }
}

/// An Arabic letter that can carry a mark (not a digit, punctuation or tatweel).
fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}')
}

fn single_char(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

fn read_map(path: &PathBuf) -> Result<HashMap<String, i64>, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name} cannot be read ({e})"))?;
    serde_json::from_str(&text).map_err(|e| format!("{name} is not a JSON map of ids ({e})"))
}

/// Splits long text at spaces into pieces of at most about `max` characters.
fn chunks(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max {
        let limit = rest
            .char_indices()
            .nth(max)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let cut = rest[..limit].rfind(' ').filter(|&i| i > 0).unwrap_or(limit);
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cut_at_spaces_and_keep_every_character() {
        let text = "ab cd ef gh";
        let pieces = chunks(text, 4);
        assert_eq!(pieces.concat(), text);
        assert!(pieces.iter().all(|p| p.chars().count() <= 4));
        assert_eq!(chunks("", 4), Vec::<&str>::new());
        assert_eq!(chunks("abcdefghij", 4).concat(), "abcdefghij");
    }

    #[test]
    fn marks_and_letters() {
        assert!(is_mark('\u{064E}'));
        assert!(!is_mark('ا'));
        assert!(is_arabic_letter('ب'));
        assert!(!is_arabic_letter('١'));
    }
}
