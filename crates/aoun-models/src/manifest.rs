//! The model manifest: which models exist, where their bytes come from and what they must hash to.

use std::fmt;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// The manifest shipped inside the program (`models/manifest.toml` of the source tree).
pub const EMBEDDED_MANIFEST: &str = include_str!("../../../models/manifest.toml");

/// The whole manifest: a schema number and a list of models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version of the manifest (currently 1).
    pub schema: u32,
    /// Every model, in the order they are fetched.
    #[serde(rename = "model", default)]
    pub models: Vec<ModelEntry>,
}

/// What a model is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Speech to text.
    Stt,
    /// Language model that writes answers.
    Llm,
    /// Text to speech voice.
    Tts,
    /// Voice activity detection.
    Vad,
    /// Tells whether a person has finished speaking (end of turn).
    Turn,
    /// Adds diacritics (tashkeel) to Arabic text.
    Diacritizer,
    /// A native runtime library (ONNX Runtime).
    Runtime,
    /// Data files of the espeak-ng phonemizer.
    PhonemizerData,
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelKind::Stt => "stt",
            ModelKind::Llm => "llm",
            ModelKind::Tts => "tts",
            ModelKind::Vad => "vad",
            ModelKind::Turn => "turn",
            ModelKind::Diacritizer => "diacritizer",
            ModelKind::Runtime => "runtime",
            ModelKind::PhonemizerData => "phonemizer-data",
        })
    }
}

/// A named set of models installed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pack {
    /// Models the package registries carry; fetchable everywhere, used by the demo and CI.
    Registry,
    /// What a real deployment installs; downloaded or side-loaded from their upstream addresses.
    Standard,
}

impl fmt::Display for Pack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pack::Registry => "registry",
            Pack::Standard => "standard",
        })
    }
}

impl std::str::FromStr for Pack {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "registry" => Ok(Pack::Registry),
            "standard" => Ok(Pack::Standard),
            other => Err(format!(
                "unknown model pack `{other}` (expected `registry` or `standard`)"
            )),
        }
    }
}

/// One model: an id and the files that make it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// Stable id used by the other crates (`whisper-base`, `silero-vad`, ...).
    pub id: String,
    /// What the model does.
    pub kind: ModelKind,
    /// The pack it belongs to.
    pub pack: Pack,
    /// Languages the model understands (BCP 47 codes: `ar`, `fr`, `en`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// For language models: the languages it can answer in (may be fewer than it reads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speaks: Vec<String>,
    /// License of the weights (SPDX expression or a short explanation).
    pub license: String,
    /// One line for people.
    #[serde(default)]
    pub description: String,
    /// Where the model originally comes from (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    /// The files; the first one is the primary file that [`crate::ModelStore::path`] returns.
    #[serde(rename = "file", default)]
    pub files: Vec<FileSpec>,
}

impl ModelEntry {
    /// The primary file (the first one listed).
    pub fn primary(&self) -> Option<&FileSpec> {
        self.files.first()
    }

    /// True when every file can be obtained through the package registries.
    pub fn is_fetchable(&self) -> bool {
        !self.files.is_empty() && self.files.iter().all(FileSpec::is_fetchable)
    }

    /// Finds a file by its store-relative path or by its file name.
    pub fn file_named(&self, name: &str) -> Option<&FileSpec> {
        self.files
            .iter()
            .find(|f| f.path == name)
            .or_else(|| self.files.iter().find(|f| f.file_name() == name))
    }
}

/// Whether a [`FileSpec`] is one file or a whole directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A regular file; `sha256` is the file's hash.
    #[default]
    File,
    /// A directory; `sha256` is its tree hash (see [`crate::tree_sha256`]) and `size` the sum of its file sizes.
    Dir,
}

/// One installed file (or directory) of a model and how to produce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Path relative to the store root, `/`-separated, starting with the model id.
    pub path: String,
    /// File or directory.
    #[serde(default)]
    pub kind: FileKind,
    /// sha256 (lowercase hex) of the final file, or tree hash of the directory; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Exact size in bytes of the final file (total of all files for a directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Approximate size in bytes as announced upstream, when the exact size is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approx_size: Option<u64>,
    /// Upstream download address, for files the registries do not carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Archive members that are concatenated, in order, to make the file (or one directory member).
    #[serde(rename = "part", default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<SourcePart>,
    /// A conversion that produces the file from `inputs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convert: Option<Conversion>,
    /// Inputs of the conversion.
    #[serde(rename = "input", default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<ConvertInput>,
}

impl FileSpec {
    /// True when the file can be built from registry packages.
    pub fn is_fetchable(&self) -> bool {
        if self.convert.is_some() {
            !self.inputs.is_empty() && self.inputs.iter().all(|i| !i.parts.is_empty())
        } else {
            !self.parts.is_empty()
        }
    }

    /// The last component of `path`.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// Every source part, including the parts of conversion inputs.
    pub fn all_parts(&self) -> impl Iterator<Item = &SourcePart> {
        self.parts
            .iter()
            .chain(self.inputs.iter().flat_map(|i| i.parts.iter()))
    }
}

/// A conversion applied while fetching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Conversion {
    /// CTranslate2 Whisper `model.bin` + tokenizer + mel filters -> whisper.cpp ggml.
    #[serde(rename = "ct2-whisper-to-ggml")]
    Ct2WhisperToGgml,
    /// A Q4/Q5 GGUF language model -> the same model in Q8_0.
    #[serde(rename = "gguf-requantize-q8_0")]
    GgufRequantizeQ8_0,
}

/// What an input of a conversion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputRole {
    /// CTranslate2 `model.bin`.
    ModelBin,
    /// A `.tiktoken` vocabulary.
    Tiktoken,
    /// `mel_filters.npz`.
    MelFilters,
    /// A GGUF model file.
    Gguf,
}

/// One input of a conversion, itself made of one or more archive members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertInput {
    /// What the input is.
    pub role: InputRole,
    /// sha256 of the assembled input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Size of the assembled input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The members concatenated to make the input.
    #[serde(rename = "part", default)]
    pub parts: Vec<SourcePart>,
}

/// Kind of archive pip is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dist {
    /// A wheel (`.whl`, a zip file).
    Wheel,
    /// A source distribution (`.tar.gz`); member paths are relative to its top folder.
    Sdist,
}

/// A member of a package archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcePart {
    /// `name==version`.
    pub package: String,
    /// Wheel or sdist.
    pub dist: Dist,
    /// For platform-specific wheels: the platform tag given to pip (`manylinux_2_28_x86_64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// For platform-specific wheels: the Python version given to pip (`3.11`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_version: Option<String>,
    /// Path inside the archive; a directory when it ends with `/`.
    pub member: String,
    /// sha256 of the member, when it differs from the final file's (split files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Size of the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl SourcePart {
    /// Package name and version from `name==version`.
    pub fn name_version(&self) -> Option<(&str, &str)> {
        let (n, v) = self.package.split_once("==")?;
        let (n, v) = (n.trim(), v.trim());
        (!n.is_empty() && !v.is_empty()).then_some((n, v))
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.contains('\\')
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

impl Manifest {
    /// The manifest built into the program.
    pub fn embedded() -> Result<Manifest, ModelError> {
        Manifest::parse(EMBEDDED_MANIFEST, "built into this program")
    }

    /// Reads a manifest file (to override the embedded one).
    pub fn load(path: &Path) -> Result<Manifest, ModelError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ModelError::io("read the model manifest", path, e))?;
        Manifest::parse(&text, &path.display().to_string())
    }

    /// Parses and checks manifest text; `origin` names it in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Manifest, ModelError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| ModelError::Manifest {
            origin: origin.to_string(),
            message: e.message().to_string(),
        })?;
        manifest
            .validate()
            .map_err(|message| ModelError::Manifest {
                origin: origin.to_string(),
                message,
            })?;
        Ok(manifest)
    }

    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&ModelEntry> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The entries of one pack.
    pub fn pack(&self, pack: Pack) -> impl Iterator<Item = &ModelEntry> {
        self.models.iter().filter(move |m| m.pack == pack)
    }

    /// Checks the rules a manifest must follow; returns the first problem found.
    pub fn validate(&self) -> Result<(), String> {
        if self.schema != 1 {
            return Err(format!(
                "schema {} is not supported (expected 1)",
                self.schema
            ));
        }
        let mut ids = std::collections::HashSet::new();
        let mut paths = std::collections::HashSet::new();
        for m in &self.models {
            if m.id.is_empty() || !is_safe_relative(&m.id) || m.id.contains('/') {
                return Err(format!("model id `{}` is not a plain name", m.id));
            }
            if !ids.insert(m.id.as_str()) {
                return Err(format!("model id `{}` is listed twice", m.id));
            }
            if m.files.is_empty() {
                return Err(format!("model `{}` lists no file", m.id));
            }
            for f in &m.files {
                let ctx = |msg: &str| format!("file `{}` of model `{}` {msg}", f.path, m.id);
                if !is_safe_relative(&f.path) || !f.path.starts_with(&format!("{}/", m.id)) {
                    return Err(ctx(
                        "must be a relative path inside the folder named after the model",
                    ));
                }
                if !paths.insert(f.path.as_str()) {
                    return Err(ctx("is listed twice"));
                }
                for h in f
                    .sha256
                    .iter()
                    .chain(f.all_parts().filter_map(|p| p.sha256.as_ref()))
                {
                    if !is_sha256(h) {
                        return Err(ctx(&format!("has a malformed sha256 `{h}`")));
                    }
                }
                for p in f.all_parts() {
                    if p.name_version().is_none() {
                        return Err(ctx(&format!(
                            "names package `{}`, expected name==version",
                            p.package
                        )));
                    }
                    let member = p.member.trim_end_matches('/');
                    if !is_safe_relative(member) {
                        return Err(ctx(&format!(
                            "names an unsafe archive member `{}`",
                            p.member
                        )));
                    }
                }
                if f.convert.is_some() == f.inputs.is_empty() {
                    return Err(ctx("must list inputs exactly when it has a conversion"));
                }
                if f.convert.is_some() && !f.parts.is_empty() {
                    return Err(ctx("cannot have both parts and a conversion"));
                }
                let roles: &[InputRole] = match f.convert {
                    Some(Conversion::Ct2WhisperToGgml) => &[
                        InputRole::ModelBin,
                        InputRole::Tiktoken,
                        InputRole::MelFilters,
                    ],
                    Some(Conversion::GgufRequantizeQ8_0) => &[InputRole::Gguf],
                    None => &[],
                };
                for role in roles {
                    if f.inputs.iter().filter(|i| i.role == *role).count() != 1 {
                        return Err(ctx(&format!("needs exactly one {role:?} input")));
                    }
                }
                if f.kind == FileKind::Dir
                    && (f.parts.len() != 1 || !f.parts.iter().all(|p| p.member.ends_with('/')))
                {
                    return Err(ctx(
                        "is a directory and needs exactly one part ending with `/`",
                    ));
                }
                if f.parts.len() > 1 && f.parts.iter().any(|p| p.sha256.is_none()) {
                    return Err(ctx("is split in parts and every part needs its own sha256"));
                }
                if m.pack == Pack::Registry {
                    if f.sha256.is_none() || f.size.is_none() {
                        return Err(ctx(
                            "belongs to the registry pack and needs sha256 and size",
                        ));
                    }
                    if !f.is_fetchable() {
                        return Err(ctx("belongs to the registry pack and needs a source"));
                    }
                }
            }
        }
        Ok(())
    }
}
