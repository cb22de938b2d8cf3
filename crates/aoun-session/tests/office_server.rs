//! The answer over a real office server: the llama.cpp server of llama-cpp-python (on the
//! loopback address, from the throwaway environment `scripts/setup.sh` builds) serving the
//! registry pack's GGUF. That server answers in a new assistant turn instead of going on from the
//! words already said, and may first say them again: the phraser must not hand them on twice.

use std::ops::ControlFlow;
use std::time::Duration;

use aoun_core::{CancelToken, Lang};
use aoun_guide::Prompt;
use aoun_llm::{OpenAiServer, ServerOptions};
use aoun_models::ModelStore;
use aoun_peers::{free_loopback_port, llama_server_python, LlamaServer};
use aoun_session::Phraser;

#[test]
fn the_words_already_said_are_not_handed_on_again() {
    let python = llama_server_python().expect("a home folder");
    let gguf = ModelStore::open(None)
        .and_then(|store| store.verified_path("smollm2-135m-instruct"))
        .ok()
        .filter(|_| python.exists());
    let Some(gguf) = gguf else {
        let reason = "the llama.cpp server or the registry GGUF is missing (run scripts/setup.sh)";
        assert!(std::env::var_os("CI").is_none(), "{reason}");
        eprintln!("skipped: {reason}");
        return;
    };
    let port = free_loopback_port().expect("a free loopback port");
    let server = LlamaServer::start(&python, &gguf, port, 1).expect("the llama.cpp server starts");
    // Deadlines for a shared test machine: this checks behaviour, not speed.
    let patient = ServerOptions {
        first_token_deadline: Duration::from_secs(60),
        overall_deadline: Duration::from_secs(120),
        ..ServerOptions::default()
    };
    let model = OpenAiServer::new(server.url(), patient);
    let mut phraser = Phraser::new(Box::new(model), vec![Lang::En]);
    let prompt = Prompt {
        system: "You answer questions about Moroccan public services briefly.".into(),
        user: "What documents do I need for a national ID card?".into(),
    };
    let begun = "You need your birth certificate.";
    let mut handed_on = String::new();
    let generation = phraser
        .phrase_streaming(&prompt, begun, &CancelToken::new(), &mut |text| {
            handed_on.push_str(text);
            ControlFlow::Continue(())
        })
        .expect("the server answers");
    assert!(!handed_on.trim().is_empty(), "nothing was handed on");
    assert!(
        !handed_on.contains(begun),
        "the words already said were handed on again: {handed_on}"
    );
    assert_eq!(generation.text, handed_on.trim());
}
