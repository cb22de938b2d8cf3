//! Importing the model pack from a folder or a USB stick, with its progress in the status.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aoun_models::{FetchOptions, ModelStore, Pack};
use tauri::{AppHandle, Manager};

use crate::session::{ImportProgress, Session};

/// Status updates while copying are sent at most this often (and once as soon as a step has
/// moved, so the bar never sits at the start of a file that copies fast).
const UPDATE_EVERY: Duration = Duration::from_millis(150);

/// Imports the registry pack from `folder` on its own thread; the session then loads again.
pub fn import(app: AppHandle, models_dir: Option<PathBuf>, folder: PathBuf) {
    std::thread::spawn(move || {
        let session = app.state::<Session>();
        session.update(|s| {
            s.import = Some(ImportProgress {
                running: true,
                ..ImportProgress::default()
            })
        });
        let mut progress = Progress {
            session: &session,
            current: ImportProgress {
                running: true,
                ..ImportProgress::default()
            },
            shown: Instant::now(),
            moved: false,
        };
        let outcome = ModelStore::open(models_dir).and_then(|store| {
            aoun_models::fetch_with(
                &store,
                &FetchOptions::from_folder(Pack::Registry, &folder),
                &mut progress,
            )
        });
        let error = outcome.err().map(|e| e.to_string());
        let worked = error.is_none();
        session.update(|s| {
            s.import = Some(ImportProgress {
                running: false,
                error,
                ..progress.current
            })
        });
        if worked {
            session.retry();
        }
    });
}

/// Folders where a USB stick or another removable disk is mounted.
pub fn removable_folders() -> Vec<String> {
    let user = std::env::var("USER").unwrap_or_default();
    let roots = [
        PathBuf::from("/media").join(&user),
        PathBuf::from("/run/media").join(&user),
        PathBuf::from("/media"),
        PathBuf::from("/mnt"),
    ];
    let mut found: Vec<String> = roots
        .iter()
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir() && !is_user_folder(path, &user))
        .map(|path| path.display().to_string())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// `/media/USER` holds the sticks; it is not one itself.
fn is_user_folder(path: &Path, user: &str) -> bool {
    !user.is_empty() && path.file_name().is_some_and(|name| name == user)
}

/// Copy progress as status updates.
struct Progress<'a> {
    session: &'a Session,
    current: ImportProgress,
    shown: Instant,
    /// The current step has advanced since it started.
    moved: bool,
}

impl Progress<'_> {
    fn show(&mut self, force: bool) {
        if force || self.shown.elapsed() >= UPDATE_EVERY {
            self.shown = Instant::now();
            let now = self.current.clone();
            self.session.update(|s| s.import = Some(now));
        }
    }
}

impl aoun_models::Progress for Progress<'_> {
    fn message(&mut self, text: &str) {
        self.current.label = text.to_string();
        self.show(true);
    }

    fn start(&mut self, label: &str, total: Option<u64>) {
        self.current.label = label.to_string();
        self.current.total = total;
        self.current.done = 0;
        self.moved = false;
        self.show(true);
    }

    fn advance(&mut self, bytes: u64) {
        self.current.done += bytes;
        let first = !std::mem::replace(&mut self.moved, true);
        self.show(first);
    }

    fn finish(&mut self) {
        self.show(true);
    }
}
