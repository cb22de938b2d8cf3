import { describe, expect, it } from "vitest";
import { idleAt, keepsAwake, nextLanguage } from "../src/kiosk";
import { type Action, initialState, reduce } from "../src/state";
import { STRINGS } from "../src/i18n";
import { answer, heard, run, speaking, status as readyStatus } from "./fixtures";

const kiosk = { idle_seconds: 60, countdown_seconds: 10 };

const status = readyStatus({ simulated: true, ready_ms: 1200 });

describe("the idle clock", () => {
  it("counts the last seconds down, then wipes", () => {
    expect(idleAt(0, kiosk)).toEqual({ kind: "active" });
    expect(idleAt(49_999, kiosk)).toEqual({ kind: "active" });
    expect(idleAt(50_000, kiosk)).toEqual({ kind: "countdown", seconds: 10 });
    expect(idleAt(50_001, kiosk)).toEqual({ kind: "countdown", seconds: 10 });
    expect(idleAt(58_500, kiosk)).toEqual({ kind: "countdown", seconds: 2 });
    expect(idleAt(59_999, kiosk)).toEqual({ kind: "countdown", seconds: 1 });
    expect(idleAt(60_000, kiosk)).toEqual({ kind: "wipe" });
    expect(idleAt(8_000, { idle_seconds: 8, countdown_seconds: 4 })).toEqual({ kind: "wipe" });
    expect(idleAt(4_500, { idle_seconds: 8, countdown_seconds: 4 })).toEqual({ kind: "countdown", seconds: 4 });
  });

  it("is held at zero while Aoun answers, but not by its own voice during the countdown", () => {
    expect(keepsAwake("idle", false)).toBe(false);
    expect(keepsAwake("speaking", false)).toBe(true);
    expect(keepsAwake("thinking", false)).toBe(true);
    // "Are you still there?" is spoken during the countdown: that is not someone there.
    expect(keepsAwake("speaking", true)).toBe(false);
    expect(keepsAwake("thinking", true)).toBe(false);
    // The person speaking is.
    expect(keepsAwake("listening", true)).toBe(true);
    expect(keepsAwake("transcribing", true)).toBe(true);
  });

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
});

describe("the wipe between two people", () => {
  const conversation: Action[] = [
    { type: "status", status },
    { type: "attract", on: false },
    { type: "hands_free", on: true },
    heard(1, "How much is a passport?"),
    answer(1, ["The stamp costs 500 dirhams.", "Bring two photos."]),
    speaking(1, 0, "The stamp costs 500 dirhams."),
    speaking(2, 0, "Say it again", "label"),
    { type: "countdown", seconds: 3 },
  ];

  it("leaves nothing of the last person: transcript, answer, language, labels, countdown", () => {
    const before = run(conversation);
    expect(before.transcript).toContain("passport");
    expect(before.lang).toBe("en");
    expect(before.countdown).toBe(3);
    const after = reduce(before, { type: "wipe", lang: "ar" });
    expect(after).toEqual({ ...initialState("ar"), status, attract: true });
    expect(JSON.stringify(after)).not.toContain("passport");
    expect(JSON.stringify(after)).not.toContain("500");
  });

  it("leaves the attract screen when someone speaks, and stops the countdown", () => {
    const attracting = run([{ type: "status", status }, { type: "attract", on: true }]);
    expect(attracting.attract).toBe(true);
    const spoke = reduce(attracting, { type: "live", event: { event: "state", state: "listening" } });
    expect(spoke.attract).toBe(false);
    const counting = run([{ type: "countdown", seconds: 5 }], spoke);
    expect(reduce(counting, { type: "live", event: { event: "state", state: "listening" } }).countdown).toBeNull();
    expect(reduce(counting, { type: "attract", on: false }).countdown).toBeNull();
  });
});
