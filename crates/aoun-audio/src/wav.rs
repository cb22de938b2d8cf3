//! WAV reading (any common PCM layout, mixed down to mono) and writing (16-bit PCM mono).

use std::path::Path;

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use crate::{Audio, AudioError, MAX_QUESTION_SECONDS};

/// What a WAV header says, before any sample is decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WavInfo {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u16,
    /// Length in seconds.
    pub seconds: f32,
}

/// Reads a PCM WAV file (8 to 48 kHz, any channel count, 8/16/24/32-bit integer or 32-bit float)
/// and returns its samples mixed down to mono at the file's own rate.
///
/// Refuses files longer than [`MAX_QUESTION_SECONDS`] before decoding them.
pub fn read_wav(path: &Path) -> Result<(Audio, WavInfo), AudioError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| AudioError::Open {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    read_wav_from(std::io::BufReader::new(file), &shown)
}

/// Reads WAV bytes from any reader, as [`read_wav`] reads a file; `origin` names the source in
/// error messages.
pub fn read_wav_from<R: std::io::Read>(
    source: R,
    origin: &str,
) -> Result<(Audio, WavInfo), AudioError> {
    let shown = origin.to_string();
    let reader = WavReader::new(source).map_err(|e| match e {
        hound::Error::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Truncated {
                path: shown.clone(),
            }
        }
        hound::Error::Unsupported => AudioError::Unsupported {
            path: shown.clone(),
            detail: "an encoding hound cannot decode".into(),
        },
        other => AudioError::NotWav {
            path: shown.clone(),
            reason: other.to_string(),
        },
    })?;
    let spec = reader.spec();
    if !(8_000..=48_000).contains(&spec.sample_rate) {
        return Err(AudioError::SampleRate {
            path: shown,
            rate: spec.sample_rate,
        });
    }
    if spec.channels == 0 {
        return Err(AudioError::NotWav {
            path: shown,
            reason: "the header declares zero channels".into(),
        });
    }
    let frames = reader.duration();
    let info = WavInfo {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        seconds: frames as f32 / spec.sample_rate as f32,
    };
    if info.seconds > MAX_QUESTION_SECONDS {
        return Err(AudioError::TooLong {
            path: shown,
            seconds: info.seconds,
            max: MAX_QUESTION_SECONDS,
        });
    }
    let interleaved = decode_samples(reader, spec, &shown)?;
    if interleaved.is_empty() {
        return Err(AudioError::Empty { path: shown });
    }
    let samples = mix_to_mono(&interleaved, spec.channels as usize);
    Ok((
        Audio {
            samples,
            sample_rate: spec.sample_rate,
        },
        info,
    ))
}

fn decode_samples<R: std::io::Read>(
    mut reader: WavReader<R>,
    spec: WavSpec,
    shown: &str,
) -> Result<Vec<f32>, AudioError> {
    let map_err = |e: hound::Error| match e {
        hound::Error::IoError(_) => AudioError::Truncated {
            path: shown.to_string(),
        },
        other => AudioError::NotWav {
            path: shown.to_string(),
            reason: other.to_string(),
        },
    };
    match (spec.sample_format, spec.bits_per_sample) {
        (SampleFormat::Float, 32) => reader
            .samples::<f32>()
            .map(|s| s.map_err(map_err))
            .collect(),
        (SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale).map_err(map_err))
                .collect()
        }
        (format, bits) => Err(AudioError::Unsupported {
            path: shown.to_string(),
            detail: format!("{bits}-bit {format:?}"),
        }),
    }
}

fn mix_to_mono(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels == 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect()
}

/// Writes mono audio as a 16-bit PCM WAV file, clipping samples outside -1.0..=1.0.
pub fn write_wav(path: &Path, audio: &Audio) -> Result<(), AudioError> {
    let write_err = |e: hound::Error| AudioError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let spec = WavSpec {
        channels: 1,
        sample_rate: audio.sample_rate,
        bits_per_sample: 16,
        sample_format: SampleFormat::Int,
    };
    let mut writer = WavWriter::create(path, spec).map_err(write_err)?;
    for sample in &audio.samples {
        let value = (sample.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16;
        writer.write_sample(value).map_err(write_err)?;
    }
    writer.finalize().map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_spec(path: &Path, spec: WavSpec, frames: usize) {
        let mut w = WavWriter::create(path, spec).unwrap();
        for i in 0..frames * spec.channels as usize {
            let v = ((i as f32 * 0.01).sin() * 0.5) as f64;
            match spec.sample_format {
                SampleFormat::Float => w.write_sample(v as f32).unwrap(),
                SampleFormat::Int => w
                    .write_sample((v * ((1i64 << (spec.bits_per_sample - 1)) - 1) as f64) as i32)
                    .unwrap(),
            }
        }
        w.finalize().unwrap();
    }

    #[test]
    fn reads_every_common_layout_as_mono() {
        let dir = tempfile::tempdir().unwrap();
        for (rate, channels, bits, format) in [
            (8_000, 1, 16, SampleFormat::Int),
            (22_050, 2, 16, SampleFormat::Int),
            (44_100, 2, 24, SampleFormat::Int),
            (48_000, 1, 32, SampleFormat::Float),
            (16_000, 1, 8, SampleFormat::Int),
        ] {
            let path = dir.path().join(format!("{rate}-{channels}-{bits}.wav"));
            let spec = WavSpec {
                channels,
                sample_rate: rate,
                bits_per_sample: bits,
                sample_format: format,
            };
            write_spec(&path, spec, rate as usize / 2);
            let (audio, info) = read_wav(&path).unwrap();
            assert_eq!(audio.sample_rate, rate);
            assert_eq!(audio.samples.len(), rate as usize / 2);
            assert!((info.seconds - 0.5).abs() < 1e-3);
            let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert!((0.45..=0.51).contains(&peak), "peak {peak} for {path:?}");
        }
    }

    #[test]
    fn bad_files_give_one_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = read_wav(&dir.path().join("nope.wav")).unwrap_err();
        assert!(matches!(missing, AudioError::Open { .. }), "{missing}");

        let text = dir.path().join("text.wav");
        std::fs::write(&text, "hello, I am not audio at all").unwrap();
        assert!(matches!(
            read_wav(&text).unwrap_err(),
            AudioError::NotWav { .. }
        ));

        let spec = WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        let full = dir.path().join("full.wav");
        write_spec(&full, spec, 16_000);
        let bytes = std::fs::read(&full).unwrap();
        let cut = dir.path().join("cut.wav");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let err = read_wav(&cut).unwrap_err();
        assert!(matches!(err, AudioError::Truncated { .. }), "{err}");

        let empty = dir.path().join("empty.wav");
        write_spec(&empty, spec, 0);
        assert!(matches!(
            read_wav(&empty).unwrap_err(),
            AudioError::Empty { .. }
        ));

        let slow = dir.path().join("4k.wav");
        write_spec(
            &slow,
            WavSpec {
                sample_rate: 4_000,
                ..spec
            },
            100,
        );
        assert!(matches!(
            read_wav(&slow).unwrap_err(),
            AudioError::SampleRate { rate: 4_000, .. }
        ));
    }

    #[test]
    fn ten_minutes_is_refused_before_decoding() {
        let dir = tempfile::tempdir().unwrap();
        let long = dir.path().join("long.wav");
        let spec = WavSpec {
            channels: 1,
            sample_rate: 8_000,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        write_spec(&long, spec, 8_000 * 600);
        let err = read_wav(&long).unwrap_err();
        assert!(matches!(err, AudioError::TooLong { .. }));
        assert!(err.to_string().contains("600 seconds"), "{err}");
    }

    #[test]
    fn write_then_read_keeps_the_signal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wav");
        let audio = Audio {
            samples: (0..1600).map(|i| (i as f32 * 0.05).sin() * 0.3).collect(),
            sample_rate: 16_000,
        };
        write_wav(&path, &audio).unwrap();
        let (back, _) = read_wav(&path).unwrap();
        assert_eq!(back.samples.len(), audio.samples.len());
        let max_diff = back
            .samples
            .iter()
            .zip(&audio.samples)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(max_diff < 1e-3);
    }
}
