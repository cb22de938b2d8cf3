//! A quantized GGUF chat model run by candle.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use candle_core::quantized::gguf_file::Content;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::quantized_qwen3;

use crate::stops::StreamStops;
use crate::template::ChatTemplate;
use crate::tokenizer::{self, GgufTokenizer};
use crate::transformer::{RopeStyle, Transformer};
use crate::{
    first_line, ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, StopReason,
    TokenSink,
};

/// How many recent tokens the repeat penalty looks at.
const REPEAT_WINDOW: usize = 64;

/// Model families Aoun can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// Llama and its relatives (SmolLM2, Llama 3.2, Atlas-Chat is gemma2 and is not one).
    Llama,
    /// Qwen2 and Qwen2.5.
    Qwen2,
    /// Qwen3.
    Qwen3,
}

enum Weights {
    /// Llama and Qwen2: Aoun's own transformer, which reuses the cached prompt prefix.
    Own(Transformer),
    /// Qwen3 through candle, with the tokens it has read.
    Qwen3(quantized_qwen3::ModelWeights, Vec<u32>),
}

impl Weights {
    /// Logits for the token after `tokens` (the whole sequence so far).
    fn logits_after(&mut self, tokens: &[u32], device: &Device) -> Result<Tensor, LlmError> {
        let engine = |e: candle_core::Error| LlmError::Engine(first_line(&e.to_string()));
        match self {
            Weights::Own(model) => model.next_logits(tokens).map_err(engine),
            Weights::Qwen3(model, seen) => {
                let fresh =
                    seen.is_empty() || !tokens.starts_with(seen) || tokens.len() == seen.len();
                if fresh {
                    model.clear_kv_cache();
                    seen.clear();
                }
                let new = &tokens[seen.len()..];
                let input = Tensor::new(new, device)
                    .and_then(|t| t.unsqueeze(0))
                    .map_err(engine)?;
                let logits = model
                    .forward(&input, seen.len())
                    .and_then(|t| t.squeeze(0))
                    .map_err(engine)?;
                *seen = tokens.to_vec();
                Ok(logits)
            }
        }
    }

    /// Leading tokens of `tokens` whose keys and values are already computed.
    fn reusable(&self, tokens: &[u32]) -> usize {
        match self {
            Weights::Own(model) => model.reusable(tokens),
            Weights::Qwen3(_, seen) if tokens.starts_with(seen) && tokens.len() > seen.len() => {
                seen.len()
            }
            Weights::Qwen3(..) => 0,
        }
    }

    fn context_length(&self, declared: usize) -> usize {
        match self {
            Weights::Own(model) => model.context_length(),
            Weights::Qwen3(..) => declared,
        }
    }
}

/// A GGUF chat model loaded in memory.
pub struct GgufModel {
    weights: Weights,
    tokenizer: GgufTokenizer,
    template: ChatTemplate,
    architecture: Architecture,
    context_length: usize,
    languages: Vec<String>,
    device: Device,
}

impl GgufModel {
    /// Loads a GGUF file: weights, tokenizer and chat template all come from the file.
    pub fn load(path: &Path, device: Device) -> Result<Self, LlmError> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|e| LlmError::Open {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        Self::from_reader(&mut BufReader::new(file), &shown, device)
    }

    /// Loads a GGUF model from any seekable reader, as [`GgufModel::load`] loads a file;
    /// `origin` names the source in error messages.
    pub fn from_reader<R: Read + Seek>(
        reader: &mut R,
        origin: &str,
        device: Device,
    ) -> Result<Self, LlmError> {
        let shown = origin.to_string();
        let not_gguf = |reason: String| LlmError::NotGguf {
            path: shown.clone(),
            reason,
        };
        if declares_zero_alignment(reader) {
            return Err(not_gguf("its general.alignment is zero".into()));
        }
        let content = Content::read(reader).map_err(|e| not_gguf(first_line(&e.to_string())))?;
        let file_size = reader
            .seek(SeekFrom::End(0))
            .map_err(|e| not_gguf(e.to_string()))?;
        check_tensor_table(&content, file_size).map_err(not_gguf)?;
        let incomplete = |reason: String| LlmError::Incomplete {
            path: shown.clone(),
            reason,
        };
        let architecture_name = content
            .metadata
            .get("general.architecture")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .ok_or_else(|| incomplete("it does not name its architecture".into()))?;
        let architecture = match architecture_name.as_str() {
            "llama" => Architecture::Llama,
            "qwen2" => Architecture::Qwen2,
            "qwen3" => Architecture::Qwen3,
            _ => {
                return Err(LlmError::UnsupportedArchitecture {
                    path: shown,
                    architecture: architecture_name,
                })
            }
        };
        let context_length = content
            .metadata
            .get(&format!("{architecture_name}.context_length"))
            .and_then(|v| v.to_u32().ok())
            .unwrap_or(2048) as usize;
        let languages = match content.metadata.get("general.languages") {
            Some(candle_core::quantized::gguf_file::Value::Array(values)) => values
                .iter()
                .filter_map(|v| v.to_string().ok().cloned())
                .collect(),
            _ => Vec::new(),
        };
        let tokenizer = tokenizer::from_gguf(&content).map_err(incomplete)?;
        let template_source = content
            .metadata
            .get("tokenizer.chat_template")
            .and_then(|v| v.to_string().ok())
            .ok_or_else(|| {
                incomplete(
                    "it has no chat template, so it is not an instruction-tuned chat model".into(),
                )
            })?;
        let template = ChatTemplate::new(
            template_source,
            tokenizer.bos_token.clone(),
            tokenizer.eos_token.clone(),
        )
        .map_err(|e| incomplete(format!("its chat template does not compile ({e})")))?;

        let load_error = |e: candle_core::Error| LlmError::NotGguf {
            path: shown.clone(),
            reason: first_line(&e.to_string()),
        };
        let weights = match architecture {
            Architecture::Llama => Weights::Own(
                Transformer::from_gguf(content, reader, "llama", RopeStyle::Interleaved, &device)
                    .map_err(load_error)?,
            ),
            Architecture::Qwen2 => Weights::Own(
                Transformer::from_gguf(content, reader, "qwen2", RopeStyle::Halves, &device)
                    .map_err(load_error)?,
            ),
            Architecture::Qwen3 => Weights::Qwen3(
                quantized_qwen3::ModelWeights::from_gguf(content, reader, &device)
                    .map_err(load_error)?,
                Vec::new(),
            ),
        };
        let context_length = weights.context_length(context_length);
        Ok(Self {
            weights,
            tokenizer,
            template,
            architecture,
            context_length,
            languages,
            device,
        })
    }

    /// The model family.
    pub fn architecture(&self) -> Architecture {
        self.architecture
    }

    /// Languages the file says the model was trained for (`general.languages`), often empty.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// Token ids of `text` exactly as the model will read it (special tokens included).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, LlmError> {
        self.tokenizer
            .tokenizer
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| LlmError::Engine(e.to_string()))
    }

    /// The text of token ids (special tokens left out).
    pub fn decode(&self, ids: &[u32]) -> Result<String, LlmError> {
        self.tokenizer
            .tokenizer
            .decode(ids, true)
            .map_err(|e| LlmError::Engine(e.to_string()))
    }

    /// The prompt text the chat template makes of `messages`.
    pub fn render_prompt(&self, messages: &[ChatMessage]) -> Result<String, LlmError> {
        self.template.render(messages)
    }
}

impl LanguageModel for GgufModel {
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        options: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError> {
        let prompt = self.template.render(messages)?;
        let prompt_ids = self.encode(&prompt)?;
        let limit = self.context_length.saturating_sub(options.max_tokens);
        if prompt_ids.len() > limit {
            return Err(LlmError::PromptTooLong {
                tokens: prompt_ids.len(),
                limit,
            });
        }
        let engine = |e: candle_core::Error| LlmError::Engine(first_line(&e.to_string()));
        let sampling = match options.temperature {
            Some(t) if t > 0.0 => Sampling::All { temperature: t },
            _ => Sampling::ArgMax,
        };
        let mut sampler = LogitsProcessor::from_sampling(options.seed, sampling);

        let started = Instant::now();
        let reused_prompt_tokens = self.weights.reusable(&prompt_ids);
        // The prompt is read a piece at a time, so a cancellation is heard within one piece.
        let mut read = None;
        for end in piece_ends(reused_prompt_tokens, prompt_ids.len()) {
            if options.cancel.is_cancelled() {
                break;
            }
            read = Some(
                self.weights
                    .logits_after(&prompt_ids[..end], &self.device)?,
            );
        }
        let prompt_ms = started.elapsed().as_millis() as u64;
        let Some(mut logits) = read.filter(|_| !options.cancel.is_cancelled()) else {
            return Ok(Generation {
                text: String::new(),
                stop: StopReason::Cancelled,
                prompt_tokens: prompt_ids.len(),
                reused_prompt_tokens,
                generated_tokens: 0,
                prompt_ms,
                generate_ms: 0,
            });
        };
        let mut sequence = prompt_ids.clone();
        let generating = Instant::now();

        let mut generated: Vec<u32> = Vec::new();
        let mut stops = StreamStops::new(options);
        let mut decoder = self.tokenizer.tokenizer.decode_stream(true);
        let mut stop = StopReason::TokenLimit;
        while generated.len() < options.max_tokens {
            if options.repeat_penalty != 1.0 {
                let start = generated.len().saturating_sub(REPEAT_WINDOW);
                logits = candle_transformers::utils::apply_repeat_penalty(
                    &logits,
                    options.repeat_penalty,
                    &generated[start..],
                )
                .map_err(engine)?;
            }
            let next = sampler.sample(&logits).map_err(engine)?;
            if self.tokenizer.eos_ids.contains(&next) {
                stop = StopReason::EndOfTurn;
                break;
            }
            generated.push(next);
            sequence.push(next);
            let piece = decoder
                .step(next)
                .map_err(|e| LlmError::Engine(e.to_string()))?;
            if let Some(reason) = piece.and_then(|piece| stops.push(piece, on_text)) {
                stop = reason;
                break;
            }
            logits = self.weights.logits_after(&sequence, &self.device)?;
        }
        Ok(Generation {
            text: stops.finish(),
            stop,
            prompt_tokens: prompt_ids.len(),
            reused_prompt_tokens,
            generated_tokens: generated.len(),
            prompt_ms,
            generate_ms: generating.elapsed().as_millis() as u64,
        })
    }
}

/// Tokens of the prompt read in one step: few enough that a cancellation waits a few tens of
/// milliseconds at most, enough that each step's matrix products stay batched.
const PROMPT_PIECE: usize = 64;

/// Where each step of reading a prompt of `len` tokens ends, its first `reused` tokens already
/// read (the last token is always read again, for its logits).
fn piece_ends(reused: usize, len: usize) -> Vec<usize> {
    let mut end = reused.min(len.saturating_sub(1));
    let mut ends = Vec::new();
    while end < len {
        end = (end + PROMPT_PIECE).min(len);
        ends.push(end);
    }
    if ends.is_empty() {
        // An empty prompt: reading it gives the engine's own error.
        ends.push(len);
    }
    ends
}

/// Checks that every tensor the header declares holds values and lies inside the file. candle
/// multiplies a tensor's dimensions without checking and casts an empty tensor's dangling
/// pointer, so a damaged or hostile header would make it panic on an overflow or a misaligned
/// slice, or allocate for data the file does not hold.
fn check_tensor_table(content: &Content, file_size: u64) -> Result<(), String> {
    for (name, info) in &content.tensor_infos {
        let dtype = info.ggml_dtype;
        let end = info
            .shape
            .dims()
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&elements| elements > 0)
            .and_then(|elements| (elements / dtype.block_size()).checked_mul(dtype.type_size()))
            .and_then(|bytes| {
                content
                    .tensor_data_offset
                    .checked_add(info.offset)?
                    .checked_add(bytes as u64)
            });
        if end.is_none_or(|end| end > file_size) {
            return Err(format!(
                "its tensor `{name}` of shape {:?} is empty or does not fit in the file",
                info.shape.dims()
            ));
        }
    }
    Ok(())
}

/// Whether the header sets `general.alignment` to zero: candle divides by it while reading the
/// header, and would panic. Only the metadata is walked; any other problem is left for candle
/// to report, and the reader is put back where it was.
fn declares_zero_alignment<R: Read + Seek>(reader: &mut R) -> bool {
    let Ok(start) = reader.stream_position() else {
        return false;
    };
    let zero = scan_alignment(reader).unwrap_or(false);
    reader.seek(SeekFrom::Start(start)).is_err() || zero
}

/// GGUF value types whose size is fixed, by type code (12 is f64); `None` for strings and arrays.
fn fixed_size(value_type: u32) -> Option<u64> {
    match value_type {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

fn scan_alignment<R: Read>(reader: &mut R) -> std::io::Result<bool> {
    let mut word = [0u8; 4];
    reader.read_exact(&mut word)?;
    if &word != b"GGUF" {
        return Ok(false);
    }
    reader.read_exact(&mut word)?;
    // Version 1 counts with 32-bit lengths, later versions with 64-bit ones.
    let wide = u32::from_le_bytes(word) >= 2;
    let _tensors = read_length(reader, wide)?;
    let entries = read_length(reader, wide)?;
    let mut zero = false;
    for _ in 0..entries {
        let key_length = read_length(reader, wide)?;
        let mut key = Vec::new();
        if reader.by_ref().take(key_length).read_to_end(&mut key)? as u64 != key_length {
            return Ok(false);
        }
        reader.read_exact(&mut word)?;
        let value_type = u32::from_le_bytes(word);
        match fixed_size(value_type) {
            // Candle reads unsigned and signed integers of up to 32 bits as the alignment.
            Some(size) if key == b"general.alignment" && value_type <= 5 => {
                let mut value = vec![0u8; size as usize];
                reader.read_exact(&mut value)?;
                zero = value.iter().all(|b| *b == 0);
            }
            _ => {
                zero &= key != b"general.alignment";
                skip_value(reader, value_type, wide, 0)?;
            }
        }
    }
    Ok(zero)
}

fn read_length<R: Read>(reader: &mut R, wide: bool) -> std::io::Result<u64> {
    let mut bytes = [0u8; 8];
    if wide {
        reader.read_exact(&mut bytes)?;
    } else {
        reader.read_exact(&mut bytes[..4])?;
    }
    Ok(u64::from_le_bytes(bytes))
}

fn skip_value<R: Read>(
    reader: &mut R,
    value_type: u32,
    wide: bool,
    depth: usize,
) -> std::io::Result<()> {
    let invalid = || std::io::Error::from(std::io::ErrorKind::InvalidData);
    let skip = |reader: &mut R, n: u64| -> std::io::Result<()> {
        let skipped = std::io::copy(&mut reader.by_ref().take(n), &mut std::io::sink())?;
        if skipped == n {
            Ok(())
        } else {
            Err(invalid())
        }
    };
    match (fixed_size(value_type), value_type) {
        (Some(size), _) => skip(reader, size),
        (None, 8) => {
            let length = read_length(reader, wide)?;
            skip(reader, length)
        }
        (None, 9) if depth < 64 => {
            let mut word = [0u8; 4];
            reader.read_exact(&mut word)?;
            let item_type = u32::from_le_bytes(word);
            let count = read_length(reader, wide)?;
            match fixed_size(item_type) {
                Some(size) => skip(reader, size.checked_mul(count).ok_or_else(invalid)?),
                None => (0..count).try_for_each(|_| skip_value(reader, item_type, wide, depth + 1)),
            }
        }
        _ => Err(invalid()),
    }
}

impl std::fmt::Debug for GgufModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgufModel")
            .field("architecture", &self.architecture)
            .field("vocabulary", &self.tokenizer.tokens.len())
            .field("context_length", &self.context_length)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{piece_ends, PROMPT_PIECE};

    #[test]
    fn a_prompt_is_read_in_pieces_after_what_is_reused() {
        assert_eq!(piece_ends(0, 150), [PROMPT_PIECE, 2 * PROMPT_PIECE, 150]);
        assert_eq!(piece_ends(100, 130), [130]);
        // All reused: the last token is read again for its logits.
        assert_eq!(piece_ends(130, 130), [130]);
        assert_eq!(piece_ends(0, 0), [0]);
    }
}
