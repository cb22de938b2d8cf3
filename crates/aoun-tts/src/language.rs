//! The voice of one language: verbalization, tashkeel, script runs, loudness.

use std::sync::{Arc, Mutex, MutexGuard};

use aoun_core::{Audio, Lang};

use crate::loudness::Loudness;
use crate::script::{split_runs, Run, Script};
use crate::tashkeel::Diacritizer;
use crate::verbalize::verbalize;
use crate::{stream, TextToSpeech, TtsError};

/// An engine shared by several languages (the French voice also reads French words inside
/// Arabic answers).
pub type SharedEngine = Arc<Mutex<Box<dyn TextToSpeech>>>;

/// Wraps an engine so several [`LanguageVoice`]s can use it.
pub fn share(engine: impl TextToSpeech + 'static) -> SharedEngine {
    Arc::new(Mutex::new(Box::new(engine)))
}

/// A diacritizer shared by the Arabic and Darija voices.
pub type SharedDiacritizer = Arc<Mutex<Diacritizer>>;

/// Pause between two script runs of one sentence, in seconds.
const RUN_GAP_SECS: f32 = 0.06;

fn locked<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What one language sounds like: the text is verbalized in the language (numbers, amounts,
/// dates, times), split by script, Arabic runs diacritized, each run read by the voice for its
/// script, and the sentence brought to a common loudness.
pub struct LanguageVoice {
    lang: Lang,
    arabic: SharedEngine,
    latin: SharedEngine,
    diacritizer: Option<SharedDiacritizer>,
    loudness: Loudness,
    rate: f32,
}

impl std::fmt::Debug for LanguageVoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanguageVoice")
            .field("lang", &self.lang)
            .field("diacritizer", &self.diacritizer.is_some())
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

/// A run ready for a voice: its script and the text that voice will read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRun {
    /// Which voice reads it.
    pub script: Script,
    /// The text, verbalized (and diacritized for Arabic).
    pub text: String,
}

impl LanguageVoice {
    /// A voice for `lang`: `arabic` reads Arabic-script runs, `latin` reads Latin-script runs.
    /// For Arabic and Darija, `latin` should be the French voice; for French and English,
    /// `arabic` is the Arabic voice (for names and words written in Arabic).
    pub fn new(lang: Lang, arabic: SharedEngine, latin: SharedEngine) -> Self {
        Self {
            lang,
            arabic,
            latin,
            diacritizer: None,
            loudness: Loudness::default(),
            rate: 1.0,
        }
    }

    /// Diacritizes Arabic runs before they are read (needed by Piper's Arabic voices).
    pub fn with_diacritizer(mut self, diacritizer: SharedDiacritizer) -> Self {
        self.diacritizer = Some(diacritizer);
        self
    }

    /// Uses another loudness target.
    pub fn with_loudness(mut self, loudness: Loudness) -> Self {
        self.loudness = loudness;
        self
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The script this language is written in.
    fn main_script(&self) -> Script {
        match self.lang {
            Lang::Ar | Lang::Ary => Script::Arabic,
            Lang::Fr | Lang::En => Script::Latin,
        }
    }

    /// Text as the voices will read it: verbalized, split by script, Arabic runs diacritized.
    pub fn prepare(&self, text: &str) -> Result<Vec<PreparedRun>, TtsError> {
        stream::check_speakable(text)?;
        let spoken = verbalize(text, self.lang);
        let mut runs = Vec::new();
        for Run { script, text } in split_runs(&spoken, self.main_script()) {
            let text = match (script, &self.diacritizer) {
                (Script::Arabic, Some(d)) => locked(d).diacritize(&text)?,
                _ => text,
            };
            runs.push(PreparedRun { script, text });
        }
        Ok(runs)
    }

    fn engine(&self, script: Script) -> &SharedEngine {
        match script {
            Script::Arabic => &self.arabic,
            Script::Latin => &self.latin,
        }
    }

    /// Phonemes the voices are given (or, for espeak-ng voices, speak) for each run of `text`.
    pub fn run_phonemes(&self, text: &str) -> Result<Vec<(Script, String)>, TtsError> {
        let mut out = Vec::new();
        for run in self.prepare(text)? {
            let phonemes = locked(self.engine(run.script)).phonemes(&run.text)?;
            out.push((run.script, phonemes.join(" ")));
        }
        Ok(out)
    }

    /// What reads each script, for people.
    pub fn describe_engines(&self) -> (String, String) {
        (
            locked(&self.arabic).describe(),
            locked(&self.latin).describe(),
        )
    }
}

impl TextToSpeech for LanguageVoice {
    fn synthesize(&mut self, text: &str) -> Result<Audio, TtsError> {
        let runs = self.prepare(text)?;
        let mut out: Option<Audio> = None;
        for run in runs {
            if !run.text.chars().any(char::is_alphanumeric) {
                continue;
            }
            let piece = {
                let mut engine = locked(self.engine(run.script));
                engine.set_rate(self.rate);
                engine.synthesize(&run.text)?
            };
            match out.as_mut() {
                None => out = Some(piece),
                Some(all) => all.join(&piece, RUN_GAP_SECS),
            }
        }
        let mut audio = out.ok_or(TtsError::EmptyText)?;
        self.loudness.apply(&mut audio.samples);
        Ok(audio)
    }

    fn set_rate(&mut self, rate: f32) {
        self.rate = rate.clamp(0.5, 2.0);
    }

    fn phonemes(&mut self, text: &str) -> Result<Vec<String>, TtsError> {
        Ok(self
            .run_phonemes(text)?
            .into_iter()
            .map(|(_, p)| p)
            .collect())
    }

    fn describe(&self) -> String {
        let (arabic, latin) = self.describe_engines();
        match self.main_script() {
            Script::Arabic => format!("{arabic} (French words: {latin})"),
            Script::Latin => latin,
        }
    }
}
