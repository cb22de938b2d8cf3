//! What Aoun is tested and measured against, kept out of the product's crates: the llama.cpp
//! server of llama-cpp-python, started on a loopback port as the office server for the office
//! server's tests and the load test (`aoun bench office --start-server`); speexdsp's echo
//! canceller, beside Aoun's in `aoun bench echo`; Aoun's former resampler, beside rubato's in
//! `aoun bench resample`.

mod llama_server;
mod sinc_resample;
mod speex_echo;

pub use llama_server::{free_loopback_port, llama_server_python, LlamaServer};
pub use sinc_resample::sinc_resample;
pub use speex_echo::SpeexCanceller;
