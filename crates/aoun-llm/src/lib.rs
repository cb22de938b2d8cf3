//! Language models for Aoun.
//!
//! [`LanguageModel`] is the one interface the rest of Aoun knows: a chat in, tokens streamed out.
//! [`GgufModel`] implements it with candle on a quantized GGUF file, reading the tokenizer and the
//! chat template from the file itself so that any supported model works without side files.
//! [`OpenAiServer`] runs it on an office server (llama.cpp, vLLM) over HTTP, and [`WithFallback`]
//! answers with the kiosk's own model when that server is unreachable or too slow.

mod fallback;
mod gguf;
mod openai;
mod stops;
mod template;
mod tokenizer;
mod transformer;

pub use fallback::{Answerer, AnswererCounts, WithFallback};
pub use gguf::{Architecture, GgufModel};
pub use openai::{OpenAiServer, ServerOptions};

use std::ops::ControlFlow;

use aoun_core::CancelToken;

/// Who says a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions the person does not see.
    System,
    /// The person.
    User,
    /// Aoun.
    Assistant,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChatMessage {
    /// Speaker.
    pub role: Role,
    /// Text.
    pub content: String,
}

impl ChatMessage {
    /// A message from `role`.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

/// Limits of one generation.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Most tokens to generate.
    pub max_tokens: usize,
    /// Stop after this many complete sentences (spoken answers stay short).
    pub max_sentences: usize,
    /// Sampling temperature; `None` is greedy decoding (the default: answers must be repeatable).
    pub temperature: Option<f64>,
    /// Stop at the first line break after some text: a spoken answer is one paragraph, and small
    /// models tend to go on with an invented next exchange after a blank line.
    pub single_paragraph: bool,
    /// Penalty for repeating recent tokens (1.0 = none); small models loop without it.
    pub repeat_penalty: f32,
    /// Seed for sampling.
    pub seed: u64,
    /// Stops generation, the prompt's reading included, at the next step once cancelled (the
    /// person spoke again, or the program is closing).
    pub cancel: CancelToken,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            max_tokens: 96,
            max_sentences: 3,
            temperature: None,
            single_paragraph: true,
            repeat_penalty: 1.1,
            seed: 299_792_458,
            cancel: CancelToken::new(),
        }
    }
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model ended its turn.
    EndOfTurn,
    /// Enough sentences were written.
    SentenceLimit,
    /// The paragraph ended (with `single_paragraph`).
    ParagraphEnd,
    /// The token budget ran out.
    TokenLimit,
    /// The caller asked to stop (for example, the person interrupted).
    Cancelled,
}

/// The result of one generation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Generation {
    /// Generated text, ending on a complete sentence.
    pub text: String,
    /// Why it ended.
    pub stop: StopReason,
    /// Tokens in the prompt.
    pub prompt_tokens: usize,
    /// Prompt tokens whose keys and values were reused from the previous generation (the
    /// shared system prompt), not computed again.
    pub reused_prompt_tokens: usize,
    /// Tokens generated.
    pub generated_tokens: usize,
    /// Milliseconds spent reading the prompt (time to first token).
    pub prompt_ms: u64,
    /// Milliseconds spent generating after the first token.
    pub generate_ms: u64,
}

/// Receives text as it is generated; returning `ControlFlow::Break` stops generation.
pub type TokenSink<'a> = dyn FnMut(&str) -> ControlFlow<()> + 'a;

/// A chat model that streams its answer.
pub trait LanguageModel: Send {
    /// Generates the assistant's reply to `messages`, passing each new piece of text to `on_text`.
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        options: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError>;
}

/// Language-model failures, each one sentence for a person.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// File missing or unreadable.
    #[error("cannot open the language model {path}: {reason}")]
    Open {
        /// Path.
        path: String,
        /// Reason.
        reason: String,
    },
    /// Not a GGUF file, or a damaged one.
    #[error("{path} is not a valid GGUF language model ({reason})")]
    NotGguf {
        /// Path.
        path: String,
        /// Reason.
        reason: String,
    },
    /// A GGUF of an architecture Aoun cannot run.
    #[error("{path} is a `{architecture}` model, which Aoun cannot run; supported architectures: llama, qwen2, qwen3")]
    UnsupportedArchitecture {
        /// Path.
        path: String,
        /// Architecture named in the file.
        architecture: String,
    },
    /// The file lacks something Aoun needs (tokenizer, chat template...).
    #[error("{path} cannot be used: {reason}")]
    Incomplete {
        /// Path.
        path: String,
        /// What is missing.
        reason: String,
    },
    /// The prompt does not fit the model's context.
    #[error("the question is too long for the language model ({tokens} tokens; it reads at most {limit})")]
    PromptTooLong {
        /// Prompt tokens.
        tokens: usize,
        /// Context limit left for the prompt.
        limit: usize,
    },
    /// The chat template failed to render.
    #[error("the model's chat template could not be applied: {0}")]
    Template(String),
    /// candle failed while running.
    #[error("the language model failed while answering: {0}")]
    Engine(String),
    /// The office server cannot be reached.
    #[error("the office language server at {url} cannot be reached: {reason}")]
    ServerUnreachable {
        /// Chat completions address.
        url: String,
        /// Reason.
        reason: String,
    },
    /// The office server did not answer in time.
    #[error("the office language server at {url} did not answer within {ms} ms")]
    ServerTooSlow {
        /// Chat completions address.
        url: String,
        /// The deadline it missed.
        ms: u64,
    },
    /// The office server answered something unusable.
    #[error("the office language server at {url} gave an unusable reply: {reason}")]
    ServerBadReply {
        /// Chat completions address.
        url: String,
        /// What was wrong (never the text of the conversation).
        reason: String,
    },
}

/// The first line of an engine's message, for one-sentence errors.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}
