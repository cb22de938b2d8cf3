// Kiosk mode: the attract screen's invitations. The idle clock and the wipe between two people
// run in the session; the window only shows them.

export type { Kiosk } from "./bindings";

/** The office language after `current` in the invitation's round (the first when unknown). */
export function nextLanguage(languages: string[], current: string | null): string | null {
  if (languages.length === 0) return null;
  const at = current === null ? -1 : languages.indexOf(current);
  return languages[(at + 1) % languages.length];
}
