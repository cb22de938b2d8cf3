// The window's state and how each event from the app changes it: a pure reducer, so that the
// rules (highlighting, language switching, errors) are tested without a window.

import { type Key, type Lang, heardLang, windowLang } from "./i18n";

export type LiveState = "idle" | "listening" | "transcribing" | "thinking" | "speaking";

export interface LoadStep {
  label: string;
  done: boolean;
  ok: boolean;
  ms: number;
}

export interface ImportProgress {
  label: string;
  done: number;
  total: number | null;
  running: boolean;
  error: string | null;
}

export interface DeviceProblem {
  kind: "microphone" | "loudspeaker";
  message: string;
}

export interface Status {
  phase: "checking" | "models_missing" | "loading" | "ready" | "failed";
  missing: string[];
  models_dir: string;
  steps: LoadStep[];
  import: ImportProgress | null;
  problems: DeviceProblem[];
  /** Parts that could not be loaded, each one sentence; the desk still answers. */
  degraded: string[];
  failure: string | null;
  simulated: boolean;
  ready_ms: number | null;
}

export interface AnswerReport {
  text: string;
  lang: string;
  source: "template" | "model" | "clarify" | "not_understood";
  card: string | null;
  options: string[];
}

export type LiveEvent =
  | { event: "state"; state: LiveState }
  | { event: "no_speech" }
  | { event: "heard"; transcript: { text: string; language: string } }
  | { event: "speaking"; text: string }
  | { event: "answer"; answer: AnswerReport }
  | { event: "interrupted" }
  | { event: "turn_failed"; message: string }
  | { event: "device_lost"; message: string };

/** A problem shown (and spoken) as one short sentence with an icon. */
export interface Problem {
  key: Key;
  detail: string;
}

export interface AppState {
  lang: Lang;
  /** The person chose the language since the last question was heard: its answer keeps it. */
  langChosen: boolean;
  status: Status | null;
  live: LiveState;
  handsFree: boolean;
  transcript: string;
  answer: AnswerReport | null;
  /** The answer's sentences as they were spoken (or, before that, as written). */
  sentences: string[];
  /** The sentence being spoken, -1 when none. */
  current: number;
  /** The rest of the answer: written, not yet spoken. */
  upcoming: string;
  /** Texts spoken as control labels: their `speaking` events are not the answer. */
  labels: string[];
  /** The last turn has ended: a sentence not yet shown starts a new answer (a question back). */
  ended: boolean;
  problem: Problem | null;
  /** Kiosk: the attract screen shows (nobody is there). */
  attract: boolean;
  /** Kiosk: seconds left before the conversation is wiped, while the countdown shows. */
  countdown: number | null;
}

export type Action =
  | { type: "status"; status: Status }
  | { type: "live"; event: LiveEvent }
  | { type: "lang"; lang: Lang }
  | { type: "hands_free"; on: boolean }
  | { type: "label"; text: string }
  | { type: "problem"; problem: Problem | null }
  | { type: "new_person" }
  | { type: "attract"; on: boolean }
  | { type: "countdown"; seconds: number | null }
  | { type: "wipe"; lang: Lang };

export function initialState(lang: Lang): AppState {
  return {
    lang,
    langChosen: false,
    status: null,
    live: "idle",
    handsFree: false,
    transcript: "",
    answer: null,
    sentences: [],
    current: -1,
    upcoming: "",
    labels: [],
    ended: false,
    problem: null,
    attract: false,
    countdown: null,
  };
}

/** Splits an answer into sentences the way it is spoken: after . ! ? and their Arabic forms. */
export function splitSentences(text: string): string[] {
  const parts = text.match(/[^.!?؟。]+(?:[.!?؟。]+|$)/gu) ?? [];
  return parts.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** What `text` says after the sentences already spoken (empty when they are not its own). */
export function remainder(text: string, spoken: string[]): string {
  let at = 0;
  for (const sentence of spoken) {
    const found = text.indexOf(sentence, at);
    if (found < 0) return "";
    at = found + sentence.length;
  }
  return text.slice(at).trim();
}

/** The problem a status shows, if any. */
export function statusProblem(status: Status): Problem | null {
  if (status.phase === "failed") {
    return { key: "error_load", detail: status.failure ?? "" };
  }
  if (status.import?.error) {
    return { key: "error_import", detail: status.import.error };
  }
  // Without a microphone the person cannot speak at all: that comes first.
  const device = status.problems.find((p) => p.kind === "microphone") ?? status.problems[0];
  if (status.phase === "ready" && device) {
    return { key: device.kind === "microphone" ? "error_microphone" : "error_loudspeaker", detail: device.message };
  }
  if (status.phase === "ready" && status.degraded.length > 0) {
    return { key: "error_degraded", detail: status.degraded.join(" ") };
  }
  return null;
}

function onSpeaking(state: AppState, text: string): AppState {
  const label = state.labels.indexOf(text);
  if (label >= 0) {
    return { ...state, labels: state.labels.filter((_, i) => i !== label) };
  }
  const known = state.sentences.indexOf(text);
  if (known >= 0) {
    return { ...state, current: known };
  }
  if (state.ended) {
    return { ...state, sentences: [text], current: 0, upcoming: "", ended: false };
  }
  const sentences = [...state.sentences, text];
  const at = state.upcoming.indexOf(text);
  const upcoming = at < 0 ? state.upcoming : state.upcoming.slice(at + text.length).trim();
  return { ...state, sentences, current: sentences.length - 1, upcoming, ended: false };
}

function onLive(state: AppState, event: LiveEvent): AppState {
  switch (event.event) {
    case "state":
      return {
        ...state,
        // Someone speaking is someone there.
        ...(event.state === "listening" ? { attract: false, countdown: null } : {}),
        live: event.state,
        current: event.state === "idle" ? -1 : state.current,
        ended: event.state === "idle" || state.ended,
        problem: event.state === "listening" ? null : state.problem,
      };
    case "heard": {
      return {
        ...state,
        // The person speaks another language: the window follows.
        lang: heardLang(state.lang, event.transcript.language),
        langChosen: false,
        transcript: event.transcript.text,
        attract: false,
        countdown: null,
        answer: null,
        sentences: [],
        current: -1,
        upcoming: "",
        ended: false,
        problem: null,
      };
    }
    case "speaking":
      return onSpeaking(state, event.text);
    case "answer": {
      // The whole answer is known before its last sentences are spoken: they show, not yet lit.
      const spoken = state.sentences.length > 0;
      const sentences = spoken ? state.sentences : splitSentences(event.answer.text);
      const upcoming = spoken ? remainder(event.answer.text, state.sentences) : "";
      // The answer's language is the window's, unless the person chose one while it came.
      const lang = state.langChosen ? state.lang : (windowLang(event.answer.lang) ?? state.lang);
      return { ...state, answer: event.answer, sentences, upcoming, lang };
    }
    case "no_speech":
      return { ...state, problem: { key: "error_no_speech", detail: "" } };
    case "turn_failed":
      return { ...state, problem: { key: "error_turn", detail: event.message } };
    case "device_lost":
      return { ...state, problem: { key: "error_device_lost", detail: event.message } };
    case "interrupted":
      // The answer was cut short: what is said next is a new answer.
      return { ...state, current: -1, ended: true };
  }
}

export function reduce(state: AppState, action: Action): AppState {
  switch (action.type) {
    case "status": {
      // A problem the status no longer reports is gone; the others stay until the next turn.
      const kept = state.problem && !isStatusKey(state.problem.key) ? state.problem : null;
      return { ...state, status: action.status, problem: statusProblem(action.status) ?? kept };
    }
    case "live":
      return onLive(state, action.event);
    case "lang":
      return { ...state, lang: action.lang, langChosen: true };
    case "hands_free":
      return { ...state, handsFree: action.on };
    case "label":
      return { ...state, labels: [...state.labels, ...splitSentences(action.text)] };
    case "problem":
      return { ...state, problem: action.problem };
    case "new_person":
      return { ...state, transcript: "", answer: null, sentences: [], current: -1, upcoming: "", problem: null };
    case "attract":
      return { ...state, attract: action.on, countdown: null };
    case "countdown":
      return { ...state, countdown: action.seconds };
    case "wipe":
      // Nothing of one person is left for the next: only the app's status stays.
      return { ...initialState(action.lang), status: state.status, attract: true };
  }
}

const STATUS_KEYS: readonly Key[] = ["error_load", "error_import", "error_microphone", "error_loudspeaker"];

function isStatusKey(key: Key): boolean {
  return STATUS_KEYS.includes(key);
}

/** The key of the sentence under the talk button. */
export function stateKey(state: AppState): Key {
  if (state.live === "idle") {
    return state.handsFree ? "state_idle_hands_free" : "state_idle";
  }
  return `state_${state.live}`;
}
