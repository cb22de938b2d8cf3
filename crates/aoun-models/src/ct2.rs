//! Reader for CTranslate2 `model.bin` files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, ModelError};

/// Element type of a CTranslate2 variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ct2Dtype {
    /// 32-bit float (code 0).
    F32,
    /// 8-bit integer, also used for flags (code 1).
    I8,
    /// 16-bit integer (code 2).
    I16,
    /// 32-bit integer (code 3).
    I32,
    /// IEEE half float (code 4).
    F16,
    /// bfloat16 (code 5).
    Bf16,
}

impl Ct2Dtype {
    fn from_code(code: u8) -> Option<Ct2Dtype> {
        Some(match code {
            0 => Ct2Dtype::F32,
            1 => Ct2Dtype::I8,
            2 => Ct2Dtype::I16,
            3 => Ct2Dtype::I32,
            4 => Ct2Dtype::F16,
            5 => Ct2Dtype::Bf16,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Ct2Dtype::I8 => 1,
            Ct2Dtype::I16 | Ct2Dtype::F16 | Ct2Dtype::Bf16 => 2,
            Ct2Dtype::F32 | Ct2Dtype::I32 => 4,
        }
    }

    /// The code used in the file.
    pub fn code(self) -> u8 {
        match self {
            Ct2Dtype::F32 => 0,
            Ct2Dtype::I8 => 1,
            Ct2Dtype::I16 => 2,
            Ct2Dtype::I32 => 3,
            Ct2Dtype::F16 => 4,
            Ct2Dtype::Bf16 => 5,
        }
    }
}

/// One variable: shape, type and where its bytes are in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ct2Var {
    /// Shape, outermost first (empty for a scalar).
    pub dims: Vec<usize>,
    /// Element type.
    pub dtype: Ct2Dtype,
    offset: usize,
    len: usize,
}

impl Ct2Var {
    /// Number of elements.
    pub fn elements(&self) -> usize {
        self.dims.iter().product()
    }
}

/// A parsed `model.bin`, kept in memory.
#[derive(Debug)]
pub struct Ct2Model {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Binary format version (6 for current converters).
    pub version: u32,
    /// Model spec name (`WhisperSpec`), empty before version 2.
    pub spec: String,
    /// Spec revision, 0 before version 2.
    pub revision: u32,
    /// Variables by name.
    pub vars: BTreeMap<String, Ct2Var>,
    /// Aliases: name -> name of the variable it shares.
    pub aliases: BTreeMap<String, String>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("it ends early (at byte {})", self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Result<String, String> {
        let n = self.u16()? as usize;
        let raw = self.take(n)?;
        let raw = raw.split(|&b| b == 0).next().unwrap_or(&[]);
        String::from_utf8(raw.to_vec())
            .map_err(|_| format!("a name is not UTF-8 (near byte {})", self.pos))
    }
}

/// Newest binary version this reader understands.
pub const CT2_MAX_VERSION: u32 = 6;

impl Ct2Model {
    /// Reads and parses a `model.bin`.
    pub fn read(path: &Path) -> Result<Ct2Model, ModelError> {
        let bytes = std::fs::read(path).ctx("read", path)?;
        Ct2Model::from_bytes(bytes, path)
    }

    /// Parses the bytes of a `model.bin`; `path` is only used in error messages.
    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Ct2Model, ModelError> {
        let parsed = parse(&bytes).map_err(|message| ModelError::Format {
            path: path.to_path_buf(),
            format: "CTranslate2 model.bin",
            message,
        })?;
        let (version, spec, revision, vars, aliases) = parsed;
        Ok(Ct2Model {
            path: path.to_path_buf(),
            bytes,
            version,
            spec,
            revision,
            vars,
            aliases,
        })
    }

    pub(crate) fn err(&self, message: String) -> ModelError {
        ModelError::Format {
            path: self.path.clone(),
            format: "CTranslate2 Whisper model.bin",
            message,
        }
    }

    /// A variable by name (following aliases).
    pub fn var(&self, name: &str) -> Result<&Ct2Var, ModelError> {
        let target = self.aliases.get(name).map(String::as_str).unwrap_or(name);
        self.vars
            .get(target)
            .ok_or_else(|| self.err(format!("it has no variable `{name}`")))
    }

    /// The raw little-endian bytes of a variable.
    pub fn raw(&self, var: &Ct2Var) -> &[u8] {
        &self.bytes[var.offset..var.offset + var.len]
    }

    /// A scalar integer variable (such as `encoder/num_heads`).
    pub fn scalar_int(&self, name: &str) -> Result<i64, ModelError> {
        let v = self.var(name)?;
        if v.elements() != 1 {
            return Err(self.err(format!("`{name}` is not a scalar")));
        }
        let b = self.raw(v);
        Ok(match v.dtype {
            Ct2Dtype::I8 => i64::from(b[0] as i8),
            Ct2Dtype::I16 => i64::from(i16::from_le_bytes([b[0], b[1]])),
            Ct2Dtype::I32 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            Ct2Dtype::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            Ct2Dtype::F16 => half::f16::from_le_bytes([b[0], b[1]]).to_f32() as i64,
            Ct2Dtype::Bf16 => half::bf16::from_le_bytes([b[0], b[1]]).to_f32() as i64,
        })
    }
}

type Parsed = (
    u32,
    String,
    u32,
    BTreeMap<String, Ct2Var>,
    BTreeMap<String, String>,
);

fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let mut c = Cursor { bytes, pos: 0 };
    let version = c.u32()?;
    if version == 0 || version > CT2_MAX_VERSION {
        return Err(format!(
            "binary version {version} is not supported (this program reads 1 to {CT2_MAX_VERSION})"
        ));
    }
    let (spec, revision) = if version >= 2 {
        (c.string()?, c.u32()?)
    } else {
        (String::new(), 0)
    };
    let count = c.u32()?;
    let mut vars = BTreeMap::new();
    for _ in 0..count {
        let name = c.string()?;
        let rank = c.u8()? as usize;
        if rank > 8 {
            return Err(format!("variable `{name}` has rank {rank}"));
        }
        let mut dims = Vec::with_capacity(rank);
        for _ in 0..rank {
            dims.push(c.u32()? as usize);
        }
        let code = c.u8()?;
        let dtype = Ct2Dtype::from_code(code)
            .ok_or_else(|| format!("variable `{name}` has unknown type code {code}"))?;
        let len = c.u32()? as usize;
        let elements = dims
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| format!("variable `{name}` is too large"))?;
        if elements.checked_mul(dtype.size()) != Some(len) {
            return Err(format!(
                "variable `{name}` has {len} bytes but its shape {dims:?} needs {} bytes",
                elements.saturating_mul(dtype.size())
            ));
        }
        let offset = c.pos;
        c.take(len)?;
        vars.insert(
            name,
            Ct2Var {
                dims,
                dtype,
                offset,
                len,
            },
        );
    }
    let mut aliases = BTreeMap::new();
    if version >= 3 {
        let n = c.u32()?;
        for _ in 0..n {
            let alias = c.string()?;
            let target = c.string()?;
            aliases.insert(alias, target);
        }
    }
    if c.pos != bytes.len() {
        return Err(format!(
            "it has {} unexpected bytes at the end",
            bytes.len() - c.pos
        ));
    }
    Ok((version, spec, revision, vars, aliases))
}
