//! A language model that rephrases the guide's grounded answers.

use std::ops::ControlFlow;

use aoun_core::{sentence, CancelToken};
use aoun_guide::{Lang, Prompt};

use crate::Contained;
use aoun_llm::{
    ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, Role, TokenSink,
};

/// A loaded language model and the languages it can speak (declared in the model manifest).
pub struct Phraser {
    model: Box<dyn LanguageModel>,
    speaks: Vec<Lang>,
}

impl Phraser {
    /// Wraps a model that speaks `speaks`, behind a [`Contained`] boundary.
    pub fn new(model: Box<dyn LanguageModel>, speaks: Vec<Lang>) -> Self {
        Self {
            model: Box::new(Contained::new(model)),
            speaks,
        }
    }

    /// True when the model can answer in `lang`.
    pub fn speaks(&self, lang: Lang) -> bool {
        self.speaks.contains(&lang)
    }

    /// Generates the model's wording of a grounded prompt as the continuation of `begun`, the
    /// answer's words already said (empty for the whole answer), passing the text to `on_text`
    /// as it is generated, without the label small models put first ("The answer is: ...").
    /// `cancel` stops it within a piece of the prompt or at the next token, held-back opening
    /// words included.
    pub fn phrase_streaming(
        &mut self,
        prompt: &Prompt,
        begun: &str,
        cancel: &CancelToken,
        on_text: &mut TokenSink<'_>,
    ) -> Result<Generation, LlmError> {
        let mut messages = vec![
            ChatMessage::new(Role::System, prompt.system.clone()),
            ChatMessage::new(Role::User, prompt.user.clone()),
        ];
        if !begun.is_empty() {
            // The model goes on from there; a space keeps its first word apart.
            messages.push(ChatMessage::new(Role::Assistant, format!("{begun} ")));
        }
        // The default limits are those of a spoken answer: one paragraph, three sentences at most.
        let spoken = GenerateOptions::default();
        let mut output = Output::new(begun, spoken.max_sentences);
        // A sentence restating `begun` is dropped and does not count: the model may write one more.
        let options = GenerateOptions {
            max_sentences: spoken.max_sentences + usize::from(!begun.is_empty()),
            cancel: cancel.clone(),
            ..spoken
        };
        // The opening words are held back until it is clear whether they are a label.
        let mut head = String::new();
        let mut head_done = false;
        let mut generation = self.model.generate(&messages, &options, &mut |piece| {
            // Whatever the model does with the options' token, no word is handed on after a stop.
            if cancel.is_cancelled() {
                return ControlFlow::Break(());
            }
            if head_done {
                return output.push(piece, on_text);
            }
            head.push_str(piece);
            let after_colon = head
                .split_once(':')
                .is_some_and(|(_, rest)| !rest.trim().is_empty());
            if after_colon || head.split_whitespace().count() > LABEL_WORDS + 1 {
                head_done = true;
                return output.push(strip_lead_in(&head), on_text);
            }
            ControlFlow::Continue(())
        })?;
        // A short answer ended before the label check, or within its first sentence: hand over
        // what was held back. The listener's verdict no longer matters, generation is over.
        if !head_done && !head.trim().is_empty() {
            let _ = output.push(strip_lead_in(&head), on_text);
        }
        let _ = output.finish(on_text);
        generation.text = output.said.trim().to_string();
        Ok(generation)
    }
}

/// The model's text on its way to the answer. An office server may answer in a new turn
/// instead of going on from the words already said (llama-cpp-python's does), and first
/// restate them: that sentence is dropped. The text stops at the answer's sentence limit.
struct Output<'b> {
    /// The answer's words already said.
    begun: &'b str,
    /// Text held while its first sentence may still restate `begun`; `None` once it is known.
    held: Option<String>,
    sentences: sentence::Counter,
    limit: usize,
    /// What was handed on.
    said: String,
}

impl<'b> Output<'b> {
    fn new(begun: &'b str, limit: usize) -> Self {
        Self {
            begun,
            held: (!begun.is_empty()).then(String::new),
            sentences: sentence::Counter::default(),
            limit,
            said: String::new(),
        }
    }

    /// Takes the next piece of the model's text.
    fn push(&mut self, piece: &str, on_text: &mut TokenSink<'_>) -> ControlFlow<()> {
        let Some(held) = self.held.as_mut() else {
            return self.hand_on(piece, on_text);
        };
        held.push_str(piece);
        let Some(end) = sentence::first_end(held) else {
            return ControlFlow::Continue(());
        };
        let mut first = std::mem::take(held);
        self.held = None;
        let rest = first.split_off(end);
        if restates(&first, self.begun) {
            self.hand_on(rest.trim_start(), on_text)
        } else {
            self.hand_on(&(first + &rest), on_text)
        }
    }

    /// Hands on what is still held when generation ends.
    fn finish(&mut self, on_text: &mut TokenSink<'_>) -> ControlFlow<()> {
        match self.held.take() {
            Some(held) => self.hand_on(&held, on_text),
            None => ControlFlow::Continue(()),
        }
    }

    fn hand_on(&mut self, text: &str, on_text: &mut TokenSink<'_>) -> ControlFlow<()> {
        if text.is_empty() {
            return ControlFlow::Continue(());
        }
        self.said.push_str(text);
        let verdict = on_text(text);
        if self.sentences.push(text) >= self.limit {
            return ControlFlow::Break(());
        }
        verdict
    }
}

/// Whether `sentence` restates `spoken`: it holds at least two thirds of its words.
fn restates(sentence: &str, spoken: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let said = words(spoken);
    let new = words(sentence);
    let shared = said.iter().filter(|w| new.contains(w)).count();
    !said.is_empty() && shared * 3 >= said.len() * 2
}

/// Most words a label before the answer has ("The answer is:").
const LABEL_WORDS: usize = 4;

/// Drops a label small models put before the answer ("The answer is: ...").
fn strip_lead_in(text: &str) -> &str {
    let text = text.trim();
    match text.split_once(':') {
        Some((label, rest)) if !rest.trim().is_empty() => {
            let label = label.trim().to_lowercase();
            let words: Vec<&str> = label.split_whitespace().collect();
            let is_label = words.len() <= LABEL_WORDS
                && words.iter().any(|w| {
                    matches!(
                        *w,
                        "answer" | "reply" | "response" | "réponse" | "rephrased"
                    )
                });
            if is_label {
                rest.trim().trim_matches('"').trim()
            } else {
                text
            }
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::{restates, strip_lead_in, Output};
    use std::ops::ControlFlow;

    /// What `pieces` hand on after `begun`, within `limit` sentences.
    fn handed_on(begun: &str, limit: usize, pieces: &[&str]) -> String {
        let mut output = Output::new(begun, limit);
        let mut said = String::new();
        let mut sink = |text: &str| {
            said.push_str(text);
            ControlFlow::Continue(())
        };
        for piece in pieces {
            if output.push(piece, &mut sink).is_break() {
                break;
            }
        }
        let _ = output.finish(&mut sink);
        said
    }

    #[test]
    fn tells_a_restated_sentence() {
        let said = "The passport stamp costs 500 dirhams.";
        assert!(restates("A passport stamp costs 500 dirhams.", said));
        assert!(!restates("Bring two photos and your ID card.", said));
    }

    #[test]
    fn drops_a_first_sentence_that_says_again_what_was_said() {
        let begun = "You need your birth certificate.";
        let restated = [
            "You need",
            " your birth certificate. ",
            "Bring two",
            " photos. ",
        ];
        assert_eq!(handed_on(begun, 3, &restated), "Bring two photos. ");
        let continued = ["Bring two", " photos. ", "Pay the stamp. "];
        assert_eq!(
            handed_on(begun, 3, &continued),
            "Bring two photos. Pay the stamp. "
        );
        // An answer that ends inside its first sentence is handed on as it is.
        assert_eq!(
            handed_on(begun, 3, &["Bring two photos"]),
            "Bring two photos"
        );
        // Without words already said, nothing is held.
        assert_eq!(handed_on("", 3, &["You need", " it. "]), "You need it. ");
    }

    #[test]
    fn stops_at_the_sentence_limit_a_dropped_sentence_not_counted() {
        let begun = "You need your birth certificate.";
        let pieces = [
            "You need your birth certificate. ",
            "One. ",
            "Two. ",
            "Three. ",
        ];
        assert_eq!(handed_on(begun, 2, &pieces), "One. Two. ");
        assert_eq!(
            handed_on("", 2, &["One. ", "Two. ", "Three. "]),
            "One. Two. "
        );
    }

    #[test]
    fn strips_answer_labels_only() {
        assert_eq!(
            strip_lead_in("The answer is: Go to the annex."),
            "Go to the annex."
        );
        assert_eq!(strip_lead_in("Réponse : \"500 dirhams.\""), "500 dirhams.");
        assert_eq!(
            strip_lead_in("Bring these: your card and a photo."),
            "Bring these: your card and a photo."
        );
        assert_eq!(
            strip_lead_in("Opening hours: 8:30 to 16:30."),
            "Opening hours: 8:30 to 16:30."
        );
    }
}
