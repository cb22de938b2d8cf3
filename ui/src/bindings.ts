// Generated from the app's Rust types by `src-tauri/src/bindings.rs`: do not edit by hand.
// After changing one of those types, run `AOUN_UPDATE_BINDINGS=1 cargo test -p aoun-app bindings`.

export type Lang = "ar" | "ary" | "fr" | "en";

export type SentenceKind = "topic" | "card" | "model" | "offer" | "question_back" | "label";

export type Sentence = { 
/**
 * Its words, with the end mark.
 */
text: string, 
/**
 * What it is.
 */
kind: SentenceKind, };

export type Transcript = { 
/**
 * The words, trimmed.
 */
text: string, 
/**
 * ISO 639-1 code of the spoken language (Darija is reported as `ar`).
 */
language: string, 
/**
 * Probability the recogniser gave that language, when it detected it.
 */
language_probability: number | null, };

export type LiveState = "idle" | "listening" | "transcribing" | "thinking" | "speaking";

export type Presence = { "kind": "away" } | { "kind": "here" } | { "kind": "leaving", 
/**
 * Seconds left, rounded up.
 */
seconds: number, };

export type AnswerSource = "template" | "model" | "clarify" | "not_understood" | "label";

export type StageTimings = { 
/**
 * Converting the input to 16 kHz mono.
 */
resample_ms: number, 
/**
 * Speech recognition, language detection included.
 */
stt_ms: number, 
/**
 * Finding the procedure and aspect in the guide.
 */
guide_ms: number, 
/**
 * Language model: reading the prompt, up to the first generated token.
 */
llm_first_token_ms: number | null, 
/**
 * Language model: the whole phrasing.
 */
llm_ms: number | null, 
/**
 * Speech synthesis of the first sentence.
 */
tts_first_audio_ms: number | null, 
/**
 * Speech synthesis of the whole answer (the voice's own working time).
 */
tts_ms: number | null, 
/**
 * How long the language model and the voice worked at the same time: the model writes
 * its next sentence while the voice synthesizes the one before.
 */
llm_tts_overlap_ms: number | null, 
/**
 * From the start of the turn to the first audio synthesized (a spoken question's
 * recognition included): how long a person waits before the answer starts.
 */
first_audio_ms: number | null, 
/**
 * From the question (its transcript, or the typed text) to the last sentence synthesized.
 */
answer_ms: number, 
/**
 * The whole turn (in a live session: from the end of the utterance; its speech may have
 * been recognised before, during the person's pause).
 */
total_ms: number, 
/**
 * Live sessions: from the end of the person's speech to the transcript.
 */
voice_to_transcript_ms: number | null, 
/**
 * Live sessions: from the end of the person's speech to the first sample of the answer
 * handed to the loudspeaker (the end-of-speech silence the detector waits for included).
 */
voice_to_first_audio_ms: number | null, };

export type AnswerReport = { 
/**
 * The words spoken, as one text.
 */
text: string, 
/**
 * The sentences spoken, each with what it is (card, model, offer, question back).
 */
sentences: Array<Sentence>, 
/**
 * Language of the answer (serialized as its code: `ar`, `ary` for Darija, `fr`, `en`).
 */
lang: Lang, 
/**
 * Where the words come from.
 */
source: AnswerSource, 
/**
 * The procedure answered, if any.
 */
card: string | null, 
/**
 * The aspect answered (documents, fee, place...), if any.
 */
aspect: string | null, 
/**
 * Procedures offered by a question back.
 */
options: Array<string>, 
/**
 * Why the model's wording was not used, when it was tried and rejected.
 */
rejected: string | null, 
/**
 * Tokens the model generated, when it ran.
 */
generated_tokens: number | null, };

export type LiveEvent = { "event": "state", 
/**
 * The new state.
 */
state: LiveState, } | { "event": "hands_free", 
/**
 * Whether it is on.
 */
on: boolean, } | { "event": "presence", 
/**
 * Who is there now.
 */
presence: Presence, } | { "event": "no_speech" } | { "event": "heard", 
/**
 * The turn it starts.
 */
turn: number, 
/**
 * The transcript.
 */
transcript: Transcript, } | { "event": "speaking", 
/**
 * The turn it belongs to.
 */
turn: number, 
/**
 * Its position in the turn's answer, from 0.
 */
index: number, 
/**
 * What it is (a card's words, the model's, an offer, a question back, a label).
 */
kind: SentenceKind, 
/**
 * The whole sentence.
 */
text: string, } | { "event": "answer", 
/**
 * The turn it answers.
 */
turn: number, 
/**
 * The answer.
 */
answer: AnswerReport, 
/**
 * Per-stage milliseconds, `voice_to_first_audio_ms` included (boxed: the largest
 * event by far).
 */
timings: StageTimings, } | { "event": "interrupted", 
/**
 * How much of their speech had been heard when the answer was stopped (barge-in over
 * an answer), in milliseconds; `None` when the button was pressed or the turn had
 * just ended.
 */
heard_ms: number | null, } | { "event": "turn_failed", 
/**
 * One sentence for the person.
 */
message: string, } | { "event": "device_lost", 
/**
 * One sentence for the person.
 */
message: string, };

export type VoiceInfo = { 
/**
 * Language code: `ar`, `ary`, `fr` or `en`.
 */
lang: string, 
/**
 * `piper` or `espeak-ng`.
 */
engine: string, 
/**
 * The Piper model id or the espeak-ng voice.
 */
voice: string, 
/**
 * Why this voice, in one sentence.
 */
reason: string, 
/**
 * How the voice reads text (diacritization, script runs).
 */
reads: string, };

export type Engine = "speech_recognition" | "language_model" | "voices" | "voice_detector";

export type Phase = "checking" | "models_missing" | "loading" | "ready" | "failed";

export type LoadStep = { 
/**
 * What is loaded.
 */
engine: Engine, 
/**
 * Finished (successfully or not).
 */
done: boolean, 
/**
 * Whether it worked, once done.
 */
ok: boolean, 
/**
 * Milliseconds it took, once done.
 */
ms: number, };

export type ImportProgress = { 
/**
 * The file being installed.
 */
label: string, 
/**
 * Bytes done.
 */
done: number, 
/**
 * Bytes in all, when known.
 */
total: number | null, 
/**
 * Still running.
 */
running: boolean, 
/**
 * Why it failed, in one sentence.
 */
error: string | null, };

export type DeviceProblem = { 
/**
 * `microphone` or `loudspeaker`.
 */
kind: "microphone" | "loudspeaker", 
/**
 * One sentence from the sound system.
 */
message: string, };

export type Status = { 
/**
 * Where the app is.
 */
phase: Phase, 
/**
 * Models of the registry pack that are missing or damaged.
 */
missing: Array<string>, 
/**
 * Where models are looked for.
 */
models_dir: string, 
/**
 * Loading steps so far.
 */
steps: Array<LoadStep>, 
/**
 * A model pack import, when one was started.
 */
import: ImportProgress | null, 
/**
 * Sound devices that are missing.
 */
problems: Array<DeviceProblem>, 
/**
 * Why loading failed, in one sentence.
 */
failure: string | null, 
/**
 * The microphone is simulated from WAV files.
 */
simulated: boolean, 
/**
 * Milliseconds from the start of the app to ready.
 */
ready_ms: number | null, 
/**
 * What speaks each language, once loaded.
 */
voices: Array<VoiceInfo>, 
/**
 * Parts that could not be loaded, each one sentence saying what works instead (for the
 * person looking after the desk; the others go on answering).
 */
degraded: Array<string>, };

export type Procedure = { 
/**
 * The card's id, which picks its icon.
 */
id: string, 
/**
 * Its name in the window's language.
 */
name: string, };

export type ModelRow = { 
/**
 * Manifest id.
 */
id: string, 
/**
 * `installed`, `unverified`, `missing` or `corrupt`.
 */
state: string, };

export type DeskInfo = { 
/**
 * The saved settings.
 */
settings: Settings, 
/**
 * What speaks each language.
 */
voices: Array<VoiceInfo>, 
/**
 * The registry pack's models and their state.
 */
models: Array<ModelRow>, };

export type Kiosk = { 
/**
 * Kiosk mode is on.
 */
on: boolean, 
/**
 * Seconds without anyone before the conversation is wiped.
 */
idle_seconds: number, 
/**
 * Seconds of countdown shown and spoken before the wipe (the end of the idle time).
 */
countdown_seconds: number, 
/**
 * Seconds between two spoken invitations on the attract screen.
 */
invitation_interval_seconds: number, 
/**
 * Loudness of the invitation, in percent.
 */
invitation_volume_percent: number, 
/**
 * The office's languages, in which the attract screen invites people.
 */
languages: Array<string>, };

export type Settings = { 
/**
 * Language of the window and of answers to the icons: `ar`, `ary` (Darija), `fr` or `en`.
 */
language: string, 
/**
 * Voice speed in percent of normal.
 */
speech_rate_percent: number, 
/**
 * Silence that ends a question in hands-free mode, in milliseconds.
 */
end_silence_ms: number, 
/**
 * Remove the loudspeaker's echo from the microphone (turn off for a headset).
 */
echo_cancel: boolean, 
/**
 * Kiosk mode for a public office (as `--kiosk`): full screen, locked down, wiped between
 * two people.
 */
kiosk: boolean, 
/**
 * Kiosk: seconds without anyone before the conversation is wiped.
 */
idle_seconds: number, 
/**
 * Kiosk: seconds between two spoken invitations on the attract screen.
 */
invitation_interval_seconds: number, 
/**
 * Kiosk: loudness of the spoken invitation, in percent of the answers' loudness.
 */
invitation_volume_percent: number, 
/**
 * Kiosk: the office's languages, in which the attract screen invites people to speak.
 */
office_languages: Array<string>, };
