//! A byte-level BPE tokenizer rebuilt from the vocabulary and merges stored in a GGUF file.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::{Content, Value};
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

/// GGUF token type of control tokens (`<|im_start|>` and the like).
const TOKEN_TYPE_CONTROL: i32 = 3;
/// GGUF token type of user-defined special tokens.
const TOKEN_TYPE_USER_DEFINED: i32 = 4;

/// The word-splitting pattern Qwen2-family tokenizers use before byte-level BPE.
const QWEN2_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The tokenizer and the ids of its special tokens.
pub(crate) struct GgufTokenizer {
    pub tokenizer: Tokenizer,
    pub tokens: Vec<String>,
    pub eos_ids: Vec<u32>,
    pub bos_token: String,
    pub eos_token: String,
}

/// Builds the tokenizer described by `tokenizer.ggml.*` metadata; the error is a short reason.
pub(crate) fn from_gguf(content: &Content) -> Result<GgufTokenizer, String> {
    let meta = &content.metadata;
    let model = string(meta, "tokenizer.ggml.model")?;
    if model != "gpt2" {
        return Err(format!(
            "its tokenizer is `{model}`; Aoun reads byte-level BPE (`gpt2`) tokenizers"
        ));
    }
    let tokens: Vec<String> = list(meta, "tokenizer.ggml.tokens")?
        .iter()
        .map(|v| v.to_string().cloned().map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let merges: Vec<(String, String)> = list(meta, "tokenizer.ggml.merges")?
        .iter()
        .map(|v| {
            let merge = v.to_string().map_err(|e| e.to_string())?;
            merge
                .split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| format!("malformed merge `{merge}`"))
        })
        .collect::<Result<_, _>>()?;
    let token_types: Vec<i32> = match meta.get("tokenizer.ggml.token_type") {
        Some(Value::Array(values)) => values.iter().map(|v| v.to_i32().unwrap_or(1)).collect(),
        _ => vec![1; tokens.len()],
    };

    let vocab: tokenizers::models::bpe::Vocab = tokens
        .iter()
        .enumerate()
        .map(|(id, token)| (token.clone(), id as u32))
        .collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| format!("its BPE vocabulary is inconsistent ({e})"))?;

    let mut tokenizer = Tokenizer::new(bpe);
    let byte_level = ByteLevel::new(false, false, true);
    let pre = meta
        .get("tokenizer.ggml.pre")
        .and_then(|v| v.to_string().ok())
        .map_or("default", |s| s.as_str());
    let pre_tokenizer: PreTokenizerWrapper = match pre {
        "smollm" => Sequence::new(vec![Digits::new(true).into(), byte_level.into()]).into(),
        "qwen2" => {
            let split = Split::new(
                SplitPattern::Regex(QWEN2_PATTERN.into()),
                SplitDelimiterBehavior::Isolated,
                false,
            )
            .map_err(|e| format!("bad split pattern ({e})"))?;
            Sequence::new(vec![
                split.into(),
                ByteLevel::new(false, false, false).into(),
            ])
            .into()
        }
        _ => byte_level.into(),
    };
    tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
    tokenizer.with_decoder(Some(ByteLevel::default()));

    let special: Vec<AddedToken> = tokens
        .iter()
        .zip(&token_types)
        .filter(|(_, t)| matches!(**t, TOKEN_TYPE_CONTROL | TOKEN_TYPE_USER_DEFINED))
        .map(|(token, _)| AddedToken::from(token.clone(), true))
        .collect();
    tokenizer
        .add_special_tokens(special)
        .map_err(|e| format!("its special tokens are inconsistent ({e})"))?;

    let token_at = |key: &str| -> Option<String> {
        let id = meta.get(key)?.to_u32().ok()?;
        tokens.get(id as usize).cloned()
    };
    let eos_token = token_at("tokenizer.ggml.eos_token_id").unwrap_or_default();
    let bos_token = token_at("tokenizer.ggml.bos_token_id").unwrap_or_default();
    // Chat models end a turn with a token that is not always the declared EOS.
    let mut eos_ids: Vec<u32> = [
        eos_token.as_str(),
        "<|im_end|>",
        "<|endoftext|>",
        "<|eot_id|>",
        "<end_of_turn>",
    ]
    .iter()
    .filter_map(|t| tokens.iter().position(|x| x == t).map(|id| id as u32))
    .collect();
    eos_ids.sort_unstable();
    eos_ids.dedup();
    if eos_ids.is_empty() {
        return Err("it declares no end-of-turn token".into());
    }
    Ok(GgufTokenizer {
        tokenizer,
        tokens,
        eos_ids,
        bos_token,
        eos_token,
    })
}

fn string<'a>(meta: &'a HashMap<String, Value>, key: &str) -> Result<&'a String, String> {
    meta.get(key)
        .ok_or_else(|| format!("it has no `{key}`"))?
        .to_string()
        .map_err(|e| format!("`{key}` is not text ({e})"))
}

fn list<'a>(meta: &'a HashMap<String, Value>, key: &str) -> Result<&'a Vec<Value>, String> {
    meta.get(key)
        .ok_or_else(|| format!("it has no `{key}`"))?
        .to_vec()
        .map_err(|e| format!("`{key}` is not a list ({e})"))
}
