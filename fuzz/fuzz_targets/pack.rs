//! A content pack imported from a USB stick. The input replaces one file of a small valid pack
//! (the shipped `pack.toml`, `lexicon.toml` and `words.toml` with the passport card): the first
//! byte chooses which, so mutations reach the checks past TOML syntax. One card keeps each run
//! fast.
#![no_main]

use aoun_guide::pack::Source;
use aoun_guide::{Dialogue, Guide, Reply};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut sources: Vec<Source> = aoun_guide::embedded_sources()
        .into_iter()
        .filter(|s| {
            matches!(
                s.name.as_str(),
                "pack.toml" | "lexicon.toml" | "words.toml" | "cards/passport.toml"
            )
        })
        .collect();
    let at = usize::from(choice) % sources.len();
    sources[at].text = text.to_string();
    let checked = aoun_guide::check_sources(&sources);
    match Guide::from_sources(&sources) {
        Ok(guide) => {
            assert!(checked.is_ok());
            // A pack that loads answers questions, and its answers pass its own guard.
            let reply = guide.respond(
                &mut Dialogue::default(),
                "combien coûte le passeport ?",
                None,
            );
            if let Reply::Answer(answer) = &reply {
                assert_eq!(guide.guard_facts(answer, &answer.text), Ok(()));
                let _ = guide.grounded_prompt(answer);
            }
        }
        Err(errors) => assert!(!errors.is_empty() && checked.is_err()),
    }
});
