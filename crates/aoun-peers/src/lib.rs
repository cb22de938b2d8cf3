//! What Aoun is tested and measured against, kept out of the product's crates: the llama.cpp
//! server of llama-cpp-python, started on a loopback port as the office server for the office
//! server's tests and the load test (`aoun bench office --start-server`); speexdsp's echo
//! canceller, beside Aoun's in `aoun bench echo`.

mod llama_server;
mod speex_echo;

pub use llama_server::{free_loopback_port, llama_server_python, LlamaServer};
pub use speex_echo::SpeexCanceller;
