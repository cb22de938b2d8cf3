//! Aoun's transformer against candle's reference Llama on the registry pack's SmolLM2 (needs
//! `aoun models fetch`): the same greedy tokens, with and without the reused prompt prefix.

use std::ops::ControlFlow;
use std::path::PathBuf;

use aoun_llm::{ChatMessage, GenerateOptions, GgufModel, LanguageModel, Role};
use candle_core::quantized::gguf_file::Content;
use candle_core::{Device, Tensor};
use candle_transformers::models::quantized_llama::ModelWeights;

const TOKENS: usize = 16;

fn smollm2() -> PathBuf {
    let root = std::env::var_os("AOUN_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("", "", "aoun").map(|d| d.data_dir().join("models"))
        })
        .expect("a models folder");
    root.join("smollm2-135m-instruct/SmolLM2-135M-Instruct.Q8_0.gguf")
}

fn chat(question: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::new(
            Role::System,
            "You answer questions about public services in Morocco in one short sentence.",
        ),
        ChatMessage::new(Role::User, question),
    ]
}

fn exact_options() -> GenerateOptions {
    GenerateOptions {
        max_tokens: TOKENS,
        max_sentences: usize::MAX,
        temperature: None,
        single_paragraph: false,
        repeat_penalty: 1.0,
        seed: 1,
        ..GenerateOptions::default()
    }
}

/// Greedy decoding with candle's own Llama implementation.
fn reference_ids(prompt_ids: &[u32]) -> Vec<u32> {
    let path = smollm2();
    let mut file = std::fs::File::open(&path).unwrap();
    let content = Content::read(&mut file).unwrap();
    let mut model = ModelWeights::from_gguf(content, &mut file, &Device::Cpu).unwrap();
    let argmax = |logits: Tensor| -> u32 {
        let v: Vec<f32> = logits.squeeze(0).unwrap().to_vec1().unwrap();
        v.iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0 as u32
    };
    let input = Tensor::new(prompt_ids, &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let mut next = argmax(model.forward(&input, 0).unwrap());
    let mut out = vec![next];
    while out.len() < TOKENS {
        let input = Tensor::new(&[next], &Device::Cpu)
            .unwrap()
            .unsqueeze(0)
            .unwrap();
        next = argmax(
            model
                .forward(&input, prompt_ids.len() + out.len() - 1)
                .unwrap(),
        );
        out.push(next);
    }
    out
}

#[test]
fn same_greedy_tokens_as_candles_llama_and_prefix_reuse_changes_nothing() {
    let mut model = GgufModel::load(&smollm2(), Device::Cpu).unwrap();
    for (turn, question) in [
        "How do I renew my passport?",
        "Where do I get a birth certificate?",
    ]
    .into_iter()
    .enumerate()
    {
        let messages = chat(question);
        let prompt_ids = model
            .encode(&model.render_prompt(&messages).unwrap())
            .unwrap();
        let mut pieces = String::new();
        let generation = model
            .generate(&messages, &exact_options(), &mut |p| {
                pieces.push_str(p);
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(
            generation.generated_tokens,
            TOKENS.min(generation.generated_tokens)
        );
        let expected = reference_ids(&prompt_ids);
        let expected_ids: Vec<u32> = expected.iter().copied().take_while(|id| *id != 2).collect();
        let reference_text = model.decode(&expected_ids).unwrap();
        assert_eq!(pieces, reference_text, "turn {turn}");
        if turn == 1 {
            // The system prompt was computed once, on the first turn.
            assert!(generation.reused_prompt_tokens > 20, "{generation:?}");
        }
    }
}
