// Kiosk mode: when nobody is there, and when the conversation is wiped for the next person. Pure
// functions of the time, so the idle rules are tested without a clock.

import type { LiveState } from "./state";

/** Kiosk mode and its times, as the app reports them. */
export interface Kiosk {
  on: boolean;
  idle_seconds: number;
  countdown_seconds: number;
  invitation_interval_seconds: number;
  invitation_volume_percent: number;
  languages: string[];
}

/** Where the idle time is: someone is there, the countdown runs (seconds left), or the wipe is due. */
export type Idle = { kind: "active" } | { kind: "countdown"; seconds: number } | { kind: "wipe" };

/** Where the idle time is, `quietMs` after the last sign of someone. */
export function idleAt(quietMs: number, kiosk: Pick<Kiosk, "idle_seconds" | "countdown_seconds">): Idle {
  const leftMs = kiosk.idle_seconds * 1000 - quietMs;
  if (leftMs <= 0) return { kind: "wipe" };
  if (leftMs <= kiosk.countdown_seconds * 1000) return { kind: "countdown", seconds: Math.ceil(leftMs / 1000) };
  return { kind: "active" };
}

/** Whether the conversation's state keeps the idle clock at zero. While the countdown runs, only
 * the person speaking does: Aoun's own voice (saying "are you still there?") does not. */
export function keepsAwake(live: LiveState, counting: boolean): boolean {
  if (live === "idle") return false;
  if (counting) return live === "listening" || live === "transcribing";
  return true;
}

/** The office language after `current` in the invitation's round (the first when unknown). */
export function nextLanguage(languages: string[], current: string | null): string | null {
  if (languages.length === 0) return null;
  const at = current === null ? -1 : languages.indexOf(current);
  return languages[(at + 1) % languages.length];
}
