//! The embedded manifest and its rules.

use aoun_models::{FileKind, Manifest, ModelError, ModelKind, Pack};

#[test]
fn embedded_manifest_is_complete() -> anyhow::Result<()> {
    let m = Manifest::embedded()?;
    let registry: Vec<_> = m.pack(Pack::Registry).collect();
    let ids: Vec<&str> = registry.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "whisper-base",
            "smollm2-135m-instruct",
            "piper-en_US-joe-medium",
            "onnxruntime",
            "espeak-ng-data",
            "tashkeel",
            "silero-vad",
            "smart-turn"
        ]
    );
    for e in &registry {
        assert!(e.is_fetchable(), "{}", e.id);
        assert!(!e.license.is_empty(), "{}", e.id);
        for f in &e.files {
            assert_eq!(f.sha256.as_deref().map(str::len), Some(64), "{}", f.path);
            assert!(f.size.is_some_and(|s| s > 0), "{}", f.path);
            assert!(f.all_parts().count() > 0, "{}", f.path);
        }
    }
    let primary = |id: &str| {
        m.entry(id)
            .and_then(|e| e.primary())
            .map(|f| f.path.clone())
    };
    assert_eq!(
        primary("whisper-base").as_deref(),
        Some("whisper-base/ggml-base.bin")
    );
    assert_eq!(
        primary("smollm2-135m-instruct").as_deref(),
        Some("smollm2-135m-instruct/SmolLM2-135M-Instruct.Q8_0.gguf")
    );
    assert_eq!(
        primary("piper-en_US-joe-medium").as_deref(),
        Some("piper-en_US-joe-medium/en_US-joe-medium.onnx")
    );
    assert_eq!(
        primary("onnxruntime").as_deref(),
        Some("onnxruntime/libonnxruntime.so.1.32.0")
    );
    assert_eq!(
        primary("espeak-ng-data").as_deref(),
        Some("espeak-ng-data/espeak-ng-data")
    );
    assert_eq!(primary("tashkeel").as_deref(), Some("tashkeel/model.onnx"));
    assert_eq!(
        primary("silero-vad").as_deref(),
        Some("silero-vad/silero_vad.onnx")
    );

    let joe = m.entry("piper-en_US-joe-medium").expect("joe");
    assert!(joe.file_named("en_US-joe-medium.onnx.json").is_some());
    let espeak = m.entry("espeak-ng-data").expect("espeak");
    assert_eq!(espeak.kind, ModelKind::PhonemizerData);
    assert_eq!(espeak.files[0].kind, FileKind::Dir);
    let tashkeel = m.entry("tashkeel").expect("tashkeel");
    for name in [
        "input_id_map.json",
        "target_id_map.json",
        "hint_id_map.json",
    ] {
        assert!(tashkeel.file_named(name).is_some(), "{name}");
    }
    let smol = m.entry("smollm2-135m-instruct").expect("smollm2");
    assert_eq!(smol.speaks, ["en"]);

    // Standard pack: listed with upstream addresses, never with invented hashes.
    let standard: Vec<_> = m.pack(Pack::Standard).collect();
    assert!(standard.len() >= 4);
    for e in standard {
        assert!(!e.is_fetchable(), "{}", e.id);
        assert!(e.files.iter().all(|f| f.url.is_some()), "{}", e.id);
    }
    let qwen = m.entry("qwen2.5-1.5b-instruct").expect("qwen");
    assert!(qwen.speaks.iter().any(|l| l == "ar") && qwen.speaks.iter().any(|l| l == "fr"));
    Ok(())
}

fn invalid(text: &str) -> String {
    match Manifest::parse(text, "test") {
        Err(e @ ModelError::Manifest { .. }) => e.to_string(),
        other => panic!("expected a manifest error, got {other:?}"),
    }
}

#[test]
fn bad_manifests_are_refused() {
    let base = r#"
schema = 1
[[model]]
id = "m"
kind = "vad"
pack = "registry"
license = "MIT"
[[model.file]]
path = "m/a.onnx"
"#;
    assert!(invalid(base).contains("needs sha256 and size"));
    let with_hash = format!("{base}sha256 = \"{}\"\nsize = 3\n", "a".repeat(64));
    assert!(invalid(&with_hash).contains("needs a source"));
    let ok = format!(
        "{with_hash}part = [{{ package = \"p==1\", dist = \"wheel\", member = \"p/a.onnx\" }}]\n"
    );
    assert!(Manifest::parse(&ok, "test").is_ok());
    assert!(invalid(&ok.replace("m/a.onnx", "../a.onnx")).contains("relative path"));
    assert!(invalid(&ok.replace("p==1", "p")).contains("name==version"));
    assert!(invalid(&ok.replace(&"a".repeat(64), "xyz")).contains("malformed sha256"));
    assert!(
        invalid(&format!("{ok}{}", &ok[ok.find("[[model]]").unwrap_or(0)..])).contains("twice")
    );
    assert!(invalid("schema = 2").contains("schema 2"));
    assert!(invalid("schema = 1\nunknown = 3").contains("unknown"));
}
