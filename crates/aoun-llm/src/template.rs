//! The chat template stored in a GGUF file, rendered with a Jinja engine.

use minijinja::{context, Environment};

use crate::{ChatMessage, LlmError, Role};

/// A model's own chat template.
pub(crate) struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

impl ChatTemplate {
    /// Compiles `source`; the error is a short reason.
    pub fn new(source: &str, bos_token: String, eos_token: String) -> Result<Self, String> {
        let mut env = Environment::new();
        // Templates written for Python's Jinja call string methods such as `.strip()`.
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |message: String| -> Result<String, minijinja::Error> {
                Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    message,
                ))
            },
        );
        env.add_template_owned("chat", source.to_string())
            .map_err(|e| e.to_string())?;
        Ok(Self {
            env,
            bos_token,
            eos_token,
        })
    }

    /// The prompt text for `messages`, ending where the assistant's reply starts. When the last
    /// message is the assistant's, the prompt ends with its words, so that the model continues
    /// them (an answer whose first sentence is already said).
    pub fn render(&self, messages: &[ChatMessage]) -> Result<String, LlmError> {
        let template = self
            .env
            .get_template("chat")
            .map_err(|e| LlmError::Template(e.to_string()))?;
        let (history, begun) = match messages.split_last() {
            Some((last, history)) if last.role == Role::Assistant => {
                (history, last.content.as_str())
            }
            _ => (messages, ""),
        };
        let mut prompt = template
            .render(context! {
                messages => history,
                add_generation_prompt => true,
                bos_token => &self.bos_token,
                eos_token => &self.eos_token,
            })
            .map_err(|e| LlmError::Template(e.to_string()))?;
        prompt.push_str(begun);
        Ok(prompt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHATML: &str = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    #[test]
    fn a_final_assistant_message_is_continued() {
        let template = ChatTemplate::new(CHATML, String::new(), String::new()).unwrap();
        let question = ChatMessage::new(Role::User, "How much?");
        let asked = template.render(std::slice::from_ref(&question)).unwrap();
        assert!(asked.ends_with("<|im_start|>assistant\n"), "{asked}");
        let begun = ChatMessage::new(Role::Assistant, "It costs 500 dirhams.");
        let continued = template.render(&[question, begun]).unwrap();
        assert_eq!(continued, format!("{asked}It costs 500 dirhams."));
    }
}
