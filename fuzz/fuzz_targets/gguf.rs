//! A GGUF language model given with `--llm FILE.gguf`: header, metadata, tokenizer, chat
//! template and tensor table, read from memory exactly as from a file.
#![no_main]

use aoun_llm::{ChatMessage, GgufModel, Role};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = std::io::Cursor::new(data);
    if let Ok(model) = GgufModel::from_reader(&mut reader, "fuzz input", candle_core::Device::Cpu) {
        let messages = [ChatMessage::new(Role::User, "Combien coûte le passeport ?")];
        if let Ok(prompt) = model.render_prompt(&messages) {
            let _ = model.encode(&prompt);
        }
    }
});
