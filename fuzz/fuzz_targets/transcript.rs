//! What speech recognition hears, or what `aoun ask` is given: any text through the shipped
//! guide, as the turns of one conversation (split at `|`). Nothing panics, replies and prompts
//! stay bounded, and every answer is one the card's guard accepts.
#![no_main]

use std::sync::LazyLock;

use aoun_guide::{Dialogue, Guide, Reply};
use libfuzzer_sys::fuzz_target;

static GUIDE: LazyLock<Guide> = LazyLock::new(Guide::embedded);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut dialogue = Dialogue::default();
    for turn in text.split('|').take(4) {
        let reply = GUIDE.respond(&mut dialogue, turn, None);
        assert!(reply.text().chars().count() <= 1000);
        if let Reply::Answer(answer) = &reply {
            assert_eq!(GUIDE.guard(answer, &answer.text), Ok(()));
            let prompt = GUIDE
                .grounded_prompt(answer)
                .expect("the card is in the pack");
            assert!(prompt.user.chars().count() <= 4000);
            // A model that repeats the transcript is checked like any other candidate.
            let _ = GUIDE.guard(answer, turn);
        }
    }
});
