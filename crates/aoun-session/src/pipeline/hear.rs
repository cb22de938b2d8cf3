//! The hearing stage: it owns speech recognition. An utterance's feed comes in while the person
//! is still speaking; the stage tells the language once enough speech is heard, transcribes
//! what each pause would end, and once the utterance ends hands the transcript on to the
//! answering stage (a pause's transcript when no speech came after it).

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use aoun_audio::{Audio, SPEECH_RATE};
use aoun_core::CancelToken;
use aoun_stt::{SpeechToText, SttError, Transcript};

use super::{answer, TurnContext, TurnEvent};
use crate::{ms, Contained, StageTimings, TurnError};

/// What the audio loop tells the hearing stage about an utterance.
pub(crate) enum Feed {
    /// The speech so far, long enough to tell its language.
    Early(Audio),
    /// The utterance as it would end now, while the person pauses, and where its speech ends;
    /// the token (a child of the turn's) is cancelled when the person speaks again, which makes
    /// that transcription useless.
    Pause(Audio, Duration, CancelToken),
    /// The utterance ended: answer it. With the end of its speech on the stream's clock, when
    /// the endpointer cut it (a pause's transcript is of the same speech).
    End(Audio, Option<Duration>),
}

/// One utterance to hear.
pub(super) struct Job {
    pub(super) feed: Receiver<Feed>,
    /// The language spoken, when known beforehand.
    pub(super) language: Option<String>,
    pub(super) context: TurnContext,
}

pub(super) fn start(stt: Box<dyn SpeechToText>, answering: Sender<answer::Job>) -> Sender<Job> {
    let (jobs, inbox) = mpsc::channel::<Job>();
    let mut ear = Ear {
        stt: Box::new(Contained::new(stt)),
    };
    std::thread::Builder::new()
        .name("hearing".into())
        .spawn(move || {
            for job in inbox {
                ear.utterance(job, &answering);
            }
        })
        .expect("the hearing thread starts");
    jobs
}

struct Ear {
    stt: Box<dyn SpeechToText>,
}

/// A transcription made during a pause, and the end of the speech it heard.
struct Draft {
    speech_end: Duration,
    heard: Result<Transcript, TurnError>,
    timings: StageTimings,
}

impl Ear {
    fn utterance(&mut self, job: Job, answering: &Sender<answer::Job>) {
        let Job {
            feed,
            mut language,
            context,
        } = job;
        let mut draft: Option<Draft> = None;
        let (audio, speech_end) = loop {
            // A closed feed means the utterance was dropped: nobody waits for this turn.
            let Ok(first) = feed.recv() else { return };
            // Only the newest of what piled up while Whisper worked is still worth doing: the
            // end, else the last pause (after the language, asked once).
            let (mut early, mut pause, mut end) = (None, None, None);
            for message in std::iter::once(first).chain(feed.try_iter()) {
                match message {
                    Feed::Early(audio) => early = Some(audio),
                    Feed::Pause(audio, speech_end, cancel) => {
                        pause = Some((audio, speech_end, cancel))
                    }
                    Feed::End(audio, speech_end) => end = Some((audio, speech_end)),
                }
            }
            if context.cancel.is_cancelled() {
                return context.emit(TurnEvent::Cancelled);
            }
            if let Some(ended) = end {
                break ended;
            }
            if let Some(audio) = early.filter(|_| language.is_none()) {
                language = self.detect_language(&audio);
            }
            if let Some((audio, speech_end, cancel)) = pause {
                let mut timings = StageTimings::default();
                let heard = self.hear(&audio, language.as_deref(), &cancel, &mut timings);
                // A stopped draft is no transcript: the end is heard again.
                let stopped = matches!(heard, Err(TurnError::Stt(SttError::Stopped)));
                draft = (!stopped).then_some(Draft {
                    speech_end,
                    heard,
                    timings,
                });
            }
        };
        let asked = Instant::now();
        // The pause's transcript is the utterance's when no speech came after it (only some of
        // the trailing silence differs).
        let (heard, timings) = match draft {
            Some(draft) if speech_end == Some(draft.speech_end) => (draft.heard, draft.timings),
            _ => {
                let mut timings = StageTimings::default();
                let heard = self.hear(&audio, language.as_deref(), &context.cancel, &mut timings);
                (heard, timings)
            }
        };
        let transcript = match heard.and_then(|heard| context.check().map(|()| heard)) {
            Ok(transcript) => transcript,
            Err(TurnError::Cancelled) => return context.emit(TurnEvent::Cancelled),
            Err(e) => return context.emit(TurnEvent::Failed(e)),
        };
        context.emit(TurnEvent::Heard {
            transcript: transcript.clone(),
        });
        let job = answer::Job::Answer {
            transcript,
            timings: Box::new(timings),
            asked,
            context,
        };
        if let Err(mpsc::SendError(job)) = answering.send(job) {
            if let Some(context) = job.context() {
                context.emit(TurnEvent::Failed(TurnError::Stopped));
            }
        }
    }

    /// Transcribes `audio` (any rate) into `timings`' hearing stages: silence, or speech that
    /// yields no words, starts no turn.
    fn hear(
        &mut self,
        audio: &Audio,
        language: Option<&str>,
        cancel: &CancelToken,
        timings: &mut StageTimings,
    ) -> Result<Transcript, TurnError> {
        let stage = Instant::now();
        let speech = audio.resampled(SPEECH_RATE);
        timings.resample_ms = ms(stage);
        if aoun_audio::is_silent(&speech) {
            return Err(TurnError::Silence);
        }
        let stage = Instant::now();
        let transcript = self.stt.transcribe(&speech.samples, language, cancel)?;
        timings.stt_ms = ms(stage);
        // Logs carry no words of what people say: lengths and timings only.
        tracing::info!(
            language = %transcript.language,
            chars = transcript.text.chars().count(),
            stt_ms = timings.stt_ms,
            "heard"
        );
        if transcript.text.trim().is_empty() {
            return Err(TurnError::Silence);
        }
        Ok(transcript)
    }

    /// The language spoken in `audio` (16 kHz), when the recogniser can tell it without
    /// transcribing; `None` otherwise or when it fails (the transcription then detects it).
    fn detect_language(&mut self, audio: &Audio) -> Option<String> {
        match self.stt.detect_language(&audio.samples) {
            Ok(found) => found.map(|(language, _)| language),
            Err(e) => {
                tracing::debug!(error = %e, "early language detection failed");
                None
            }
        }
    }
}
