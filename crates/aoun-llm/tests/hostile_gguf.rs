//! GGUF files from outside (`--llm FILE.gguf`) read from memory: the fuzzer's seed loads, and
//! each input the fuzzer found crashing is now refused with a clear error.

use std::io::Cursor;

use aoun_llm::{Architecture, ChatMessage, GgufModel, LlmError, Role};
use candle_core::Device;

/// The seed of the `gguf` fuzz target: a whole one-layer llama model of a few kilobytes.
const TINY_LLAMA: &[u8] = include_bytes!("../../../fuzz/seeds/gguf/tiny-llama.gguf");

fn read(bytes: &[u8]) -> Result<GgufModel, LlmError> {
    GgufModel::from_reader(&mut Cursor::new(bytes), "test input", Device::Cpu)
}

/// Asserts that `bytes` are refused as a damaged GGUF with a message holding `reason`.
fn assert_refused(bytes: &[u8], reason: &str) {
    let err = read(bytes).expect_err("refused");
    assert!(matches!(err, LlmError::NotGguf { .. }), "{err}");
    assert!(err.to_string().contains(reason), "{err}");
}

#[test]
fn the_tiny_seed_model_loads_from_memory() {
    let model = read(TINY_LLAMA).expect("the seed loads");
    assert_eq!(model.architecture(), Architecture::Llama);
    let prompt = model
        .render_prompt(&[ChatMessage::new(Role::User, "a b")])
        .expect("the template renders");
    assert!(
        prompt.starts_with("<|im_start|>user\na b<|im_end|>"),
        "{prompt}"
    );
    assert!(!model.encode(&prompt).expect("tokens").is_empty());
}

/// Found by the fuzzer: a tensor whose dimensions multiply past `usize::MAX` made candle panic
/// while loading the weights.
#[test]
fn a_tensor_shape_that_overflows_is_refused() {
    let bytes = include_bytes!("data/tensor-shape-overflow.gguf");
    let err = read(bytes).expect_err("refused");
    assert!(matches!(err, LlmError::NotGguf { .. }), "{err}");
    assert!(
        err.to_string().contains("does not fit in the file"),
        "{err}"
    );
}

/// Found by the fuzzer: a tensor with a zero dimension made candle build a slice from a
/// misaligned pointer (undefined behaviour, caught by the standard library's checks).
#[test]
fn an_empty_tensor_is_refused() {
    assert_refused(include_bytes!("data/empty-tensor.gguf"), "is empty");
}

/// A tensor that claims more bytes than the file holds is refused before anything is read.
#[test]
fn a_tensor_past_the_end_of_the_file_is_refused() {
    let cut = &TINY_LLAMA[..TINY_LLAMA.len() - 64];
    let err = read(cut).expect_err("refused");
    assert!(
        err.to_string().contains("does not fit in the file"),
        "{err}"
    );
}

/// Found by the fuzzer: a declared context of about 900 million positions made the rotary
/// tables take gigabytes; the context is now cut to what Aoun uses.
#[test]
fn a_huge_declared_context_loads_within_bounds() {
    let bytes = include_bytes!("data/huge-context.gguf");
    let model = read(bytes).expect("the rest of the file is the seed model");
    assert!(
        format!("{model:?}").contains("context_length: 32768"),
        "{model:?}"
    );
}

/// Candle divides by `general.alignment` while reading the header: a file that sets it to zero
/// is refused first.
#[test]
fn a_zero_alignment_is_refused() {
    use candle_core::quantized::gguf_file::{self, Value};
    for zero in [Value::U32(0), Value::U8(0), Value::I16(0)] {
        let mut out = Cursor::new(Vec::new());
        let other = Value::String("x".into());
        gguf_file::write(
            &mut out,
            &[("general.name", &other), ("general.alignment", &zero)],
            &[],
        )
        .expect("write");
        assert_refused(out.get_ref(), "alignment");
    }
    // A zero overwritten by a later entry is what candle keeps: no longer refused for it.
    let (zero, aligned) = (Value::U32(0), Value::U32(32));
    let mut out = Cursor::new(Vec::new());
    gguf_file::write(
        &mut out,
        &[
            ("general.alignment", &zero),
            ("general.alignment", &aligned),
        ],
        &[],
    )
    .expect("write");
    let err = read(out.get_ref()).expect_err("no architecture");
    assert!(!err.to_string().contains("alignment"), "{err}");
}
