//! Assembles Aoun's engines from the model store.
//!
//! The command line, the desktop app and the tests all load engines the same way: speech
//! recognition, the language model (optional), a voice per language and the content pack, each
//! step reported to a [`LoadProgress`] so a long load shows where it is. Signed office updates
//! of the content pack and the models are installed here too ([`install_update`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use aoun_audio::{Audio, EnergyVad, SileroVad, SmartTurn, TurnDetector, Vad};
use aoun_guide::{Guide, Lang};
use aoun_llm::{
    AnswererCounts, GgufModel, LanguageModel, OpenAiServer, ServerOptions, WithFallback,
};
use aoun_models::{ModelKind, ModelStore};
use aoun_session::{
    AnswerReport, LiveConfig, LiveSession, Phraser, Pipeline, Question, TurnReport, Voice,
};
use aoun_stt::{WhisperOptions, WhisperStt};
use aoun_tts::{SpeechRuntime, TextToSpeech, VoiceCandidate, VoiceSet, VoiceSource};
use serde::Serialize;

mod device;
mod memory;
mod update;

pub use device::{for_language_model, DeviceChoice, Devices};
pub use update::{
    install_guide, install_update, installed_guide, installed_guide_dir, sign_update, Installed,
    GUIDE_DIR_ENV,
};

/// The speech recognition model of the registry pack.
const STT_MODEL: &str = "whisper-base";
/// The language model of the registry pack.
const LLM_MODEL: &str = "smollm2-135m-instruct";
/// How long a failed office server is left alone before it is tried again.
const SERVER_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The voice detector of the registry pack.
const VAD_MODEL: &str = "silero-vad";
/// The end-of-turn detector of the registry pack.
const TURN_MODEL: &str = "smart-turn";
/// The onnxruntime library of the registry pack, which the voices and the detector run on.
const ONNXRUNTIME: &str = "onnxruntime";
/// The espeak-ng data folder's model id.
const ESPEAK_DATA: &str = "espeak-ng-data";
/// The Arabic diacritizer of the registry pack.
const TASHKEEL_MODEL: &str = "tashkeel";

/// Which engines to load and how: the choices shared by every way of running Aoun.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct Setup {
    /// Language spoken (ar, fr, en; `ary` for Darija with `ask`); detected when left out.
    #[cfg_attr(feature = "clap", arg(long))]
    pub lang: Option<String>,
    /// Content pack folder (default: the pack installed with `aoun pack install`, else the pack
    /// built into the program).
    #[cfg_attr(feature = "clap", arg(long, value_name = "DIR"))]
    pub guide: Option<PathBuf>,
    /// Phrase answers with this GGUF chat model instead of the pack's; it answers in the
    /// languages its file declares (`general.languages`).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "FILE.gguf", conflicts_with = "no_llm")
    )]
    pub llm: Option<PathBuf>,
    /// Answer from the content pack's templates only, without the language model.
    #[cfg_attr(feature = "clap", arg(long))]
    pub no_llm: bool,
    /// Phrase answers with the language model of an office server (OpenAI-compatible chat
    /// completions, such as the llama.cpp server or vLLM) at this address; the local model, when
    /// installed, answers whenever the server is unreachable or too slow.
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "URL", conflicts_with = "no_llm")
    )]
    pub llm_server: Option<String>,
    /// Milliseconds the office server has for the first words of an answer (default 1500).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "MS", requires = "llm_server")
    )]
    pub llm_deadline_ms: Option<u64>,
    /// Model name sent to the office server (vLLM wants the name it serves).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "NAME", requires = "llm_server")
    )]
    pub llm_server_model: Option<String>,
    /// Languages the office server's model answers in (ar, ary, fr, en; comma-separated); by
    /// default those of the local model.
    #[cfg_attr(
        feature = "clap",
        arg(
            long,
            value_name = "LANGS",
            value_delimiter = ',',
            requires = "llm_server"
        )
    )]
    pub llm_server_speaks: Vec<String>,
    /// CPU threads for speech recognition (default: all cores).
    #[cfg_attr(feature = "clap", arg(long))]
    pub threads: Option<usize>,
    /// Where the engines run: `auto` picks the GPU this build supports when one is present;
    /// a GPU that is absent, or that this build lacks, falls back to the CPU with one sentence.
    #[cfg_attr(
        feature = "clap",
        arg(long, value_enum, value_name = "DEVICE", default_value_t = DeviceChoice::Auto)
    )]
    pub device: DeviceChoice,
    /// In a live session, ask Smart Turn at each short pause whether the person has finished,
    /// instead of always waiting for the end-of-speech silence (which stays the limit).
    #[cfg_attr(feature = "clap", arg(long))]
    pub smart_turn: bool,
}

/// Milliseconds spent loading each engine.
#[derive(Debug, Default, Clone, Serialize)]
pub struct LoadTimings {
    /// Speech recognition.
    pub stt_ms: u64,
    /// Language model.
    pub llm_ms: Option<u64>,
    /// Voices and their runtime.
    pub tts_ms: u64,
}

/// A live session on a desk's engines, with the voice detector the desk loaded.
pub type LiveDesk = LiveSession<Box<dyn Vad + Send>>;

/// A loaded help desk serving one person.
pub struct Desk {
    pipeline: Pipeline,
    /// Tells when someone speaks, for a live session: loaded by [`load_listening`] only.
    voice_detector: Option<Box<dyn Vad + Send>>,
    /// Tells when someone has finished speaking, when asked for ([`Setup::smart_turn`]).
    turn_detector: Option<Box<dyn TurnDetector>>,
    /// How long loading took.
    pub load_ms: LoadTimings,
    /// Where the models are.
    pub store: Option<ModelStore>,
    /// What speaks each language, and why.
    pub voices: Vec<VoiceInfo>,
    /// Engines that run on the CPU instead of the GPU asked for, each one sentence: they
    /// loaded, so a measurement on this desk is still of the whole pipeline.
    pub fallbacks: Vec<String>,
    /// Engines that could not be loaded, each one sentence saying what works instead.
    pub problems: Vec<String>,
    /// What each engine runs on.
    pub devices: Devices,
    /// With an office server: how many generations the server gave, how many the kiosk's own
    /// model, and how many neither (the content pack's templates then answer).
    pub server_answers: Option<Arc<AnswererCounts>>,
}

/// Which voice speaks a language, and why (what `aoun voices` shows).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct VoiceInfo {
    /// Language code: `ar`, `ary`, `fr` or `en`.
    pub lang: String,
    /// `piper` or `espeak-ng`.
    pub engine: String,
    /// The Piper model id or the espeak-ng voice.
    pub voice: String,
    /// Why this voice, in one sentence.
    pub reason: String,
    /// How the voice reads text (diacritization, script runs).
    pub reads: String,
}

/// What speaks each language of a loaded voice set.
pub fn voice_infos(set: &VoiceSet) -> Vec<VoiceInfo> {
    set.choices
        .iter()
        .zip(&set.voices)
        .map(|(choice, voice)| {
            let (engine, name) = match &choice.source {
                VoiceSource::Piper { id, .. } => ("piper", id.as_str()),
                VoiceSource::Espeak { voice } => ("espeak-ng", voice.as_str()),
            };
            VoiceInfo {
                lang: choice.lang.code().to_string(),
                engine: engine.to_string(),
                voice: name.to_string(),
                reason: choice.reason.clone(),
                reads: voice.describe(),
            }
        })
        .collect()
}

impl Desk {
    /// This desk, or an error naming what could not be loaded: for measurements, which are
    /// only meaningful on the whole pipeline.
    pub fn whole(self) -> anyhow::Result<Self> {
        match self.problems.first() {
            None => Ok(self),
            Some(problem) => bail!("{problem}"),
        }
    }

    /// A live session on this desk's engines and voice detector.
    /// A desk loaded for whole turns only ([`load`]) has none: that is refused in one sentence.
    pub fn into_live(self, config: LiveConfig) -> anyhow::Result<LiveDesk> {
        let Some(voice_detector) = self.voice_detector else {
            bail!("this desk was loaded without a voice detector, so it cannot listen");
        };
        let session = LiveSession::new(self.pipeline, voice_detector, config);
        Ok(match self.turn_detector {
            Some(turn) => session.with_turn_detector(turn),
            None => session,
        })
    }

    /// One voice turn.
    pub fn turn(&mut self, audio: &Audio, language: Option<&str>) -> anyhow::Result<TurnReport> {
        let question = Question::Spoken {
            audio: audio.clone(),
            language: language.map(str::to_string),
        };
        Ok(self.pipeline.turn(question, &mut |_| {})?)
    }

    /// Forgets the current person's conversation.
    pub fn new_person(&mut self) {
        self.pipeline.new_person();
    }

    /// Speaks `text` with the voice for `lang`.
    pub fn say(&mut self, text: &str, lang: Lang) -> anyhow::Result<Audio> {
        Ok(self.pipeline.say(text, lang)?)
    }

    /// Answers typed text, as a spoken question is answered.
    pub fn ask(&mut self, text: &str, lang: Option<Lang>) -> anyhow::Result<AnswerReport> {
        let question = Question::Typed {
            text: text.to_string(),
            lang,
        };
        Ok(self.pipeline.turn(question, &mut |_| {})?.answer)
    }
}

/// Reads a language code given on the command line.
pub fn parse_lang(code: Option<&str>) -> anyhow::Result<Option<Lang>> {
    match code {
        None => Ok(None),
        Some(c) => match Lang::from_whisper_code(c) {
            Some(lang) => Ok(Some(lang)),
            None => bail!("`{c}` is not a language Aoun speaks; use ar, ary, fr or en"),
        },
    }
}

/// What a loading step loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// Speech recognition.
    SpeechRecognition,
    /// The language model.
    LanguageModel,
    /// A voice for every language, and their runtime.
    Voices,
    /// The voice detector, which tells when someone is speaking.
    VoiceDetector,
}

impl Engine {
    /// Its name in a sentence ("loading the voice detector").
    pub fn label(self) -> &'static str {
        match self {
            Engine::SpeechRecognition => "speech recognition",
            Engine::LanguageModel => "the language model",
            Engine::Voices => "voices",
            Engine::VoiceDetector => "the voice detector",
        }
    }
}

/// Told about each loading step, so a long load can show where it is.
pub trait LoadProgress {
    /// Loading `engine` begins.
    fn started(&mut self, engine: Engine);
    /// It ended after `ms` milliseconds, successfully or not.
    fn finished(&mut self, engine: Engine, ms: u64, ok: bool);
    /// A step failed and the desk goes on without it: `problem` says what works instead.
    fn degraded(&mut self, problem: &str) {
        let _ = problem;
    }
}

/// Loads without reporting.
pub struct Quiet;

impl LoadProgress for Quiet {
    fn started(&mut self, _: Engine) {}
    fn finished(&mut self, _: Engine, _: u64, _: bool) {}
}

fn step<T>(
    engine: Engine,
    progress: &mut dyn LoadProgress,
    work: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<(T, u64)> {
    progress.started(engine);
    let started = Instant::now();
    let value = work();
    let ms = started.elapsed().as_millis() as u64;
    progress.finished(engine, ms, value.is_ok());
    Ok((value?, ms))
}

/// The content pack: the folder `--guide` names, else the installed one (`aoun pack install`)
/// when it loads, else the pack built into the program.
fn guide(setup: &Setup) -> anyhow::Result<Guide> {
    match &setup.guide {
        Some(dir) => Ok(Guide::load(dir)?),
        None => Ok(installed_guide().unwrap_or_else(Guide::embedded)),
    }
}

fn languages_of(codes: &[String]) -> Vec<Lang> {
    codes
        .iter()
        .filter_map(|c| Lang::from_whisper_code(c))
        .collect()
}

/// The phraser on `device` and the milliseconds it took, with who phrased the answers when an
/// office server is used (the caller says what the device is called).
fn load_phraser(
    store: &ModelStore,
    setup: &Setup,
    device: candle_core::Device,
    progress: &mut dyn LoadProgress,
) -> anyhow::Result<LanguageModelLoad> {
    let ((phraser, server_answers), ms) = step(Engine::LanguageModel, progress, || {
        let local = match &setup.llm {
            Some(file) => {
                let model = GgufModel::load(file, device.clone())?;
                let speaks = languages_of(model.languages());
                Some((model, speaks))
            }
            None => match store.verified_path(LLM_MODEL) {
                Ok(path) => {
                    let speaks = languages_of(&store.entry(LLM_MODEL)?.speaks);
                    Some((GgufModel::load(&path, device.clone())?, speaks))
                }
                // With an office server the local model is only the fallback, and may be absent.
                Err(error) if setup.llm_server.is_some() => {
                    tracing::warn!(%error, "no local language model to fall back on");
                    None
                }
                Err(e) => return Err(e.into()),
            },
        };
        let Some(url) = &setup.llm_server else {
            let (model, speaks) = local.expect("the local model is required without a server");
            return Ok((Phraser::new(Box::new(model), speaks), None));
        };
        let mut options = ServerOptions {
            model: setup.llm_server_model.clone(),
            ..ServerOptions::default()
        };
        if let Some(ms) = setup.llm_deadline_ms {
            options.first_token_deadline = Duration::from_millis(ms);
        }
        let (fallback, local_speaks) = match local {
            Some((model, speaks)) => (Some(Box::new(model) as Box<dyn LanguageModel>), speaks),
            None => (None, Vec::new()),
        };
        let speaks = match setup.llm_server_speaks.as_slice() {
            [] => local_speaks,
            codes => languages_of(codes),
        };
        let model = WithFallback::new(
            Box::new(OpenAiServer::new(url, options)),
            fallback,
            SERVER_RETRY_AFTER,
        );
        let counts = model.counts();
        Ok((Phraser::new(Box::new(model), speaks), Some(counts)))
    })?;
    Ok(LanguageModelLoad {
        phraser: Some((phraser, ms)),
        device: None,
        server_answers,
    })
}

/// Notes that `stage` failed to load with `error`, and what works `instead`.
fn degrade(
    problems: &mut Vec<String>,
    progress: &mut dyn LoadProgress,
    stage: &str,
    error: anyhow::Error,
    instead: &str,
) {
    let problem = format!("{stage} cannot be used ({error:#}): {instead}");
    tracing::warn!(%problem, "loading");
    progress.degraded(&problem);
    problems.push(problem);
}

/// The language model, or none (the card's own words answer) when the store's model cannot be
/// loaded; a model the operator named with `--llm` is their choice and must load.
fn load_phraser_or_degrade(
    store: &ModelStore,
    setup: &Setup,
    progress: &mut dyn LoadProgress,
    fallbacks: &mut Vec<String>,
    problems: &mut Vec<String>,
) -> anyhow::Result<LanguageModelLoad> {
    if setup.no_llm {
        return Ok(LanguageModelLoad::default());
    }
    let (device, shown, fallback) = device::for_language_model(setup.device);
    device::tell_fallback(fallback, fallbacks, progress);
    match load_phraser(store, setup, device, progress) {
        Ok(loaded) => Ok(LanguageModelLoad {
            device: Some(shown),
            ..loaded
        }),
        Err(e) if setup.llm.is_some() => Err(e),
        Err(e) => {
            let instead = "answers use the content pack's own words";
            degrade(problems, progress, "the language model", e, instead);
            Ok(LanguageModelLoad::default())
        }
    }
}

/// The language model as loaded: the phraser and its loading time, the device it runs on, and
/// who phrased the answers when an office server is used.
#[derive(Default)]
struct LanguageModelLoad {
    phraser: Option<(Phraser, u64)>,
    device: Option<String>,
    server_answers: Option<Arc<AnswererCounts>>,
}

/// Prepares the process for the speech engines, first thing in `main` of each program (while
/// it has a single thread, as it sets the environment): onnxruntime's telemetry off, espeak-ng
/// pointed at the models folder's data (where a pack import will put it, on a first start), and
/// onnxruntime loaded when it is installed and intact. Nothing is reported here: loading the
/// voices says what is missing or damaged.
pub fn prepare_process(models_dir: Option<PathBuf>) {
    aoun_onnx::prepare();
    let Ok(store) = ModelStore::open(models_dir) else {
        return;
    };
    let installed_or_due = |id: &str| {
        let entry = store.entry(id).ok()?;
        store
            .path(id)
            .ok()
            .or_else(|| entry.primary().map(|spec| store.path_of(spec)))
    };
    let (Some(onnxruntime), Some(espeak_data)) =
        (installed_or_due(ONNXRUNTIME), installed_or_due(ESPEAK_DATA))
    else {
        return;
    };
    let runtime = SpeechRuntime {
        onnxruntime,
        espeak_data: espeak_data_parent(&espeak_data),
    };
    runtime.prepare();
    if store.verified_path(ONNXRUNTIME).is_ok() {
        // A failure is told, in one sentence, when the voices load.
        let _ = runtime.init();
    }
}

/// Loads the onnxruntime library and espeak-ng data of the store, both checked, unless
/// [`prepare_process`] already loaded them.
pub fn init_speech_runtime(store: &ModelStore) -> anyhow::Result<()> {
    SpeechRuntime {
        onnxruntime: store.verified_path(ONNXRUNTIME)?,
        espeak_data: espeak_data_parent(&store.verified_path(ESPEAK_DATA)?),
    }
    .init()?;
    Ok(())
}

/// Loads the speech runtime ([`init_speech_runtime`]), then a voice for every language: an
/// installed Piper voice when there is one, else espeak-ng's own voice.
pub fn load_voice_set(store: &ModelStore) -> anyhow::Result<VoiceSet> {
    init_speech_runtime(store)?;
    let mut candidates = Vec::new();
    for entry in store
        .manifest()
        .models
        .iter()
        .filter(|m| m.kind == ModelKind::Tts)
    {
        // Voices of other packs are optional: offer the ones that are installed and intact.
        let path = match store.verified_path(&entry.id) {
            Ok(path) => path,
            Err(aoun_models::ModelError::NotInstalled { .. }) => continue,
            Err(e) => {
                tracing::warn!(voice = %entry.id, error = %e, "voice skipped");
                continue;
            }
        };
        if path.extension().is_some_and(|e| e == "onnx") {
            candidates.push(VoiceCandidate {
                id: entry.id.clone(),
                languages: languages_of(&entry.languages),
                model: path,
            });
        }
    }
    let tashkeel = store
        .verified_path(TASHKEEL_MODEL)
        .ok()
        .and_then(|model| model.parent().map(Path::to_path_buf));
    Ok(VoiceSet::load(&candidates, tashkeel.as_deref())?)
}

/// Every language's voice, as the session wants them, and what they are.
fn load_voices(store: &ModelStore) -> anyhow::Result<(Vec<Voice>, Vec<VoiceInfo>)> {
    let set = load_voice_set(store)?;
    let infos = voice_infos(&set);
    let voices = set
        .voices
        .into_iter()
        .map(|voice| Voice {
            languages: vec![voice.lang()],
            engine: Box::new(memory::GivesMemoryBack(voice)),
        })
        .collect();
    Ok((voices, infos))
}

/// espeak-ng wants the folder that contains `espeak-ng-data`.
fn espeak_data_parent(data: &Path) -> PathBuf {
    data.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Loads everything a live conversation needs: what [`load`] loads, and the voice detector.
pub fn load_listening(
    models_dir: Option<PathBuf>,
    setup: &Setup,
    progress: &mut dyn LoadProgress,
) -> anyhow::Result<Desk> {
    let mut desk = load(models_dir, setup, progress)?;
    if let Some(store) = &desk.store {
        desk.voice_detector = Some(load_voice_detector(store, progress, &mut desk.problems));
        if setup.smart_turn {
            desk.turn_detector = load_turn_detector(store, progress, &mut desk.problems);
        }
    }
    Ok(desk)
}

/// Loads everything a whole voice turn needs (a live conversation: [`load_listening`]).
pub fn load(
    models_dir: Option<PathBuf>,
    setup: &Setup,
    progress: &mut dyn LoadProgress,
) -> anyhow::Result<Desk> {
    let store = ModelStore::open(models_dir)?;
    let guide = guide(setup)?;
    let mut options = WhisperOptions::default();
    if let Some(threads) = setup.threads {
        options.threads = threads;
    }
    let mut devices = Devices::default();
    let (use_gpu, gpu_device, stt_device, fallback) = device::for_speech(setup.device);
    (options.use_gpu, options.gpu_device) = (use_gpu, gpu_device);
    // A damaged or missing engine leaves the others working: without speech recognition
    // pictures and typed questions still answer, without the language model the card's own
    // words answer, without voices answers are shown as text.
    let (mut fallbacks, mut problems) = (Vec::new(), Vec::new());
    device::tell_fallback(fallback, &mut fallbacks, progress);
    let (stt, stt_ms): (Box<dyn aoun_stt::SpeechToText>, u64) =
        match step(Engine::SpeechRecognition, progress, || {
            Ok(WhisperStt::load(&store.verified_path(STT_MODEL)?, options)?)
        }) {
            Ok((stt, ms)) => {
                devices.speech_recognition = Some(stt_device);
                (Box::new(stt), ms)
            }
            Err(e) => {
                let reason = format!("{e:#}");
                degrade(
                    &mut problems,
                    progress,
                    "speech recognition",
                    e,
                    "questions can still be typed or asked with the pictures",
                );
                (
                    Box::new(NoSpeechInput {
                        reason: Some(reason),
                    }),
                    0,
                )
            }
        };
    let llm = load_phraser_or_degrade(&store, setup, progress, &mut fallbacks, &mut problems)?;
    devices.language_model = llm.device;
    let phraser = llm.phraser;
    let ((voices, voice_infos), tts_ms) =
        match step(Engine::Voices, progress, || load_voices(&store)) {
            Ok(loaded) => loaded,
            Err(e) => {
                degrade(
                    &mut problems,
                    progress,
                    "the voices",
                    e,
                    "answers are shown as text only",
                );
                ((Vec::new(), Vec::new()), 0)
            }
        };
    let llm_ms = phraser.as_ref().map(|(_, ms)| *ms);
    Ok(Desk {
        pipeline: Pipeline::new(stt, phraser.map(|(p, _)| p), voices, guide),
        voice_detector: None,
        turn_detector: None,
        load_ms: LoadTimings {
            stt_ms,
            llm_ms,
            tts_ms,
        },
        store: Some(store),
        voices: voice_infos,
        fallbacks,
        problems,
        devices,
        server_answers: llm.server_answers,
    })
}

/// The Silero voice detector, or, when it cannot be loaded, loudness telling speech instead:
/// noisier, but the desk still hears.
fn load_voice_detector(
    store: &ModelStore,
    progress: &mut dyn LoadProgress,
    problems: &mut Vec<String>,
) -> Box<dyn Vad + Send> {
    let silero = step(Engine::VoiceDetector, progress, || {
        Ok(SileroVad::load(
            &store.verified_path(VAD_MODEL)?,
            &store.verified_path(ONNXRUNTIME)?,
        )?)
    });
    match silero {
        Ok((vad, _)) => Box::new(vad),
        Err(e) => {
            degrade(
                problems,
                progress,
                "the voice detector",
                e,
                "loudness tells speech instead",
            );
            Box::new(EnergyVad::default())
        }
    }
}

/// Smart Turn, or `None` (turns then end after the silence limit) when it cannot be loaded.
fn load_turn_detector(
    store: &ModelStore,
    progress: &mut dyn LoadProgress,
    problems: &mut Vec<String>,
) -> Option<Box<dyn TurnDetector>> {
    let loaded = store
        .verified_path(TURN_MODEL)
        .map_err(anyhow::Error::from)
        .and_then(|model| Ok(SmartTurn::load(&model, &store.verified_path(ONNXRUNTIME)?)?));
    match loaded {
        Ok(turn) => Some(Box::new(turn)),
        Err(e) => {
            let instead = "turns end after the end-of-speech silence";
            degrade(problems, progress, "the end-of-turn detector", e, instead);
            None
        }
    }
}

/// Loads what answering typed text needs: the guide and the language model.
pub fn load_for_text(
    models_dir: Option<PathBuf>,
    setup: &Setup,
    progress: &mut dyn LoadProgress,
) -> anyhow::Result<Desk> {
    let guide = guide(setup)?;
    let (mut fallbacks, mut problems) = (Vec::new(), Vec::new());
    let llm = if setup.no_llm {
        LanguageModelLoad::default()
    } else {
        let store = ModelStore::open(models_dir)?;
        load_phraser_or_degrade(&store, setup, progress, &mut fallbacks, &mut problems)?
    };
    let phraser = llm.phraser;
    let llm_ms = phraser.as_ref().map(|(_, ms)| *ms);
    Ok(Desk {
        pipeline: Pipeline::new(
            Box::new(NoSpeechInput { reason: None }),
            phraser.map(|(p, _)| p),
            Vec::new(),
            guide,
        ),
        voice_detector: None,
        turn_detector: None,
        load_ms: LoadTimings {
            llm_ms,
            ..LoadTimings::default()
        },
        store: None,
        voices: Vec::new(),
        fallbacks,
        problems,
        devices: Devices {
            language_model: llm.device,
            ..Devices::default()
        },
        server_answers: llm.server_answers,
    })
}

/// Speech input for commands that only read typed text, or when speech recognition could not
/// be loaded (`reason`): every recording gets that one sentence back.
struct NoSpeechInput {
    reason: Option<String>,
}

impl aoun_stt::SpeechToText for NoSpeechInput {
    fn transcribe(
        &mut self,
        _: &[f32],
        _: Option<&str>,
        _: &aoun_stt::CancelToken,
    ) -> Result<aoun_stt::Transcript, aoun_stt::SttError> {
        Err(match &self.reason {
            Some(reason) => aoun_stt::SttError::Engine(reason.clone()),
            None => aoun_stt::SttError::NoAudio,
        })
    }
}

/// Speaks `text` with the voice chosen for `lang`.
pub fn say(
    models_dir: Option<PathBuf>,
    text: &str,
    lang: Lang,
    rate: f32,
) -> anyhow::Result<Audio> {
    let store = ModelStore::open(models_dir)?;
    let (voices, _) = load_voices(&store)?;
    if !voices.iter().any(|v| v.languages.contains(&lang)) {
        bail!("no voice is installed for the language `{lang}`");
    }
    let pipeline = Pipeline::new(
        Box::new(NoSpeechInput { reason: None }),
        None,
        voices,
        Guide::embedded(),
    );
    pipeline.set_speech_rate(rate);
    Ok(pipeline.say(text, lang)?)
}
