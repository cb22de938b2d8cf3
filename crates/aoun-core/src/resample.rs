//! Resampling through rubato's FFT resampler: the clip is cut into chunks whose spectra are
//! scaled to the new rate, with a Blackman-Harris anti-aliasing window, so downsampling 48 kHz to
//! 16 kHz folds nothing into the band Whisper listens to. Measured against Aoun's former
//! windowed-sinc resampler (`aoun bench resample`), it is four to five times faster, and its
//! stop band 70 dB deeper.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Frames per chunk: a hint, rounded to fit the ratio of the two rates exactly.
const CHUNK: usize = 1024;

thread_local! {
    /// One resampler per pair of rates and thread, made on first use: making one plans its FFTs
    /// and windows, which costs more than resampling a short clip.
    static CLIPS: RefCell<HashMap<(u32, u32), Fft<f32>>> = RefCell::new(HashMap::new());
}

fn fft_resampler(from_rate: u32, to_rate: u32) -> Option<Fft<f32>> {
    Fft::new(
        from_rate as usize,
        to_rate as usize,
        CHUNK,
        1,
        FixedSync::Both,
    )
    .ok()
}

/// Resamples `input` from `from_rate` to `to_rate` samples per second, aligned with the input
/// (the resampler's delay is taken off).
pub fn resample(input: &[f32], from_rate: u32, to_rate: u32) -> Vec<f32> {
    if from_rate == to_rate || input.is_empty() || from_rate == 0 || to_rate == 0 {
        return input.to_vec();
    }
    CLIPS.with(|clips| {
        let mut clips = clips.borrow_mut();
        let resampler = match clips.entry((from_rate, to_rate)) {
            Entry::Occupied(made) => made.into_mut(),
            Entry::Vacant(slot) => match fft_resampler(from_rate, to_rate) {
                Some(resampler) => slot.insert(resampler),
                // rubato refuses only rates of zero, excluded above.
                None => return input.to_vec(),
            },
        };
        let resampled = SequentialSlice::new(input, 1, input.len())
            .ok()
            .and_then(|clip| resampler.process_all(&clip, input.len(), None).ok());
        // A mono slice of the length given is always accepted.
        resampled.map_or_else(|| input.to_vec(), |out| out.take_data())
    })
}

/// Resamples a stream that arrives in pieces (a microphone's callbacks) with the same resampler
/// as [`resample`], so piece boundaries leave no clicks. The output starts when the first chunk
/// has arrived (64 ms at most) and is aligned with the input.
pub struct StreamResampler {
    from_rate: u32,
    /// `None` when the rates are the same.
    resampler: Option<Fft<f32>>,
    /// Input not yet resampled.
    pending: Vec<f32>,
    /// One chunk of output.
    chunk: Vec<f32>,
    /// Output frames still to drop: the resampler's delay.
    delay: usize,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("from_rate", &self.from_rate)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl StreamResampler {
    /// A resampler from `from_rate` to `to_rate` samples per second (0 is treated as 1).
    pub fn new(from_rate: u32, to_rate: u32) -> Self {
        let from_rate = from_rate.max(1);
        let to_rate = to_rate.max(1);
        let resampler = (from_rate != to_rate)
            .then(|| fft_resampler(from_rate, to_rate))
            .flatten();
        let delay = resampler.as_ref().map_or(0, Resampler::output_delay);
        let chunk = vec![0.0; resampler.as_ref().map_or(0, Resampler::output_frames_max)];
        Self {
            from_rate,
            resampler,
            pending: Vec::new(),
            chunk,
            delay,
        }
    }

    /// Input rate.
    pub fn from_rate(&self) -> u32 {
        self.from_rate
    }

    /// Feeds `input` and appends every output sample that can now be computed to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let Some(resampler) = self.resampler.as_mut() else {
            out.extend_from_slice(input);
            return;
        };
        self.pending.extend_from_slice(input);
        let mut used_total = 0;
        loop {
            let needed = resampler.input_frames_next();
            let produced = resampler.output_frames_next();
            let available = &self.pending[used_total..];
            if available.len() < needed {
                break;
            }
            let (Ok(chunk_in), Ok(mut chunk_out)) = (
                SequentialSlice::new(available, 1, needed),
                SequentialSlice::new_mut(&mut self.chunk, 1, produced),
            ) else {
                break;
            };
            let Ok((used, written)) =
                resampler.process_into_buffer(&chunk_in, &mut chunk_out, None)
            else {
                break;
            };
            used_total += used;
            let skip = self.delay.min(written);
            self.delay -= skip;
            out.extend_from_slice(&self.chunk[skip..written]);
        }
        self.pending.drain(..used_total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<f32> {
        (0..(rate as f64 * seconds) as usize)
            .map(|i| (2.0 * PI * freq * i as f64 / rate as f64).sin() as f32 * 0.5)
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn keeps_length_and_in_band_tones() {
        for from in [8_000, 22_050, 44_100, 48_000] {
            let input = tone(440.0, from, 1.0);
            let out = resample(&input, from, 16_000);
            assert!(
                (out.len() as i64 - 16_000).abs() <= 1,
                "{from}: {}",
                out.len()
            );
            let level = rms(&out[1000..15000]);
            assert!((level - 0.3535).abs() < 0.01, "{from}: rms {level}");
            // Aligned with the input to within half a sample (the delay taken off is whole
            // samples): the tone's phase is where it was.
            let expected = tone(440.0, 16_000, 1.0);
            let worst = out[1000..15000]
                .iter()
                .zip(&expected[1000..15000])
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(worst < 0.05, "{from}: {worst}");
        }
    }

    #[test]
    fn streaming_matches_whole_buffer_resampling() {
        for (from, to) in [
            (48_000, 16_000),
            (44_100, 16_000),
            (16_000, 22_050),
            (16_000, 16_000),
        ] {
            let input = tone(300.0, from, 0.5);
            let whole = resample(&input, from, to);
            let mut streaming = StreamResampler::new(from, to);
            let mut out = Vec::new();
            for piece in input.chunks(441) {
                streaming.process(piece, &mut out);
            }
            // The stream holds back at most two chunks until more input comes.
            assert!(
                out.len() <= whole.len() && whole.len() - out.len() < 2 * CHUNK + 200,
                "{from}->{to}: {} {}",
                out.len(),
                whole.len()
            );
            let max_diff = out
                .iter()
                .zip(&whole)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(max_diff < 1e-4, "{from}->{to}: {max_diff}");
        }
    }

    #[test]
    fn removes_tones_above_the_new_nyquist() {
        let input = tone(12_000.0, 48_000, 1.0);
        let out = resample(&input, 48_000, 16_000);
        assert!(rms(&out[1000..15000]) < 0.001);
    }
}
