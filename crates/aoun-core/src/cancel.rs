//! One token per turn: interruption, "new person" and shutdown cancel it, and every stage of the
//! turn (speech recognition's abort, the language model's loop, the voice) reads the same token,
//! so no stop is lost, whenever it comes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Cancels one piece of work and everything started under it.
///
/// Cloning gives the same token. A [`child`](CancelToken::child) is cancelled with its parent
/// and can also be cancelled alone (a draft transcription that speech made useless). A token is
/// never reset: new work takes a new token, so a stop that arrives before the work starts still
/// stops it.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<Node>,
}

#[derive(Debug, Default)]
struct Node {
    cancelled: AtomicBool,
    parent: Option<CancelToken>,
}

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A token cancelled with this one, or on its own.
    pub fn child(&self) -> Self {
        Self {
            inner: Arc::new(Node {
                cancelled: AtomicBool::new(false),
                parent: Some(self.clone()),
            }),
        }
    }

    /// Cancels this token and its children.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
    }

    /// True once this token or one of its parents is cancelled.
    pub fn is_cancelled(&self) -> bool {
        let mut node = &self.inner;
        loop {
            if node.cancelled.load(Ordering::SeqCst) {
                return true;
            }
            match &node.parent {
                Some(parent) => node = &parent.inner,
                None => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CancelToken;

    #[test]
    fn a_parent_cancels_its_children_and_not_the_reverse() {
        let turn = CancelToken::new();
        let draft = turn.child();
        let copy = turn.clone();
        draft.cancel();
        assert!(draft.is_cancelled());
        assert!(!turn.is_cancelled());
        let later = turn.child();
        copy.cancel();
        assert!(turn.is_cancelled() && later.is_cancelled());
        // A token stays cancelled: a stop given before the work starts is not lost.
        assert!(turn.child().is_cancelled());
    }
}
