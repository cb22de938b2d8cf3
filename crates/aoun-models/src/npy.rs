//! Minimal reader for NumPy `.npy` arrays and `.npz` archives (little-endian f32, C order).

use std::io::Read;
use std::path::Path;

use crate::error::{IoContext, ModelError};

/// A two-or-more dimensional f32 array read from a `.npy` file, in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Shape, outermost first.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<f32>,
}

/// Parses the bytes of a `.npy` file holding a little-endian f32 (`<f4`) array in C order.
pub fn parse_npy_f32(bytes: &[u8]) -> Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("it does not start with the .npy magic".into());
    }
    let major = bytes[6];
    let (header_len, start): (usize, usize) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("its header is truncated".into());
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(format!(".npy version {v} is not supported")),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or("its header is truncated")?;
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| "its header is not text")?;
    let descr = dict_value(header, "descr").ok_or("its header has no descr")?;
    let descr = descr.trim().trim_matches(|c| c == '\'' || c == '"');
    if descr != "<f4" {
        return Err(format!(
            "its values are `{descr}`, expected little-endian f32 `<f4`"
        ));
    }
    let fortran = dict_value(header, "fortran_order").ok_or("its header has no fortran_order")?;
    if fortran.trim() != "False" {
        return Err("it is stored in Fortran order".into());
    }
    let shape_text = dict_value(header, "shape").ok_or("its header has no shape")?;
    let shape_text = shape_text.trim();
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or("its shape is malformed")?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("its shape `{shape_text}` is malformed"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("its shape is too large")?;
    let body = &bytes[end..];
    if body.len() != count.saturating_mul(4) {
        return Err(format!(
            "it holds {} bytes of data but its shape needs {}",
            body.len(),
            count.saturating_mul(4)
        ));
    }
    let data = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(NpyArray { shape, data })
}

/// The raw text of `'key': value` in a NumPy header dict (up to the next top-level comma).
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let pat_single = format!("'{key}':");
    let pat_double = format!("\"{key}\":");
    let at = header
        .find(&pat_single)
        .map(|i| i + pat_single.len())
        .or_else(|| header.find(&pat_double).map(|i| i + pat_double.len()))?;
    let rest = &header[at..];
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(&rest[..i]),
            _ => {}
        }
    }
    None
}

/// Reads array `name` (without `.npy`) from a `.npz` file.
pub fn read_npz_f32(path: &Path, name: &str) -> Result<NpyArray, ModelError> {
    let fmt_err = |message: String| ModelError::Format {
        path: path.to_path_buf(),
        format: "NumPy .npz",
        message,
    };
    let file = std::fs::File::open(path).ctx("open", path)?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| fmt_err(format!("it is not a zip archive ({e})")))?;
    let member = format!("{name}.npy");
    let mut entry = zip
        .by_name(&member)
        .map_err(|_| fmt_err(format!("it has no array `{name}`")))?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| fmt_err(format!("array `{name}` could not be read ({e})")))?;
    parse_npy_f32(&bytes).map_err(|m| fmt_err(format!("array `{name}`: {m}")))
}
