//! Inputs of the Whisper conversion taken from package archives: the CTranslate2 `model.bin`,
//! the `.tiktoken` vocabulary and the `.npy` mel filters. The first byte chooses the format.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    match choice % 3 {
        0 => {
            let Ok(model) =
                aoun_models::Ct2Model::from_bytes(rest.to_vec(), Path::new("model.bin"))
            else {
                return;
            };
            for (name, var) in &model.vars {
                assert_eq!(model.raw(var).len(), var.elements() * var.dtype.size());
                let _ = model.scalar_int(name);
            }
            for alias in model.aliases.keys() {
                let _ = model.var(alias);
            }
            let _ = aoun_models::whisper_hparams(&model);
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = aoun_models::parse_tiktoken(text);
            }
        }
        _ => {
            if let Ok(array) = aoun_models::parse_npy_f32(rest) {
                assert_eq!(array.data.len(), array.shape.iter().product::<usize>());
            }
        }
    }
});
