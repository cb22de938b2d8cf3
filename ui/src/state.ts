// The window's state and how each event from the app changes it: a pure reducer, so that the
// rules (highlighting, language switching, errors) are tested without a window.

import { type Key, type Lang, heardLang, windowLang } from "./i18n";

import type { AnswerReport, LiveEvent, LiveState, Presence, Sentence, Status } from "./bindings";

export type { AnswerReport, DeviceProblem, ImportProgress, LiveEvent, LiveState, LoadStep, Sentence, Status } from "./bindings";

/** A problem shown (and spoken) as one short sentence with an icon. */
export interface Problem {
  key: Key;
  detail: string;
}

export interface AppState {
  lang: Lang;
  /** The office's language: a kiosk's wipe returns to it. */
  officeLang: Lang;
  /** The person chose the language since the last question was heard: its answer keeps it. */
  langChosen: boolean;
  status: Status | null;
  live: LiveState;
  handsFree: boolean;
  transcript: string;
  answer: AnswerReport | null;
  /** The turn the sentences belong to, null before the first. */
  turn: number | null;
  /** The answer's sentences, by their index in the turn: spoken so far, or all once it is known. */
  sentences: Sentence[];
  /** The index of the sentence being spoken, -1 when none. */
  current: number;
  problem: Problem | null;
  /** Kiosk: the attract screen shows (nobody is there, as the session says). */
  attract: boolean;
  /** Kiosk: seconds left before the session wipes the conversation, while it counts down. */
  countdown: number | null;
}

export type Action =
  | { type: "status"; status: Status }
  | { type: "live"; event: LiveEvent }
  | { type: "lang"; lang: Lang }
  | { type: "problem"; problem: Problem | null }
  | { type: "new_person" };

/** The window before anything happened; a kiosk starts on its attract screen. */
export function initialState(lang: Lang, kiosk = false): AppState {
  return {
    lang,
    officeLang: lang,
    langChosen: false,
    status: null,
    live: "idle",
    handsFree: false,
    transcript: "",
    answer: null,
    turn: null,
    sentences: [],
    current: -1,
    problem: null,
    attract: kiosk,
    countdown: null,
  };
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

type Speaking = Extract<LiveEvent, { event: "speaking" }>;

function onSpeaking(state: AppState, event: Speaking): AppState {
  // A spoken control label is no part of the answer.
  if (event.kind === "label") return state;
  // A new turn's first sentence starts a new answer (a question back after an interruption too).
  const sentences = event.turn === state.turn ? [...state.sentences] : [];
  sentences[event.index] = { text: event.text, kind: event.kind };
  return { ...state, turn: event.turn, sentences, current: event.index };
}

/** Kiosk: who is at the desk, as the session's idle clock says. */
function onPresence(state: AppState, presence: Presence): AppState {
  switch (presence.kind) {
    case "away":
      // The session wiped the conversation: nothing of one person is left for the next, only
      // the app's status, the microphone's mode and the office's language.
      if (state.attract) return state;
      return { ...initialState(state.officeLang, true), status: state.status, handsFree: state.handsFree };
    case "here":
      return { ...state, attract: false, countdown: null };
    case "leaving":
      return { ...state, attract: false, countdown: presence.seconds };
  }
}

function onLive(state: AppState, event: LiveEvent): AppState {
  switch (event.event) {
    case "state":
      return {
        ...state,
        live: event.state,
        current: event.state === "idle" ? -1 : state.current,
        problem: event.state === "listening" ? null : state.problem,
      };
    case "heard": {
      return {
        ...state,
        // The person speaks another language: the window follows.
        lang: heardLang(state.lang, event.transcript.language),
        langChosen: false,
        transcript: event.transcript.text,
        answer: null,
        turn: event.turn,
        sentences: [],
        current: -1,
        problem: null,
      };
    }
    case "speaking":
      return onSpeaking(state, event);
    case "hands_free":
      return { ...state, handsFree: event.on };
    case "presence":
      return onPresence(state, event.presence);
    case "answer": {
      // The whole answer is known before its last sentences are spoken: they show, not yet lit.
      const current = event.turn === state.turn ? state.current : -1;
      // The answer's language is the window's, unless the person chose one while it came.
      const lang = state.langChosen ? state.lang : (windowLang(event.answer.lang) ?? state.lang);
      return { ...state, answer: event.answer, turn: event.turn, sentences: event.answer.sentences, current, lang };
    }
    case "no_speech":
      return { ...state, problem: { key: "error_no_speech", detail: "" } };
    case "turn_failed":
      return { ...state, problem: { key: "error_turn", detail: event.message } };
    case "device_lost":
      return { ...state, problem: { key: "error_device_lost", detail: event.message } };
    case "interrupted":
      // The answer was cut short; what is said next comes in a new turn.
      return { ...state, current: -1 };
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
    case "problem":
      return { ...state, problem: action.problem };
    case "new_person":
      return { ...state, transcript: "", answer: null, sentences: [], current: -1, problem: null };
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
