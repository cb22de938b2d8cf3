//! The office server: the real llama.cpp server of llama-cpp-python (on the loopback address,
//! from the throwaway environment `scripts/setup.sh` builds) serving the registry pack's GGUF.

use std::net::TcpListener;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

use aoun_llm::{
    Answerer, ChatMessage, GenerateOptions, GgufModel, LanguageModel, LlmError, OpenAiServer, Role,
    ServerOptions, StopReason, WithFallback,
};
use aoun_peers::{free_loopback_port, llama_server_python, LlamaServer};

fn models_dir() -> PathBuf {
    std::env::var_os("AOUN_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.data_local_dir().join("aoun/models")))
        .expect("a home folder")
}

fn gguf() -> PathBuf {
    models_dir().join("smollm2-135m-instruct/SmolLM2-135M-Instruct.Q8_0.gguf")
}

fn server_python() -> PathBuf {
    llama_server_python().expect("a home folder")
}

/// Whether the server and the model are here; in CI their absence is a failure.
fn available() -> bool {
    let missing: Vec<String> = [server_python(), gguf()]
        .into_iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let reason = format!("missing {} (run scripts/setup.sh)", missing.join(" and "));
    assert!(std::env::var_os("CI").is_none(), "{reason}");
    eprintln!("skipped: {reason}");
    false
}

fn free_port() -> u16 {
    free_loopback_port().expect("a free loopback port")
}

/// A llama.cpp server on a loopback port (one thread), stopped when dropped.
fn start_server(port: u16) -> LlamaServer {
    LlamaServer::start(&server_python(), &gguf(), port, 1).expect("the llama.cpp server starts")
}

/// Deadlines for a shared test machine: these tests check behaviour, not speed.
fn patient() -> ServerOptions {
    ServerOptions {
        first_token_deadline: Duration::from_secs(60),
        overall_deadline: Duration::from_secs(120),
        ..ServerOptions::default()
    }
}

fn question() -> Vec<ChatMessage> {
    vec![
        ChatMessage::new(
            Role::System,
            "You answer questions about Moroccan public services briefly.",
        ),
        ChatMessage::new(
            Role::User,
            "What documents do I need for a national ID card?",
        ),
    ]
}

fn long_answer() -> GenerateOptions {
    GenerateOptions {
        max_tokens: 24,
        max_sentences: 10,
        single_paragraph: false,
        ..GenerateOptions::default()
    }
}

fn pieces_of(
    model: &mut dyn LanguageModel,
    messages: &[ChatMessage],
    options: &GenerateOptions,
    cancel_after: Option<usize>,
) -> (Result<aoun_llm::Generation, LlmError>, Vec<String>) {
    let mut pieces = Vec::new();
    let result = model.generate(messages, options, &mut |piece: &str| {
        pieces.push(piece.to_string());
        match cancel_after {
            Some(n) if pieces.len() >= n => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    });
    (result, pieces)
}

#[test]
fn the_server_streams_continues_and_stops_when_interrupted() {
    if !available() {
        return;
    }
    let server = start_server(free_port());
    let mut model = OpenAiServer::new(server.url(), patient());

    let (full, pieces) = pieces_of(&mut model, &question(), &long_answer(), None);
    let full = full.expect("the server answers");
    assert!(pieces.len() > 1, "the answer came in one piece: {pieces:?}");
    assert!(!full.text.is_empty());
    assert_ne!(full.stop, StopReason::Cancelled);

    let (cancelled, pieces) = pieces_of(&mut model, &question(), &long_answer(), Some(1));
    let cancelled = cancelled.expect("a cancelled answer is not an error");
    assert_eq!(cancelled.stop, StopReason::Cancelled);
    assert_eq!(pieces.len(), 1);
    assert!(cancelled.generated_tokens < full.generated_tokens);

    // The closed stream freed the server: it answers the next turn, here a continuation of the
    // sentence already spoken (that it is not said twice is the answer's rule, tested in
    // aoun-session's office_server test).
    let mut continued = question();
    continued.push(ChatMessage::new(
        Role::Assistant,
        "You need your birth certificate.",
    ));
    let next = model
        .generate(&continued, &GenerateOptions::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .expect("the server answers after a cancelled stream");
    assert!(!next.text.is_empty());

    // The same question through candle, for the first-token figures of the README.
    let mut local = GgufModel::load(&gguf(), candle_core::Device::Cpu).expect("the GGUF loads");
    let local = local
        .generate(&question(), &long_answer(), &mut |_| {
            ControlFlow::Continue(())
        })
        .expect("the local model answers");
    eprintln!(
        "first token: server {} ms, local candle {} ms ({} prompt tokens)",
        full.prompt_ms, local.prompt_ms, local.prompt_tokens
    );
}

#[test]
fn an_unreachable_server_fails_fast_with_one_sentence() {
    let port = free_port();
    let mut model = OpenAiServer::new(
        &format!("http://127.0.0.1:{port}/v1"),
        ServerOptions::default(),
    );
    let (result, pieces) = pieces_of(&mut model, &question(), &long_answer(), None);
    let error = result.expect_err("nothing listens there");
    assert!(
        matches!(error, LlmError::ServerUnreachable { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        !message.contains('\n') && message.contains(&port.to_string()),
        "{message}"
    );
    assert!(pieces.is_empty());
}

/// A server that accepts connections and never says anything; its address.
fn silent_server() -> String {
    let silent = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", silent.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in silent.incoming().flatten() {
            let _ = std::io::copy(&mut &stream, &mut std::io::sink());
        }
    });
    url
}

fn hasty() -> ServerOptions {
    ServerOptions {
        first_token_deadline: Duration::from_millis(300),
        ..ServerOptions::default()
    }
}

#[test]
fn a_server_that_does_not_answer_misses_its_deadline() {
    let mut model = OpenAiServer::new(&silent_server(), hasty());
    let (result, _) = pieces_of(&mut model, &question(), &long_answer(), None);
    let error = result.expect_err("the server says nothing");
    assert!(
        matches!(error, LlmError::ServerTooSlow { ms: 300, .. }),
        "{error:?}"
    );
}

#[test]
fn the_local_model_answers_when_the_server_misses_its_deadline() {
    if !available() {
        return;
    }
    let server = OpenAiServer::new(&silent_server(), hasty());
    let local = GgufModel::load(&gguf(), candle_core::Device::Cpu).expect("the GGUF loads");
    let mut model = WithFallback::new(Box::new(server), Some(Box::new(local)), Duration::ZERO);
    let (answer, _) = pieces_of(&mut model, &question(), &long_answer(), None);
    assert!(!answer.expect("the local model answers").text.is_empty());
    assert_eq!(model.last_answerer(), Some(Answerer::Fallback));
}

#[test]
fn the_local_model_answers_while_the_server_is_down_and_the_server_when_it_is_back() {
    if !available() {
        return;
    }
    let port = free_port();
    let server = OpenAiServer::new(&format!("http://127.0.0.1:{port}"), patient());
    let local = GgufModel::load(&gguf(), candle_core::Device::Cpu).expect("the GGUF loads");
    let mut model = WithFallback::new(Box::new(server), Some(Box::new(local)), Duration::ZERO);

    let (down, pieces) = pieces_of(&mut model, &question(), &long_answer(), None);
    assert!(!down.expect("the local model answers").text.is_empty());
    assert!(!pieces.is_empty());
    assert_eq!(model.last_answerer(), Some(Answerer::Fallback));

    let _server = start_server(port);
    let (back, _) = pieces_of(&mut model, &question(), &long_answer(), None);
    assert!(!back.expect("the server answers").text.is_empty());
    assert_eq!(model.last_answerer(), Some(Answerer::Primary));
}

#[test]
fn without_a_local_model_the_server_error_is_left_for_the_templates() {
    let port = free_port();
    let server = OpenAiServer::new(
        &format!("http://127.0.0.1:{port}"),
        ServerOptions::default(),
    );
    let mut model = WithFallback::new(Box::new(server), None, Duration::from_secs(30));
    for _ in 0..2 {
        let (result, _) = pieces_of(&mut model, &question(), &long_answer(), None);
        assert!(result.is_err());
        assert_eq!(model.last_answerer(), None);
    }
}
