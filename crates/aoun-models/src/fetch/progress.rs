//! Progress of a fetch: the trait, a silent implementation and a terminal progress bar.

use std::time::Duration;

/// Receives progress of a fetch, so a terminal and a desktop UI can each show it their way.
pub trait Progress {
    /// A line of information for the user.
    fn message(&mut self, text: &str);
    /// A step begins; `total` is its size in bytes when known.
    fn start(&mut self, label: &str, total: Option<u64>);
    /// `bytes` more bytes of the current step are done.
    fn advance(&mut self, bytes: u64);
    /// The current step is over.
    fn finish(&mut self);
}

/// Progress that shows nothing (for tests and quiet runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn message(&mut self, _text: &str) {}
    fn start(&mut self, _label: &str, _total: Option<u64>) {}
    fn advance(&mut self, _bytes: u64) {}
    fn finish(&mut self) {}
}

/// Progress drawn as a terminal progress bar (on standard error).
#[derive(Debug, Default)]
pub struct BarProgress {
    bar: Option<indicatif::ProgressBar>,
}

impl BarProgress {
    /// A progress bar with nothing started yet.
    pub fn new() -> BarProgress {
        BarProgress::default()
    }
}

impl Progress for BarProgress {
    fn message(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn start(&mut self, label: &str, total: Option<u64>) {
        self.finish();
        let bar = match total {
            Some(n) => {
                let bar = indicatif::ProgressBar::new(n);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar
            }
            None => {
                let bar = indicatif::ProgressBar::new_spinner();
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            }
        };
        bar.set_message(label.to_string());
        self.bar = Some(bar);
    }

    fn advance(&mut self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
