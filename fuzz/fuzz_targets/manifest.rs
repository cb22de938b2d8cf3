//! A model manifest given with `--manifest` instead of the one built into the program.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(manifest) = aoun_models::Manifest::parse(text, "fuzz input") {
        // A manifest that parsed is one that validates, and every model can be asked about.
        assert_eq!(manifest.validate(), Ok(()));
        for entry in &manifest.models {
            assert!(entry.primary().is_some());
            let _ = entry.is_fetchable();
        }
    }
});
