//! espeak-ng (built by espeak-rs-sys) uses libsonic for speed changes. Its own build would fetch
//! sonic's source from the network; with Debian's libsonic-dev installed it finds the header but
//! does not link the library, so link the static archive here.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let multiarch = match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
            Ok("aarch64") => "aarch64-linux-gnu",
            _ => "x86_64-linux-gnu",
        };
        println!("cargo:rustc-link-search=native=/usr/lib/{multiarch}");
        println!("cargo:rustc-link-lib=static=sonic");
    }
}
