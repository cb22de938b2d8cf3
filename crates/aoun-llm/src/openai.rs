//! A language model on an office server, through the OpenAI-compatible chat completions endpoint
//! (`/v1/chat/completions` with `stream: true`), as the llama.cpp server and vLLM serve it.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use crate::stops::StreamStops;
use crate::{first_line, TokenSink};
use crate::{ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, StopReason};

/// Limits of the conversation with the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Longest wait for the connection to open.
    pub connect_timeout: Duration,
    /// Longest wait for the first piece of the answer, and between two pieces: a server that
    /// misses it is too slow, and the kiosk answers without it.
    pub first_token_deadline: Duration,
    /// Longest whole answer; what was streamed by then is kept.
    pub overall_deadline: Duration,
    /// The `model` field of each request (vLLM wants the served model's name; the llama.cpp
    /// server ignores it).
    pub model: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(300),
            first_token_deadline: Duration::from_millis(1500),
            overall_deadline: Duration::from_secs(20),
            model: None,
        }
    }
}

/// A chat model served over HTTP by an OpenAI-compatible server.
///
/// When the last message is the assistant's, it is sent last for the server to continue. The
/// llama.cpp server of llama-cpp-python 0.3 opens a new assistant turn instead, which may first
/// restate the sentence already spoken: the answer drops it (`aoun_session::Phraser`).
#[derive(Debug)]
pub struct OpenAiServer {
    endpoint: String,
    agent: ureq::Agent,
    options: ServerOptions,
}

impl OpenAiServer {
    /// A server at `base_url` (for example `http://10.0.0.5:8080`, with or without `/v1`).
    pub fn new(base_url: &str, options: ServerOptions) -> Self {
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(options.connect_timeout))
            .timeout_per_read(Some(options.first_token_deadline))
            .timeout_global(Some(options.overall_deadline))
            .build()
            .into();
        Self {
            endpoint: format!("{base}/v1/chat/completions"),
            agent,
            options,
        }
    }

    /// The chat completions address requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn request(&self, messages: &[ChatMessage], options: &GenerateOptions) -> serde_json::Value {
        let mut body = serde_json::json!({
            "messages": messages,
            "stream": true,
            "max_tokens": options.max_tokens,
            "temperature": options.temperature.unwrap_or(0.0),
            "seed": options.seed,
            // llama.cpp's name for it; servers that do not know it ignore it.
            "repeat_penalty": options.repeat_penalty,
        });
        if let Some(model) = &self.options.model {
            body["model"] = model.as_str().into();
        }
        body
    }

    fn failure(&self, error: ureq::Error) -> LlmError {
        let url = self.endpoint.clone();
        match error {
            ureq::Error::Timeout(_) => self.too_slow(),
            ureq::Error::StatusCode(status) => LlmError::ServerBadReply {
                url,
                reason: format!("HTTP status {status}"),
            },
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => self.too_slow(),
            e @ (ureq::Error::Io(_)
            | ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::BadUri(_)) => LlmError::ServerUnreachable {
                url,
                reason: first_line(&e.to_string()),
            },
            e => LlmError::ServerBadReply {
                url,
                reason: first_line(&e.to_string()),
            },
        }
    }

    fn too_slow(&self) -> LlmError {
        LlmError::ServerTooSlow {
            url: self.endpoint.clone(),
            ms: self.options.first_token_deadline.as_millis() as u64,
        }
    }

    fn bad_reply(&self, reason: &str) -> LlmError {
        LlmError::ServerBadReply {
            url: self.endpoint.clone(),
            reason: reason.to_string(),
        }
    }
}

/// One event of the stream.
enum Event {
    Text(String),
    Done,
}

/// Reads a `data: {...}` line of the stream; other lines (comments, blank lines) are `None`.
fn parse_line(line: &str) -> Result<Option<Event>, String> {
    let Some(data) = line.strip_prefix("data:").map(str::trim) else {
        return Ok(None);
    };
    if data == "[DONE]" {
        return Ok(Some(Event::Done));
    }
    let chunk: serde_json::Value =
        serde_json::from_str(data).map_err(|e| format!("a streamed chunk is not JSON ({e})"))?;
    if let Some(message) = chunk["error"]["message"].as_str() {
        return Err(format!("the server reported: {}", first_line(message)));
    }
    let choice = &chunk["choices"][0];
    if let Some(text) = choice["delta"]["content"]
        .as_str()
        .filter(|t| !t.is_empty())
    {
        return Ok(Some(Event::Text(text.to_string())));
    }
    Ok(choice["finish_reason"].is_string().then_some(Event::Done))
}

impl LanguageModel for OpenAiServer {
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        options: &GenerateOptions,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError> {
        let started = Instant::now();
        let response = self
            .agent
            .post(&self.endpoint)
            .header("Accept", "text/event-stream")
            .send_json(self.request(messages, options))
            .map_err(|e| self.failure(e))?;
        // Dropping the reader closes the connection, which is how a cancelled answer stops the
        // server from writing more.
        let mut lines = BufReader::new(response.into_body().into_reader()).lines();

        let mut stops = StreamStops::new(options);
        let mut first_piece_ms = None;
        let mut pieces = 0;
        let mut stop = StopReason::TokenLimit;
        loop {
            let event = match lines.next() {
                None => Event::Done,
                Some(Ok(line)) => match parse_line(&line).map_err(|e| self.bad_reply(&e))? {
                    Some(event) => event,
                    None => continue,
                },
                Some(Err(e)) => {
                    let error = match e.get_ref().and_then(|e| e.downcast_ref::<ureq::Error>()) {
                        Some(ureq::Error::Timeout(_)) => self.too_slow(),
                        _ if e.kind() == std::io::ErrorKind::TimedOut => self.too_slow(),
                        _ => self.bad_reply(&format!(
                            "the stream broke ({})",
                            first_line(&e.to_string())
                        )),
                    };
                    if !stops.started() {
                        return Err(error);
                    }
                    // Part of the answer is already spoken: keep it, and tell the administrator.
                    tracing::warn!(%error, "the office language server stopped mid-answer");
                    break;
                }
            };
            let piece = match event {
                Event::Done => {
                    stop = StopReason::EndOfTurn;
                    break;
                }
                Event::Text(text) => {
                    first_piece_ms.get_or_insert(started.elapsed().as_millis() as u64);
                    pieces += 1;
                    text
                }
            };
            if let Some(reason) = stops.push(piece, on_text) {
                stop = reason;
                break;
            }
            if pieces >= options.max_tokens {
                break;
            }
        }
        let prompt_ms = first_piece_ms.unwrap_or_else(|| started.elapsed().as_millis() as u64);
        Ok(Generation {
            text: stops.finish(),
            stop,
            prompt_tokens: 0,
            reused_prompt_tokens: 0,
            generated_tokens: pieces,
            prompt_ms,
            generate_ms: (started.elapsed().as_millis() as u64).saturating_sub(prompt_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_stream_lines() {
        let text = r#"data: {"choices":[{"delta":{"content":"Bring"},"finish_reason":null}]}"#;
        assert!(matches!(parse_line(text), Ok(Some(Event::Text(t))) if t == "Bring"));
        assert!(matches!(parse_line("data: [DONE]"), Ok(Some(Event::Done))));
        assert!(matches!(parse_line(": keep-alive"), Ok(None)));
        let role = r#"data: {"choices":[{"delta":{"role":"assistant"},"finish_reason":null}]}"#;
        assert!(matches!(parse_line(role), Ok(None)));
        assert!(parse_line("data: {oops").is_err());
    }
}
