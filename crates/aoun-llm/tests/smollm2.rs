//! The registry pack's SmolLM2-135M-Instruct through candle (needs `aoun models fetch` first).

use std::ops::ControlFlow;
use std::path::PathBuf;

use aoun_llm::{ChatMessage, GenerateOptions, GgufModel, LanguageModel, LlmError, Role};
use candle_core::Device;

fn models_dir() -> PathBuf {
    std::env::var_os("AOUN_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "aoun").map(|d| d.data_dir().join("models"))
        })
        .expect("no models directory: set AOUN_MODELS_DIR or run `aoun models fetch`")
}

fn smollm2() -> PathBuf {
    models_dir().join("smollm2-135m-instruct/SmolLM2-135M-Instruct.Q8_0.gguf")
}

#[test]
fn answers_a_question_in_a_few_clean_sentences() {
    let mut model = GgufModel::load(&smollm2(), Device::Cpu).expect("load SmolLM2");
    let messages = [
        ChatMessage::new(
            Role::System,
            "You are a helpful assistant. Answer in one or two short sentences.",
        ),
        ChatMessage::new(Role::User, "What is the capital of France?"),
    ];
    let prompt = model.render_prompt(&messages).unwrap();
    assert!(prompt.starts_with("<|im_start|>system\n"), "{prompt}");
    assert!(prompt.ends_with("<|im_start|>assistant\n"), "{prompt}");
    let ids = model.encode(&prompt).unwrap();
    assert_eq!(ids[0], 1, "<|im_start|> must be one special token");

    let mut streamed = String::new();
    let generation = model
        .generate(&messages, &GenerateOptions::default(), &mut |piece| {
            streamed.push_str(piece);
            ControlFlow::Continue(())
        })
        .unwrap();
    println!("{generation:?}");
    assert!(generation.text.contains("Paris"), "{}", generation.text);
    assert!(
        generation.text.ends_with(['.', '!', '?']),
        "{}",
        generation.text
    );
    assert!(streamed
        .trim_start()
        .starts_with(&generation.text[..generation.text.len().min(10)]));
    assert!(generation.generated_tokens > 0 && generation.prompt_tokens > 10);
}

#[test]
fn stops_when_the_listener_cancels() {
    let mut model = GgufModel::load(&smollm2(), Device::Cpu).unwrap();
    let messages = [ChatMessage::new(
        Role::User,
        "Tell me a long story about a cat.",
    )];
    let mut pieces = 0;
    let generation = model
        .generate(&messages, &GenerateOptions::default(), &mut |_| {
            pieces += 1;
            if pieces == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(generation.stop, aoun_llm::StopReason::Cancelled);
    assert_eq!(pieces, 3);
}

#[test]
fn a_stop_given_while_the_prompt_is_read_ends_it_within_a_piece() {
    let mut model = GgufModel::load(&smollm2(), Device::Cpu).unwrap();
    // A prompt of several pieces, read while another thread cancels the turn.
    let long = "Where do I renew my national identity card, and what do I bring? ".repeat(20);
    let messages = [ChatMessage::new(Role::User, long)];
    let options = GenerateOptions::default();
    let whole = {
        let started = std::time::Instant::now();
        let _ = model.generate(
            &messages,
            &GenerateOptions {
                max_tokens: 1,
                ..GenerateOptions::default()
            },
            &mut |_| ControlFlow::Continue(()),
        );
        started.elapsed()
    };
    // A different prompt, so nothing of it is reused from the run above.
    let messages = [ChatMessage::new(
        Role::User,
        format!("Please. {}", messages[0].content),
    )];
    let cancel = options.cancel.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(whole / 4);
        cancel.cancel();
    });
    let mut pieces = 0;
    let generation = model
        .generate(&messages, &options, &mut |_| {
            pieces += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    stopper.join().unwrap();
    assert_eq!(generation.stop, aoun_llm::StopReason::Cancelled);
    assert_eq!((pieces, generation.generated_tokens), (0, 0));
    assert!(generation.prompt_tokens > 200, "{generation:?}");
}

#[test]
fn refuses_unsupported_and_damaged_files_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    // A valid GGUF header whose architecture is one Aoun does not run.
    let path = dir.path().join("gemma.gguf");
    let mut file = std::fs::File::create(&path).unwrap();
    let metadata = [(
        "general.architecture",
        candle_core::quantized::gguf_file::Value::String("gemma3".into()),
    )];
    let metadata: Vec<(&str, &candle_core::quantized::gguf_file::Value)> =
        metadata.iter().map(|(k, v)| (*k, v)).collect();
    candle_core::quantized::gguf_file::write(&mut file, &metadata, &[]).unwrap();
    drop(file);
    let err = GgufModel::load(&path, Device::Cpu).unwrap_err();
    assert!(
        matches!(err, LlmError::UnsupportedArchitecture { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("gemma3"));

    let text = dir.path().join("text.gguf");
    std::fs::write(&text, "not a model").unwrap();
    let err = GgufModel::load(&text, Device::Cpu).unwrap_err();
    assert!(matches!(err, LlmError::NotGguf { .. }), "{err}");
    assert_eq!(err.to_string().lines().count(), 1);

    let truncated = dir.path().join("truncated.gguf");
    let bytes = std::fs::read(smollm2()).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let err = GgufModel::load(&truncated, Device::Cpu).unwrap_err();
    assert!(matches!(err, LlmError::NotGguf { .. }), "{err}");
}
