//! The guide's guard checks an office server's wording exactly as the local model's: a server
//! that invents a fee is not believed, and the card's own words are spoken.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aoun_desk::{load_for_text, Quiet, Setup};
use aoun_guide::Lang;
use aoun_session::AnswerSource;

/// Answers every chat completion with `reply`, streamed a few words at a time, and counts them.
fn scripted_server(reply: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            counted.fetch_add(1, Ordering::SeqCst);
            let mut events = String::new();
            for word in reply.split_inclusive(' ') {
                let chunk = serde_json::json!({"choices": [{"delta": {"content": word}}]});
                events.push_str(&format!("data: {chunk}\n\n"));
            }
            events.push_str("data: [DONE]\n\n");
            let _ = write!(
                &stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{events}",
                events.len()
            );
        }
    });
    (url, requests)
}

#[test]
fn an_invented_fee_from_the_server_is_rejected_and_the_card_is_spoken() {
    let (url, requests) =
        scripted_server("You will also pay a fee of 900 dirhams at the counter. ");
    // No local model in this store: the server is the only model.
    let store = tempfile::tempdir().expect("a temporary folder");
    let setup = Setup {
        llm_server: Some(url),
        llm_server_speaks: vec!["en".into()],
        ..Setup::default()
    };
    let mut desk = load_for_text(Some(store.path().to_path_buf()), &setup, &mut Quiet)
        .expect("the desk loads with an office server");
    let answer = desk
        .ask(
            "what are the steps to renew my national ID card?",
            Some(Lang::En),
        )
        .expect("an answer");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "the server was asked: {answer:?}"
    );
    assert_eq!(answer.source, AnswerSource::Template, "{answer:?}");
    assert!(answer.rejected.is_some(), "{answer:?}");
    assert!(!answer.text.contains("900"), "{}", answer.text);
}
