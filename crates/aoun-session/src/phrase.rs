//! A language model that rephrases the guide's grounded answers.

use std::ops::ControlFlow;

use aoun_core::CancelToken;
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
    /// `cancel` stops it at the next token, held-back opening words included.
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
        // The opening words are held back until it is clear whether they are a label.
        let mut head = String::new();
        let mut head_done = false;
        // The default limits are those of a spoken answer: one paragraph, three sentences at most.
        let mut generation =
            self.model
                .generate(&messages, &GenerateOptions::default(), &mut |piece| {
                    if cancel.is_cancelled() {
                        return ControlFlow::Break(());
                    }
                    if head_done {
                        return on_text(piece);
                    }
                    head.push_str(piece);
                    let after_colon = head
                        .split_once(':')
                        .is_some_and(|(_, rest)| !rest.trim().is_empty());
                    if after_colon || head.split_whitespace().count() > LABEL_WORDS + 1 {
                        head_done = true;
                        return on_text(strip_lead_in(&head));
                    }
                    ControlFlow::Continue(())
                })?;
        if !head_done && !head.trim().is_empty() {
            // A short answer ended before the label check: hand over what was held back. The
            // listener's verdict no longer matters, generation is over.
            let _ = on_text(strip_lead_in(&head));
        }
        generation.text = strip_lead_in(&generation.text).to_string();
        Ok(generation)
    }
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
    use super::strip_lead_in;

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
