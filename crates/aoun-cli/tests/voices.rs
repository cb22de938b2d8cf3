//! `aoun voices` and `aoun say` in every language, with the registry pack (needs
//! `aoun models fetch`): Arabic, Darija and French are spoken by espeak-ng when no Piper voice
//! is installed for them, never silently skipped.

mod common;
use common::aoun;

#[test]
fn voices_lists_every_language_with_a_reason() {
    let out = aoun(&["--json", "voices"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let voices = json["voices"].as_array().unwrap();
    let langs: Vec<&str> = voices.iter().filter_map(|v| v["lang"].as_str()).collect();
    assert_eq!(langs, ["ar", "ary", "fr", "en"]);
    for v in voices {
        assert!(!v["reason"].as_str().unwrap_or_default().is_empty(), "{v}");
        assert!(
            matches!(v["engine"].as_str(), Some("piper" | "espeak-ng")),
            "{v}"
        );
    }
    assert_eq!(json["diacritizer"], true);
}

#[test]
fn say_speaks_every_language_into_a_wav() {
    let tmp = tempfile::tempdir().unwrap();
    for (lang, text) in [
        ("ar", "تكلفة جواز السفر 500 درهم."),
        ("ary", "خاصك تجيب la carte nationale و جوج تصاور."),
        ("fr", "Le bureau ouvre à 8h30."),
        ("en", "The office opens at 8:30."),
    ] {
        let out_path = tmp.path().join(format!("{lang}.wav"));
        let out = aoun(&[
            "say",
            "--lang",
            lang,
            text,
            "--out",
            out_path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{lang}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reader = hound::WavReader::open(&out_path).unwrap();
        let seconds = reader.duration() as f32 / reader.spec().sample_rate as f32;
        assert!(seconds > 1.0, "{lang}: {seconds} s");
    }
    let out = aoun(&[
        "say",
        "--lang",
        "ar",
        "你好",
        "--out",
        tmp.path().join("x.wav").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("script"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
