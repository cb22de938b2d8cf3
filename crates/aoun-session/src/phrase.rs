//! A language model that rephrases the guide's grounded answers.

use std::ops::ControlFlow;

use aoun_guide::{Lang, Prompt};
use aoun_llm::{ChatMessage, GenerateOptions, Generation, LanguageModel, LlmError, Role};

/// Generation limits for a spoken answer: three short sentences at most.
pub const PHRASE_OPTIONS: GenerateOptions = GenerateOptions {
    max_tokens: 96,
    max_sentences: 3,
    temperature: None,
    single_paragraph: true,
    repeat_penalty: 1.1,
    seed: 299_792_458,
};

/// A loaded language model and the languages it can speak (declared in the model manifest).
pub struct Phraser {
    model: Box<dyn LanguageModel>,
    speaks: Vec<Lang>,
}

impl Phraser {
    /// Wraps a model that speaks `speaks`.
    pub fn new(model: Box<dyn LanguageModel>, speaks: Vec<Lang>) -> Self {
        Self { model, speaks }
    }

    /// True when the model can answer in `lang`.
    pub fn speaks(&self, lang: Lang) -> bool {
        self.speaks.contains(&lang)
    }

    /// Generates the model's wording of a grounded prompt.
    pub fn phrase(&mut self, prompt: &Prompt) -> Result<Generation, LlmError> {
        let messages = [
            ChatMessage::new(Role::System, prompt.system.clone()),
            ChatMessage::new(Role::User, prompt.user.clone()),
        ];
        let mut generation = self.model.generate(&messages, &PHRASE_OPTIONS, &mut |_| {
            ControlFlow::Continue(())
        })?;
        generation.text = strip_lead_in(&generation.text).to_string();
        Ok(generation)
    }
}

/// Drops a label small models put before the answer ("The answer is: ...").
fn strip_lead_in(text: &str) -> &str {
    let text = text.trim();
    match text.split_once(':') {
        Some((label, rest)) if !rest.trim().is_empty() => {
            let label = label.trim().to_lowercase();
            let words: Vec<&str> = label.split_whitespace().collect();
            let is_label = words.len() <= 4
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
