//! Which voice speaks each language: an installed Piper voice for that language when there is
//! one, else espeak-ng's own voice, so Arabic, Darija, French and English are never silent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aoun_core::Lang;

use crate::espeak::EspeakVoice;
use crate::language::{share, LanguageVoice, SharedDiacritizer, SharedEngine};
use crate::tashkeel::Diacritizer;
use crate::{PiperVoice, TtsError};

/// An installed Piper voice offered to the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceCandidate {
    /// Model id (from the manifest), for messages.
    pub id: String,
    /// Languages the voice is meant for.
    pub languages: Vec<Lang>,
    /// Its `.onnx` model (the `.onnx.json` config sits beside it).
    pub model: PathBuf,
}

/// What will speak a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceSource {
    /// A Piper voice.
    Piper {
        /// Model id.
        id: String,
        /// Model file.
        model: PathBuf,
    },
    /// espeak-ng's own voice.
    Espeak {
        /// espeak-ng voice name.
        voice: String,
    },
}

impl std::fmt::Display for VoiceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VoiceSource::Piper { id, .. } => write!(f, "Piper {id}"),
            VoiceSource::Espeak { voice } => write!(f, "espeak-ng {voice}"),
        }
    }
}

/// The voice chosen for one language, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceChoice {
    /// The language.
    pub lang: Lang,
    /// What speaks it.
    pub source: VoiceSource,
    /// Why, in one sentence.
    pub reason: String,
}

/// espeak-ng's voice for a language. espeak-ng has no Darija voice: its Arabic voice reads it.
pub fn espeak_voice_for(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar | Lang::Ary => "ar",
        Lang::Fr => "fr",
        Lang::En => "en-us",
    }
}

/// Chooses a voice per language (in [`Lang::ALL`] order) from the installed Piper voices:
/// the first voice declared for the language; for Darija, else an Arabic voice; else espeak-ng.
pub fn choose_voices(candidates: &[VoiceCandidate]) -> Vec<VoiceChoice> {
    Lang::ALL
        .iter()
        .map(|&lang| {
            let own = candidates.iter().find(|c| c.languages.contains(&lang));
            if let Some(c) = own {
                return VoiceChoice {
                    lang,
                    source: VoiceSource::Piper {
                        id: c.id.clone(),
                        model: c.model.clone(),
                    },
                    reason: format!("the Piper voice {} is installed for `{lang}`", c.id),
                };
            }
            let arabic = (lang == Lang::Ary)
                .then(|| candidates.iter().find(|c| c.languages.contains(&Lang::Ar)))
                .flatten();
            if let Some(c) = arabic {
                return VoiceChoice {
                    lang,
                    source: VoiceSource::Piper {
                        id: c.id.clone(),
                        model: c.model.clone(),
                    },
                    reason: format!(
                        "no Darija voice is installed, so the Arabic Piper voice {} reads Darija",
                        c.id
                    ),
                };
            }
            let voice = espeak_voice_for(lang);
            VoiceChoice {
                lang,
                source: VoiceSource::Espeak {
                    voice: voice.to_string(),
                },
                reason: format!(
                    "no Piper voice is installed for `{lang}`, so espeak-ng's own `{voice}` voice speaks it"
                ),
            }
        })
        .collect()
}

/// The loaded voices of every language, sharing engines between languages.
pub struct VoiceSet {
    /// One voice per language, in [`Lang::ALL`] order.
    pub voices: Vec<LanguageVoice>,
    /// What speaks each language and why (after any fallback while loading).
    pub choices: Vec<VoiceChoice>,
    /// Whether Arabic runs are diacritized, and if not why.
    pub diacritizer: Result<(), String>,
}

impl std::fmt::Debug for VoiceSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceSet")
            .field("choices", &self.choices)
            .field("diacritizer", &self.diacritizer)
            .finish_non_exhaustive()
    }
}

impl VoiceSet {
    /// Loads the voices [`choose_voices`] picks. A Piper voice that fails to load is replaced by
    /// espeak-ng (the reason says so); `tashkeel` is the diacritizer folder, used for every
    /// Arabic run when it loads. [`crate::SpeechRuntime::init`] must have succeeded first.
    pub fn load(candidates: &[VoiceCandidate], tashkeel: Option<&Path>) -> Result<Self, TtsError> {
        let mut choices = choose_voices(candidates);
        let mut piper: HashMap<String, SharedEngine> = HashMap::new();
        let mut espeak: HashMap<String, SharedEngine> = HashMap::new();
        let mut engines: Vec<SharedEngine> = Vec::new();
        for choice in &mut choices {
            let engine = match &choice.source {
                VoiceSource::Piper { id, model } => match piper.get(id) {
                    Some(e) => Some(Arc::clone(e)),
                    None => match PiperVoice::load(model) {
                        Ok(v) => {
                            let e = share(v);
                            piper.insert(id.clone(), Arc::clone(&e));
                            Some(e)
                        }
                        Err(e) => {
                            tracing::warn!(voice = %id, error = %e, "Piper voice not loaded");
                            let voice = espeak_voice_for(choice.lang).to_string();
                            choice.reason = format!(
                                "{e}; espeak-ng's own `{voice}` voice speaks `{}` instead",
                                choice.lang
                            );
                            choice.source = VoiceSource::Espeak { voice };
                            None
                        }
                    },
                },
                VoiceSource::Espeak { .. } => None,
            };
            let engine = match (engine, &choice.source) {
                (Some(e), _) => e,
                (None, VoiceSource::Espeak { voice }) => match espeak.get(voice) {
                    Some(e) => Arc::clone(e),
                    None => {
                        let e = share(EspeakVoice::new(voice)?);
                        espeak.insert(voice.clone(), Arc::clone(&e));
                        e
                    }
                },
                (None, VoiceSource::Piper { .. }) => {
                    return Err(TtsError::Engine("a voice was chosen but not loaded".into()))
                }
            };
            engines.push(engine);
        }
        let engine_of = |lang: Lang| {
            let i = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
            Arc::clone(&engines[i])
        };
        let (diacritizer, diacritizer_state): (Option<SharedDiacritizer>, _) = match tashkeel {
            None => (None, Err("no diacritizer is installed".to_string())),
            Some(dir) => match Diacritizer::load(dir) {
                Ok(d) => (Some(Arc::new(Mutex::new(d))), Ok(())),
                Err(e) => {
                    tracing::warn!(error = %e, "diacritizer not loaded");
                    (None, Err(e.to_string()))
                }
            },
        };
        let voices = Lang::ALL
            .iter()
            .map(|&lang| {
                let (arabic, latin) = match lang {
                    Lang::Ar | Lang::Ary => (engine_of(lang), engine_of(Lang::Fr)),
                    Lang::Fr | Lang::En => (engine_of(Lang::Ar), engine_of(lang)),
                };
                let voice = LanguageVoice::new(lang, arabic, latin);
                match &diacritizer {
                    Some(d) => voice.with_diacritizer(Arc::clone(d)),
                    None => voice,
                }
            })
            .collect();
        Ok(Self {
            voices,
            choices,
            diacritizer: diacritizer_state,
        })
    }

    /// The voice of `lang`.
    pub fn voice_mut(&mut self, lang: Lang) -> Option<&mut LanguageVoice> {
        self.voices.iter_mut().find(|v| v.lang() == lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, langs: &[Lang]) -> VoiceCandidate {
        VoiceCandidate {
            id: id.into(),
            languages: langs.to_vec(),
            model: PathBuf::from(format!("{id}.onnx")),
        }
    }

    #[test]
    fn espeak_speaks_every_language_without_piper_voices() {
        let choices = choose_voices(&[]);
        assert_eq!(choices.len(), 4);
        for c in &choices {
            assert!(matches!(c.source, VoiceSource::Espeak { .. }), "{c:?}");
        }
        assert_eq!(choices[1].source.to_string(), "espeak-ng ar");
    }

    #[test]
    fn piper_voices_win_and_darija_falls_back_to_arabic() {
        let choices = choose_voices(&[
            candidate("joe", &[Lang::En]),
            candidate("kareem", &[Lang::Ar]),
        ]);
        let names: Vec<String> = choices.iter().map(|c| c.source.to_string()).collect();
        assert_eq!(
            names,
            ["Piper kareem", "Piper kareem", "espeak-ng fr", "Piper joe"]
        );
        assert!(choices[1].reason.contains("Darija"));

        let choices = choose_voices(&[
            candidate("kareem", &[Lang::Ar]),
            candidate("darija", &[Lang::Ary]),
        ]);
        assert_eq!(choices[1].source.to_string(), "Piper darija");
    }
}
