import { describe, expect, it } from "vitest";
import type { Presence } from "../src/bindings";
import { nextLanguage } from "../src/kiosk";
import { type Action, initialState, reduce } from "../src/state";
import { STRINGS } from "../src/i18n";
import { answer, heard, run, speaking, status as readyStatus } from "./fixtures";

const status = readyStatus({ simulated: true, ready_ms: 1200 });

/** The session's idle clock says who is at the kiosk. */
const presence = (presence: Presence): Action => ({ type: "live", event: { event: "presence", presence } });
const handsFree = (on: boolean): Action => ({ type: "live", event: { event: "hands_free", on } });

describe("the attract screen", () => {
  it("invites in each office language in turn", () => {
    const languages = ["ar", "fr", "en"];
    expect(nextLanguage(languages, null)).toBe("ar");
    expect(nextLanguage(languages, "ar")).toBe("fr");
    expect(nextLanguage(languages, "en")).toBe("ar");
    expect(nextLanguage([], null)).toBeNull();
  });

  it("has the invitation and the countdown question in every language", () => {
    for (const key of ["invitation", "still_there", "models_missing_kiosk"] as const) {
      for (const lang of ["ar", "fr", "en"] as const) expect(STRINGS[key][lang].length).toBeGreaterThan(0);
    }
  });

  it("shows from the start of a kiosk, and only there", () => {
    expect(initialState("ar", true).attract).toBe(true);
    expect(initialState("ar").attract).toBe(false);
  });
});

describe("the wipe between two people", () => {
  const conversation: Action[] = [
    { type: "status", status },
    presence({ kind: "here" }),
    handsFree(true),
    heard(1, "How much is a passport?"),
    answer(1, ["The stamp costs 500 dirhams.", "Bring two photos."]),
    speaking(1, 0, "The stamp costs 500 dirhams."),
    speaking(2, 0, "Say it again", "label"),
    presence({ kind: "leaving", seconds: 3 }),
  ];

  it("counts down as the session says, and stops when the person is there again", () => {
    const counting = run(conversation, initialState("ar", true));
    expect(counting.attract).toBe(false);
    expect(counting.countdown).toBe(3);
    const back = reduce(counting, presence({ kind: "here" }));
    expect(back.countdown).toBeNull();
    expect(back.transcript).toContain("passport");
  });

  it("leaves nothing of the last person once the session wiped it: transcript, answer, language, countdown", () => {
    const before = run(conversation, initialState("ar", true));
    expect(before.transcript).toContain("passport");
    expect(before.lang).toBe("en");
    const after = reduce(before, presence({ kind: "away" }));
    expect(after).toEqual({ ...initialState("ar", true), status, handsFree: true });
    expect(JSON.stringify(after)).not.toContain("passport");
    expect(JSON.stringify(after)).not.toContain("500");
  });

  it("follows the microphone's mode as the session sets it", () => {
    const attracting = run([{ type: "status", status }, handsFree(false)], initialState("ar", true));
    expect(attracting.handsFree).toBe(false);
    const here = run([presence({ kind: "here" }), handsFree(true)], attracting);
    expect(here).toMatchObject({ attract: false, handsFree: true });
  });
});
