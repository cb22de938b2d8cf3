//! Sentence boundaries in streamed text, in Latin and Arabic punctuation.

/// Characters that end a sentence (Latin, Arabic question mark, ellipsis).
const SENTENCE_ENDS: [char; 5] = ['.', '!', '?', '؟', '…'];

/// Counts sentences completed in streamed text.
#[derive(Debug, Default, Clone)]
pub struct SentenceCounter {
    pending_end: bool,
    complete: usize,
}

impl SentenceCounter {
    /// Feeds new text; returns the number of sentences completed so far. A sentence counts as
    /// complete when its end mark is followed by white space, so "3.5" or "e.g." mid-token do not.
    pub fn push(&mut self, text: &str) -> usize {
        for c in text.chars() {
            if self.pending_end && c.is_whitespace() {
                self.complete += 1;
                self.pending_end = false;
            } else {
                self.pending_end = SENTENCE_ENDS.contains(&c);
            }
        }
        self.complete
    }

    /// Sentences completed, counting a final end mark that no white space has followed yet.
    pub fn complete_at_end(&self) -> usize {
        self.complete + usize::from(self.pending_end)
    }
}

/// Trims generated text so it ends on a complete sentence: cut after the last sentence end when
/// there is one, otherwise close the single fragment with a full stop.
pub fn finish_cleanly(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || text.ends_with(SENTENCE_ENDS) {
        return text.to_string();
    }
    match text.rfind(SENTENCE_ENDS) {
        Some(end) => {
            let cut = end + text[end..].chars().next().map_or(1, char::len_utf8);
            text[..cut].trim().to_string()
        }
        None => format!("{}.", text.trim_end_matches([',', ';', ':', '-', '،'])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sentences_across_pieces() {
        let mut counter = SentenceCounter::default();
        assert_eq!(counter.push("Bring your birth"), 0);
        assert_eq!(counter.push(" certificate. It costs 75"), 1);
        assert_eq!(counter.push(".5 dirhams! Where"), 2);
        assert_eq!(counter.push("? Here؟ "), 4);
    }

    #[test]
    fn finishes_on_a_sentence() {
        assert_eq!(finish_cleanly("One. Two and a half"), "One.");
        assert_eq!(finish_cleanly("  Just a fragment, "), "Just a fragment.");
        assert_eq!(finish_cleanly("شحال؟ جواب"), "شحال؟");
        assert_eq!(finish_cleanly("Done!"), "Done!");
        assert_eq!(finish_cleanly(""), "");
    }
}
