// The window: built once from the i18n table and icons, then updated from the state.

import { FLAGS, ICONS, PROCEDURE_ICONS, FALLBACK_ICON, type IconName, svg } from "./icons";
import { type Key, type Lang, LANGS, applyLang, dirOf, t, textLang, windowLang } from "./i18n";
import type { Engine } from "./bindings";
import { type AppState, stateKey } from "./state";

export interface Procedure {
  id: string;
  name: string;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** A button with a picture and a caption; its accessible name and spoken label come from `key`. */
function iconButton(id: string, icon: IconName, key: Key, className = "action"): HTMLButtonElement {
  const caption = el("span", { class: "caption", "data-text": key });
  const button = el("button", { id, type: "button", class: className, "data-label": key }, [svg(ICONS[icon], 40), caption]);
  return button;
}

/** Every element the state updates. */
export interface View {
  root: HTMLElement;
  main: HTMLElement;
  talk: HTMLButtonElement;
  stateText: HTMLElement;
  transcript: HTMLElement;
  answer: HTMLElement;
  problem: HTMLElement;
  problemText: HTMLElement;
  langButtons: HTMLButtonElement[];
  grid: HTMLElement;
  loading: HTMLElement;
  loadProgress: HTMLProgressElement;
  loadSteps: HTMLElement;
  models: HTMLElement;
  folderInput: HTMLInputElement;
  folderList: HTMLElement;
  importButton: HTMLButtonElement;
  importProgress: HTMLProgressElement;
  settings: HTMLDialogElement;
  rate: HTMLInputElement;
  silence: HTMLInputElement;
  headset: HTMLInputElement;
  voices: HTMLElement;
  modelsInUse: HTMLElement;
  newPerson: HTMLButtonElement;
  openSettings: HTMLButtonElement;
  modelsHelp: HTMLElement;
  attract: HTMLButtonElement;
  invitations: HTMLElement;
  countdown: HTMLElement;
  countdownSeconds: HTMLElement;
}

export function buildView(app: HTMLElement): View {
  const langButtons = LANGS.map((lang) => {
    const button = el("button", { type: "button", class: "lang", "data-lang": lang, "data-label": `lang_${lang}`, lang }, [
      svg(FLAGS[lang], 40),
      el("span", { class: "caption", "data-text": `lang_${lang}` }),
    ]);
    return button;
  });
  const newPerson = iconButton("new-person", "new_person", "new_person");
  const openSettings = iconButton("open-settings", "settings", "settings");
  const header = el("header", { class: "bar" }, [
    el("div", { class: "brand" }, [svg(ICONS.ear, 40), el("h1", { "data-text": "app_name" }), el("p", { class: "tagline", "data-text": "app_tagline" })]),
    el("nav", { class: "langs", "data-name": "language" }, langButtons),
    el("div", { class: "tools" }, [newPerson, openSettings]),
  ]);

  const talk = el("button", { id: "talk", type: "button", class: "talk", "data-state": "idle", "data-name": "talk" }, [
    el("span", { class: "ring" }),
    svg(ICONS.microphone, 96),
  ]);
  const stateText = el("p", { id: "state-text", class: "state-text", role: "status", "aria-live": "polite" });
  const problemText = el("span", { id: "problem-text" });
  const problem = el("div", { id: "problem", class: "problem", role: "alert", hidden: "" }, [svg(ICONS.warning, 40), problemText]);
  // Dir "auto": a question in English reads left to right in the Arabic window.
  const transcript = el("p", { id: "transcript", class: "transcript", dir: "auto" });
  const answer = el("p", { id: "answer", class: "answer", "aria-live": "polite" });
  const actions = el("div", { class: "actions" }, [
    iconButton("replay", "replay", "replay"),
    iconButton("slower", "slower", "slower"),
    iconButton("not-what-i-asked", "not_what_i_asked", "not_what_i_asked"),
  ]);
  const grid = el("div", { id: "procedure-grid", class: "grid" });
  const main = el("main", {}, [
    el("section", { class: "talk-area" }, [talk, stateText]),
    el("section", { class: "dialogue" }, [
      el("h2", { "data-text": "you_said" }),
      transcript,
      el("h2", { "data-text": "answer" }),
      answer,
      actions,
    ]),
    el("section", { class: "procedures" }, [el("h2", { "data-text": "procedures" }), grid]),
  ]);

  const loadProgress = el("progress", { id: "load-progress", max: "1", value: "0" });
  const loadSteps = el("ul", { id: "load-steps", class: "steps" });
  const loading = el("section", { id: "loading", class: "screen" }, [
    svg(ICONS.hourglass, 96),
    el("h2", { "data-text": "loading" }),
    loadProgress,
    loadSteps,
  ]);

  const modelsHelp = el("p", { id: "models-help", "data-text": "models_missing_help" });
  const folderInput = el("input", { id: "folder", type: "text", dir: "ltr", autocomplete: "off" });
  const folderList = el("div", { id: "folders", class: "folders" });
  const importButton = iconButton("import", "usb", "import");
  const importProgress = el("progress", { id: "import-progress", max: "1", value: "0", hidden: "" });
  const models = el("section", { id: "models", class: "screen", hidden: "" }, [
    svg(ICONS.usb, 96),
    el("h2", { "data-text": "models_missing" }),
    modelsHelp,
    folderList,
    el("label", { for: "folder", "data-text": "folder" }),
    folderInput,
    importButton,
    importProgress,
  ]);

  const rate = el("input", { id: "rate", type: "range", min: "50", max: "150", step: "10" });
  const silence = el("input", { id: "silence", type: "range", min: "300", max: "3000", step: "100" });
  // A headset sends no echo back: the echo canceller is then turned off.
  const headset = el("input", { id: "headset", type: "checkbox" });
  const voices = el("ul", { id: "voices", class: "info" });
  const modelsInUse = el("ul", { id: "models-in-use", class: "info" });
  const settings = el("dialog", { id: "settings", class: "settings" }, [
    el("h2", { "data-text": "settings" }),
    el("label", { for: "rate", "data-text": "voice_speed" }),
    rate,
    el("label", { for: "silence", "data-text": "end_silence" }),
    silence,
    el("label", { for: "headset", class: "toggle" }, [headset, el("span", { "data-text": "headset" })]),
    el("h3", { "data-text": "voices" }),
    voices,
    el("h3", { "data-text": "models_in_use" }),
    modelsInUse,
    el("div", { class: "actions" }, [iconButton("save-settings", "settings", "save"), iconButton("close-settings", "not_what_i_asked", "close")]),
  ]);

  // Kiosk: the attract screen covers the window while nobody is there; a touch anywhere on it
  // (it is one big button) or a key leaves it.
  const invitations = el("div", { class: "invitations" });
  const attractIcons = [ICONS.microphone, ...Object.values(PROCEDURE_ICONS).slice(0, 4)];
  const attract = el("button", { id: "attract", type: "button", class: "attract", "data-label": "invitation", hidden: "" }, [
    el("span", { class: "attract-icons" }, attractIcons.map((shapes) => svg(shapes, 96))),
    invitations,
  ]);
  const countdownSeconds = el("span", { id: "countdown-seconds", class: "countdown-seconds" });
  const countdown = el("div", { id: "countdown", class: "countdown", role: "alert", hidden: "" }, [
    svg(ICONS.hourglass, 96),
    el("p", { "data-text": "still_there" }),
    countdownSeconds,
  ]);

  // The problem banner sits under the header, above whichever screen is shown.
  app.replaceChildren(header, problem, main, loading, models, settings, attract, countdown);
  return {
    root: document.documentElement,
    main,
    talk,
    stateText,
    transcript,
    answer,
    problem,
    problemText,
    langButtons,
    grid,
    loading,
    loadProgress,
    loadSteps,
    models,
    folderInput,
    folderList,
    importButton,
    importProgress,
    settings,
    rate,
    silence,
    headset,
    voices,
    modelsInUse,
    newPerson,
    openSettings,
    modelsHelp,
    attract,
    invitations,
    countdown,
    countdownSeconds,
  };
}

/** Kiosk: the window is locked down (no settings, no folders) and invites in the office's
 * languages. */
export function lockDown(view: View, languages: string[]): void {
  document.body.classList.add("kiosk");
  view.openSettings.hidden = true;
  for (const node of [view.folderInput, view.folderList, view.importButton, view.importProgress]) {
    node.hidden = true;
    node.classList.add("no-kiosk");
  }
  document.querySelector("label[for='folder']")?.classList.add("no-kiosk");
  view.modelsHelp.dataset.text = "models_missing_kiosk";
  // Written once per script: Darija is written with the Arabic strings.
  const written = new Set<string>();
  view.invitations.replaceChildren(
    ...languages.flatMap((code) => {
      const lang = windowLang(code);
      if (!lang || written.has(textLang(lang))) return [];
      written.add(textLang(lang));
      return [el("p", { "data-text": "invitation", "data-lang-fixed": lang, lang, dir: dirOf(lang) })];
    }),
  );
}

/** Puts every string of the window in `lang`, accessible names included. */
export function translate(view: View, lang: Lang): void {
  applyLang(view.root, lang);
  document.title = `${t(lang, "app_name")} - ${t(lang, "app_tagline")}`;
  for (const node of document.querySelectorAll<HTMLElement>("[data-text]")) {
    // The attract screen's invitations each keep their own language.
    node.textContent = t(windowLang(node.dataset.langFixed) ?? lang, node.dataset.text as Key);
  }
  for (const node of document.querySelectorAll<HTMLElement>("[data-label]")) {
    node.setAttribute("aria-label", t(lang, node.dataset.label as Key));
  }
  for (const node of document.querySelectorAll<HTMLElement>("[data-name]")) {
    node.setAttribute("aria-label", t(lang, node.dataset.name as Key));
  }
  for (const button of view.langButtons) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
}

/** The procedure icons, named in the window's language. */
export function showProcedures(view: View, procedures: Procedure[]): void {
  view.grid.replaceChildren(
    ...procedures.map((p) =>
      el("button", { type: "button", class: "procedure", "data-procedure": p.id, "aria-label": p.name }, [
        svg(PROCEDURE_ICONS[p.id] ?? FALLBACK_ICON, 56),
        el("span", { class: "caption" }, [p.name]),
      ]),
    ),
  );
}

/** A sentence is lit while it is spoken; while the answer is spoken, those after it are dimmed. */
function sentenceClass(index: number, current: number): string {
  if (index === current) return "sentence current";
  return current >= 0 && index > current ? "sentence upcoming" : "sentence";
}

/** Brings the window up to date with the state. */
export function render(view: View, state: AppState): void {
  const lang = state.lang;
  view.talk.dataset.state = state.live;
  view.talk.dataset.handsFree = String(state.handsFree);
  view.talk.setAttribute("aria-label", t(lang, state.handsFree ? "talk_stop" : "talk"));
  view.talk.setAttribute("aria-pressed", String(state.handsFree));
  view.stateText.textContent = t(lang, stateKey(state));
  view.transcript.textContent = state.transcript;
  view.answer.replaceChildren(
    ...state.sentences.flatMap((sentence, i) => [
      el("span", { class: sentenceClass(i, state.current), "data-kind": sentence.kind }, [sentence.text]),
      " ",
    ]),
  );
  const answerLang = windowLang(state.answer?.lang);
  if (answerLang) {
    view.answer.lang = answerLang;
    view.answer.dir = dirOf(answerLang);
  }
  view.attract.hidden = !state.attract;
  view.countdown.hidden = state.countdown === null || state.attract;
  view.countdownSeconds.textContent = state.countdown === null ? "" : String(state.countdown);
  view.problem.hidden = state.problem === null;
  view.problemText.textContent = state.problem ? t(lang, state.problem.key) : "";
  view.problemText.title = state.problem?.detail ?? "";

  const status = state.status;
  const phase = status?.phase ?? "checking";
  document.body.dataset.phase = phase;
  view.loading.hidden = !(phase === "checking" || phase === "loading");
  view.models.hidden = phase !== "models_missing";
  view.main.hidden = !view.loading.hidden || !view.models.hidden;
  if (status) {
    const done = status.steps.filter((s) => s.done).length;
    // Every engine has its step.
    view.loadProgress.max = Math.max(Object.keys(STEP_KEYS).length, status.steps.length);
    view.loadProgress.value = done;
    view.loadSteps.replaceChildren(
      ...status.steps.map((s) => el("li", { class: s.done ? "done" : "running" }, [t(lang, STEP_KEYS[s.engine])])),
    );
    const progress = status.import;
    view.importProgress.hidden = !progress?.running || document.body.classList.contains("kiosk");
    if (progress?.total) {
      view.importProgress.max = progress.total;
      view.importProgress.value = progress.done;
    } else {
      view.importProgress.removeAttribute("value");
    }
    view.importButton.disabled = progress?.running ?? false;
  }
}

/** The string naming each engine as it loads. */
export const STEP_KEYS: Record<Engine, Key> = {
  speech_recognition: "load_stt",
  language_model: "load_llm",
  voices: "load_voices",
  voice_detector: "load_vad",
};
