// Wires the window to the app: controls send commands, events update the state.

import "./style.css";
import { type Key, type Lang, t, windowLang } from "./i18n";
import { type Kiosk, nextLanguage } from "./kiosk";
import { type Action, type AppState, type LiveEvent, type Status, initialState, reduce } from "./state";
import type { Settings } from "./bindings";
import { invoke, listen } from "./tauri";
import { type Procedure, buildView, lockDown, render, showProcedures, translate } from "./view";

/** Holding the talk button this long means push to talk; a shorter press is a tap. */
const HOLD_MS = 350;
/** Holding any other control this long speaks its label instead of using it. */
const LABEL_MS = 700;

interface VoiceRow {
  lang: string;
  engine: string;
  voice: string;
  reason: string;
}

interface DeskInfo {
  settings: Settings;
  voices: VoiceRow[];
  models: { id: string; state: string }[];
}

const view = buildView(document.getElementById("app") as HTMLElement);
let state: AppState = initialState("ar");

function dispatch(action: Action): void {
  const before = state;
  state = reduce(state, action);
  if (state.lang !== before.lang) {
    languageChanged(state.lang);
  }
  if (kiosk?.on) presenceChanged(before);
  if (state.problem && state.problem !== before.problem && state.problem.key !== before.problem?.key) {
    // Errors are spoken too, for people who cannot read them.
    speak(t(state.lang, state.problem.key));
  }
  render(view, state);
}

function report(error: unknown, key: Key = String(error).includes("not ready") ? "error_not_ready" : "error_turn"): void {
  console.warn(error);
  dispatch({ type: "problem", problem: { key, detail: String(error) } });
}

function send(command: string, args?: Record<string, unknown>): void {
  invoke(command, args).catch(report);
}

/** Speaks `text` with the session's voice for the window's language. */
function speak(text: string): void {
  invoke("speak_label", { text, lang: state.lang }).catch((e) => console.warn(e));
}

function languageChanged(lang: Lang): void {
  translate(view, lang);
  invoke<Procedure[]>("procedures", { lang })
    .then((list) => showProcedures(view, list))
    .catch(report);
  invoke("set_language", { lang }).catch((e) => console.warn(e));
}

// The talk button: hold to speak, tap to turn hands-free listening on or off.
let holdTimer: number | undefined;
let holding = false;

function talkDown(): void {
  if (holdTimer !== undefined || holding) return;
  holdTimer = window.setTimeout(() => {
    holdTimer = undefined;
    holding = true;
    send("press");
  }, HOLD_MS);
}

function talkUp(): void {
  if (holding) {
    holding = false;
    send("release");
  } else if (holdTimer !== undefined) {
    window.clearTimeout(holdTimer);
    holdTimer = undefined;
    send("hands_free", { on: !state.handsFree });
  }
}

view.talk.addEventListener("pointerdown", (e) => {
  view.talk.setPointerCapture(e.pointerId);
  talkDown();
});
view.talk.addEventListener("pointerup", talkUp);
view.talk.addEventListener("pointercancel", talkUp);
view.talk.addEventListener("click", (e) => e.preventDefault());
// Holding the talk button is speaking, so its name is said when the keyboard reaches it.
view.talk.addEventListener("focus", () => {
  if (view.talk.matches(":focus-visible")) speak(view.talk.getAttribute("aria-label") ?? "");
});

function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement;
}

// Space is the talk button everywhere but in text fields; Enter uses the focused control.
document.addEventListener("keydown", (e) => {
  if (e.code !== "Space" || typing(e.target) || view.settings.open) return;
  e.preventDefault();
  if (!e.repeat) talkDown();
});
document.addEventListener("keyup", (e) => {
  if (e.code !== "Space" || typing(e.target) || view.settings.open) return;
  e.preventDefault();
  talkUp();
});

// Pressing and holding any other control speaks its name.
let labelTimer: number | undefined;
let labelSpoken = false;
document.addEventListener("pointerdown", (e) => {
  const control = (e.target as Element).closest<HTMLElement>("[aria-label]");
  if (!control || control === view.talk) return;
  labelSpoken = false;
  labelTimer = window.setTimeout(() => {
    labelSpoken = true;
    speak(control.getAttribute("aria-label") ?? "");
  }, LABEL_MS);
});
document.addEventListener("pointerup", () => window.clearTimeout(labelTimer));
document.addEventListener(
  "click",
  (e) => {
    if (labelSpoken) {
      labelSpoken = false;
      e.preventDefault();
      e.stopPropagation();
    }
  },
  true,
);

function on(id: string, handler: () => void): void {
  document.getElementById(id)?.addEventListener("click", handler);
}

on("replay", () => send("replay"));
on("slower", () => send("slower"));
on("not-what-i-asked", () => send("not_what_i_asked"));
on("new-person", () => {
  send("new_person");
  // A kiosk's session wipes the conversation and says nobody is there: the window follows.
  if (!kiosk?.on) dispatch({ type: "new_person" });
});
view.grid.addEventListener("click", (e) => {
  const button = (e.target as Element).closest<HTMLElement>("[data-procedure]");
  if (button) send("ask", { procedure: button.dataset.procedure, lang: state.lang });
});
for (const button of view.langButtons) {
  button.addEventListener("click", () => {
    const lang = windowLang(button.dataset.lang);
    if (lang) {
      dispatch({ type: "lang", lang });
      speak(t(lang, `lang_${lang}`));
    }
  });
}

// First start: import a model pack from a folder or a USB stick.
function showFolders(): void {
  invoke<string[]>("removable_folders")
    .then((folders) =>
      view.folderList.replaceChildren(
        ...folders.map((folder) => {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "folder";
          button.textContent = folder;
          button.dir = "ltr";
          button.addEventListener("click", () => {
            view.folderInput.value = folder;
          });
          return button;
        }),
      ),
    )
    .catch((e) => console.warn(e));
}
on("import", () => {
  invoke("import_models", { folder: view.folderInput.value }).catch((e) => report(e, "error_import"));
});

// Settings.
function showInfo(info: DeskInfo): void {
  view.rate.value = String(info.settings.speech_rate_percent);
  view.silence.value = String(info.settings.end_silence_ms);
  view.headset.checked = !info.settings.echo_cancel;
  const item = (text: string) => {
    const li = document.createElement("li");
    li.textContent = text;
    li.dir = "ltr";
    return li;
  };
  view.voices.replaceChildren(...info.voices.map((v) => item(`${v.lang}: ${v.engine} ${v.voice} (${v.reason})`)));
  view.modelsInUse.replaceChildren(...info.models.map((m) => item(`${m.id}: ${m.state}`)));
}
on("open-settings", () => {
  invoke<DeskInfo>("settings_info")
    .then((info) => {
      showInfo(info);
      view.settings.showModal();
    })
    .catch(report);
});
on("save-settings", () => {
  send("settings_set", {
    speechRatePercent: Number(view.rate.value),
    endSilenceMs: Number(view.silence.value),
    echoCancel: !view.headset.checked,
  });
  view.settings.close();
});
on("close-settings", () => view.settings.close());

// Kiosk mode: an attract screen while nobody is there. The session's idle clock says who is
// there and wipes the conversation between two people; the window shows it and speaks.
let kiosk: Kiosk | null = null;
let invitationTimer: number | undefined;
let invitationLang: string | null = null;

function invite(): void {
  if (!kiosk?.on || !state.attract || state.status?.phase !== "ready") return;
  invitationLang = nextLanguage(kiosk.languages, invitationLang);
  const lang = windowLang(invitationLang);
  if (!lang) return;
  const text = t(lang, "invitation");
  invoke("invite", { text, lang }).catch((e) => console.warn(e));
}

function startInvitations(): void {
  window.clearInterval(invitationTimer);
  invite();
  invitationTimer = window.setInterval(invite, (kiosk?.invitation_interval_seconds ?? 30) * 1000);
}

/** The attract screen invites while nobody is there; the countdown asks if the person is still there. */
function presenceChanged(before: AppState): void {
  if (state.attract && !before.attract) startInvitations();
  if (!state.attract && before.attract) window.clearInterval(invitationTimer);
  if (state.countdown !== null && before.countdown === null) speak(t(state.lang, "still_there"));
}

function startKiosk(k: Kiosk): void {
  kiosk = k;
  lockDown(view, k.languages);
  translate(view, state.lang);
  // No context menu (and with it no developer tools), no keyboard shortcuts of the web view.
  document.addEventListener("contextmenu", (e) => e.preventDefault());
  document.addEventListener("selectstart", (e) => e.preventDefault());
  document.addEventListener(
    "keydown",
    (e) => {
      if (e.ctrlKey || e.altKey || e.metaKey || /^F\d+$/.test(e.key)) e.preventDefault();
    },
    true,
  );
  // A touch or a key is someone there; the touch that leaves the attract screen does nothing else.
  for (const type of ["pointerdown", "keydown"] as const) {
    document.addEventListener(
      type,
      (e) => {
        const attracting = state.attract;
        if (state.status?.phase === "ready") invoke("someone_here").catch((e) => console.warn(e));
        if (attracting) {
          e.preventDefault();
          e.stopPropagation();
        }
      },
      true,
    );
  }
  view.attract.addEventListener("click", (e) => e.preventDefault());
}

async function start(): Promise<void> {
  const settings = await invoke<Settings>("settings_get");
  const k = await invoke<Kiosk>("kiosk");
  state = initialState(windowLang(settings.language) ?? "ar", k.on);
  languageChanged(state.lang);
  if (k.on) startKiosk(k);
  await listen<Status>("status", (status) => {
    const wasMissing = state.status?.phase === "models_missing";
    const wasReady = state.status?.phase === "ready";
    dispatch({ type: "status", status });
    if (status.phase === "models_missing" && !wasMissing) showFolders();
    // Ready: the attract screen invites.
    if (kiosk?.on && status.phase === "ready" && !wasReady) invite();
  });
  await listen<LiveEvent>("live", (event) => dispatch({ type: "live", event }));
  dispatch({ type: "status", status: await invoke<Status>("status") });
  if (state.status?.phase === "models_missing") showFolders();
  if (kiosk?.on) startInvitations();
}

start().catch(report);
