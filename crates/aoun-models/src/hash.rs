//! sha256 of files and directory trees.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{IoContext, ModelError};

/// sha256 (lowercase hex) and size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64), ModelError> {
    sha256_file_with(path, &mut |_| {})
}

/// Like [`sha256_file`], calling `on_bytes` with the number of bytes read after every block.
pub(crate) fn sha256_file_with(
    path: &Path,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<(String, u64), ModelError> {
    let mut file = File::open(path).ctx("open", path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).ctx("read", path)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
        on_bytes(n as u64);
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Regular files under `dir`, as (`/`-separated relative path, absolute path), sorted by relative path.
pub(crate) fn list_tree(dir: &Path) -> Result<Vec<(String, PathBuf)>, ModelError> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), ModelError> {
        for item in std::fs::read_dir(dir).ctx("read the folder", dir)? {
            let item = item.ctx("read the folder", dir)?;
            let path = item.path();
            let meta = std::fs::metadata(&path).ctx("read", &path)?;
            if meta.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, path));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Tree hash of a directory: sha256 over the sorted lines `relative/path\t<sha256 of file>\n`
/// (paths `/`-separated, relative to `dir`), with the total size and the number of files.
pub fn tree_sha256(dir: &Path) -> Result<(String, u64, usize), ModelError> {
    tree_sha256_with(dir, &mut |_| {})
}

pub(crate) fn tree_sha256_with(
    dir: &Path,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<(String, u64, usize), ModelError> {
    let files = list_tree(dir)?;
    let mut tree = Sha256::new();
    let mut total = 0u64;
    for (rel, path) in &files {
        let (h, n) = sha256_file_with(path, on_bytes)?;
        total += n;
        tree.update(format!("{rel}\t{h}\n").as_bytes());
    }
    Ok((hex::encode(tree.finalize()), total, files.len()))
}
