//! Falls back to the kiosk's own model when the office server fails.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, TokenSink};

/// Which model gave the last answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerer {
    /// The primary model (the office server).
    Primary,
    /// The fallback model (the kiosk's own).
    Fallback,
}

/// How many generations each model gave, counted as they end; shared with whoever watches the
/// kiosk (the load test reads it while the desk answers).
#[derive(Debug, Default)]
pub struct AnswererCounts {
    primary: AtomicU64,
    fallback: AtomicU64,
    failed: AtomicU64,
}

impl AnswererCounts {
    /// Generations the primary model (the office server) gave.
    pub fn primary(&self) -> u64 {
        self.primary.load(Ordering::Relaxed)
    }

    /// Generations the fallback model (the kiosk's own) gave.
    pub fn fallback(&self) -> u64 {
        self.fallback.load(Ordering::Relaxed)
    }

    /// Generations neither gave, left for the guide's templates.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    fn count(&self, answerer: Option<Answerer>) {
        let counter = match answerer {
            Some(Answerer::Primary) => &self.primary,
            Some(Answerer::Fallback) => &self.fallback,
            None => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A primary model (the office server) with a fallback (the kiosk's local model, or none, and then
/// the primary's error lets the guide's templates answer).
///
/// When the primary fails before saying anything (unreachable, past its deadline, a bad reply),
/// the fallback answers the same turn; the citizen is told nothing, the administrator gets a
/// warning in the log. The primary is then left alone for `retry_after`, so that a server that is
/// down does not cost every turn its connection timeout, and tried again after that.
pub struct WithFallback {
    primary: Box<dyn LanguageModel>,
    fallback: Option<Box<dyn LanguageModel>>,
    retry_after: Duration,
    primary_rests_until: Option<Instant>,
    last: Option<Answerer>,
    counts: Arc<AnswererCounts>,
}

impl WithFallback {
    /// `primary` first, `fallback` when it fails; the primary is retried `retry_after` a failure.
    pub fn new(
        primary: Box<dyn LanguageModel>,
        fallback: Option<Box<dyn LanguageModel>>,
        retry_after: Duration,
    ) -> Self {
        Self {
            primary,
            fallback,
            retry_after,
            primary_rests_until: None,
            last: None,
            counts: Arc::default(),
        }
    }

    /// The running count of who answered, shared.
    pub fn counts(&self) -> Arc<AnswererCounts> {
        Arc::clone(&self.counts)
    }

    /// Which model gave the last answer (`None` before any, or when both failed).
    pub fn last_answerer(&self) -> Option<Answerer> {
        self.last
    }

    fn answer_with_fallback(
        &mut self,
        messages: &[ChatMessage],
        options: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
        primary_error: LlmError,
    ) -> Result<Generation, LlmError> {
        let Some(fallback) = self.fallback.as_mut() else {
            return Err(primary_error);
        };
        let generation = fallback.generate(messages, options, on_text)?;
        self.last = Some(Answerer::Fallback);
        Ok(generation)
    }
}

impl LanguageModel for WithFallback {
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        options: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError> {
        let result = self.generate_once(messages, options, on_text);
        self.counts.count(self.last);
        result
    }
}

impl WithFallback {
    fn generate_once(
        &mut self,
        messages: &[ChatMessage],
        options: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError> {
        self.last = None;
        if let Some(until) = self.primary_rests_until {
            if Instant::now() < until {
                let resting =
                    LlmError::Engine("the office server is resting after a failure".into());
                return self.answer_with_fallback(messages, options, on_text, resting);
            }
        }
        match self.primary.generate(messages, options, on_text) {
            Ok(generation) => {
                if self.primary_rests_until.take().is_some() {
                    tracing::info!("the office language server answers again");
                }
                self.last = Some(Answerer::Primary);
                Ok(generation)
            }
            Err(error) => {
                // The error names the server and the reason, never the conversation.
                tracing::warn!(
                    %error,
                    retry_in_s = self.retry_after.as_secs(),
                    local_model = self.fallback.is_some(),
                    "the office language server failed; the kiosk answers on its own"
                );
                self.primary_rests_until = Some(Instant::now() + self.retry_after);
                self.answer_with_fallback(messages, options, on_text, error)
            }
        }
    }
}
