// What several test files share: a run of actions through the reducer, a status, and the app's
// events as it sends them.

import type { AnswerReport, LiveEvent, Sentence, SentenceKind, StageTimings } from "../src/bindings";
import { type Action, type AppState, type Status, initialState, reduce } from "../src/state";

export function run(actions: Action[], start: AppState = initialState("ar")): AppState {
  return actions.reduce(reduce, start);
}

export const status = (over: Partial<Status>): Status => ({
  phase: "ready",
  missing: [],
  models_dir: "",
  steps: [],
  import: null,
  problems: [],
  degraded: [],
  failure: null,
  simulated: false,
  ready_ms: null,
  voices: [],
  ...over,
});

/** A question heard, starting turn `turn`. */
export const heard = (turn: number, text: string, language = "en"): Action => ({
  type: "live",
  event: { event: "heard", turn, transcript: { text, language, language_probability: null } },
});

/** Sentence `index` of turn `turn` starting to play. */
export const speaking = (turn: number, index: number, text: string, kind: SentenceKind = "card"): Action => ({
  type: "live",
  event: { event: "speaking", turn, index, kind, text },
});

const timings: StageTimings = {
  resample_ms: 0,
  stt_ms: 0,
  guide_ms: 0,
  llm_first_token_ms: null,
  llm_ms: null,
  tts_first_audio_ms: null,
  tts_ms: null,
  llm_tts_overlap_ms: null,
  first_audio_ms: null,
  answer_ms: 0,
  total_ms: 0,
  voice_to_transcript_ms: null,
  voice_to_first_audio_ms: null,
};

/** The whole answer of turn `turn`, its sentences given with their kinds. */
export function answer(turn: number, sentences: Sentence[] | string[], lang: AnswerReport["lang"] = "en"): Action {
  const all = sentences.map((s): Sentence => (typeof s === "string" ? { text: s, kind: "card" } : s));
  const report: AnswerReport = {
    text: all.map((s) => s.text).join(" "),
    sentences: all,
    lang,
    source: "template",
    card: "passport",
    aspect: null,
    options: [],
    rejected: null,
    generated_tokens: null,
  };
  const event: LiveEvent = { event: "answer", turn, answer: report, timings };
  return { type: "live", event };
}

/** Any other live event, as the app sends it. */
export const live = (event: LiveEvent): Action => ({ type: "live", event });
