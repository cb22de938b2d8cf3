//! How far a transcript is from what was said: word errors, the measure speech recognition is
//! judged by.

/// The words of `text`, lower-cased, without punctuation.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// Word errors of `heard` against `reference`: the fewest words to substitute, insert or
/// delete, ignoring case and punctuation; with the number of words in `reference`.
pub fn word_errors(reference: &str, heard: &str) -> (usize, usize) {
    let (reference, heard) = (words(reference), words(heard));
    let mut row: Vec<usize> = (0..=heard.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, h) in heard.iter().enumerate() {
            let substitution = diagonal + usize::from(r != h);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    (row[heard.len()], reference.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_errors_count_added_missing_and_changed_words() {
        let reference = "How much does a passport cost?";
        assert_eq!(
            word_errors(reference, "how much does a passport cost"),
            (0, 6)
        );
        assert_eq!(
            word_errors(reference, "photos. How much does a passport cost?"),
            (1, 6)
        );
        assert_eq!(
            word_errors(reference, "How much does the passport cost?"),
            (1, 6)
        );
        assert_eq!(word_errors(reference, "How much passport cost?"), (2, 6));
        assert_eq!(word_errors(reference, ""), (6, 6));
    }
}
