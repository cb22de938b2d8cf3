//! What a window asks of a live session besides the talk button: a question typed or chosen as
//! a picture, the last answer again (slower), "that is not what I asked", a control's spoken
//! name, and the settings that can change while it runs.

use std::time::Duration;

use aoun_audio::Vad;
use aoun_core::Lang;

use super::{LiveSession, Loop, State, Turn};
use crate::Question;

/// Something asked without speaking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Answer this text as if it had been heard (a typed question, or a procedure's name when
    /// its picture is chosen), in `lang` when given, else in the language it is written in.
    Ask {
        /// The question.
        text: String,
        /// The language to answer in.
        lang: Option<Lang>,
    },
    /// Speak the last answer again; `slower` speaks it more slowly.
    Replay {
        /// Speak it more slowly than the set speed.
        slower: bool,
    },
    /// The last answer was not what was asked: forget the topic and ask what is needed.
    NotWhatIAsked,
    /// Speak a short text, such as a control's name, in `lang`.
    Say {
        /// The text.
        text: String,
        /// Its language.
        lang: Lang,
    },
    /// Speed of every voice, in percent of normal.
    SpeechRate(u16),
    /// Silence that ends an utterance in hands-free mode.
    EndSilence(Duration),
    /// Cancel the loudspeaker's echo (off for a headset).
    EchoCancel(bool),
}

impl<V: Vad> LiveSession<V> {
    /// Carries out a request; one that speaks interrupts the answer under way.
    pub(super) fn request(&mut self, live: &mut Loop<'_>, request: Request) {
        let question = match request {
            Request::SpeechRate(percent) => {
                return self.pipeline.set_speech_rate(f32::from(percent) / 100.0);
            }
            Request::EndSilence(silence) => {
                self.config.endpoint.trailing_silence = silence;
                self.endpointer.set_trailing_silence(silence);
                return;
            }
            Request::EchoCancel(on) => {
                self.config.echo_cancel = on;
                live.set_echo_cancel(on);
                return;
            }
            Request::Ask { text, lang } => Question::Typed { text, lang },
            Request::Replay { slower } => Question::Replay { slower },
            Request::NotWhatIAsked => Question::NotWhatIAsked,
            Request::Say { text, lang } => Question::Label { text, lang },
        };
        live.stop_hearing();
        live.interrupt_answer();
        let asked = matches!(question, Question::Typed { .. });
        live.answering = Some(Turn::new(self.pipeline.start(question), None));
        if asked {
            live.set_state(State::Thinking);
        }
        self.endpointer.reset();
    }
}
