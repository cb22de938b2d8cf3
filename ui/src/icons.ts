// Pictures drawn inline (no file or network fetch): the inner shapes of 48x48 SVG icons, in
// the current text colour.

import type { Lang } from "./i18n";

const card = '<rect x="5" y="11" width="38" height="27" rx="4" fill="none" stroke="currentColor" stroke-width="3"/>';
const face = '<circle cx="16" cy="22" r="4" fill="currentColor"/><path d="M9 33c1-5 4-7 7-7s6 2 7 7z" fill="currentColor"/>';
const lines = '<path d="M27 20h11M27 26h11M27 32h7" stroke="currentColor" stroke-width="3" stroke-linecap="round"/>';
const paper = '<path d="M12 5h17l9 9v29H12z" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/><path d="M29 5v9h9" fill="none" stroke="currentColor" stroke-width="3"/>';
const baby = '<circle cx="24" cy="22" r="5" fill="currentColor"/><path d="M16 37c1-6 4-9 8-9s7 3 8 9z" fill="currentColor"/>';
const cross = '<path d="M20 14h8v7h7v8h-7v7h-8v-7h-7v-8h7z" fill="currentColor"/>';
const scales = '<path d="M24 6v34M12 40h24M8 14h32" stroke="currentColor" stroke-width="3" stroke-linecap="round"/><path d="M8 14l-5 12h10zM40 14l-5 12h10z" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linejoin="round"/>';
const booklet = '<rect x="8" y="5" width="32" height="38" rx="3" fill="none" stroke="currentColor" stroke-width="3"/>' + '<circle cx="19" cy="19" r="4" fill="currentColor"/><circle cx="29" cy="19" r="4" fill="currentColor"/><circle cx="24" cy="29" r="3" fill="currentColor"/><path d="M12 38h24" stroke="currentColor" stroke-width="3"/>';
const copy = '<path d="M4 11v34h28" fill="none" stroke="currentColor" stroke-width="3"/>';
const people = '<circle cx="18" cy="22" r="4" fill="currentColor"/><circle cx="30" cy="22" r="4" fill="currentColor"/><path d="M11 37c1-5 4-7 7-7s6 2 7 7zM23 37c1-5 4-7 7-7s6 2 7 7z" fill="currentColor"/>';
const heart = '<path d="M24 40S6 29 6 17a9 9 0 0 1 18-3 9 9 0 0 1 18 3c0 12-18 23-18 23z" fill="currentColor"/>';

/** Pictures of the guide's procedures, by card id. */
export const PROCEDURE_ICONS: Record<string, string> = {
  cnie_first: card + face + lines,
  cnie_lost: card + face + '<path d="M29 19a4 4 0 1 1 6 3c-1.5 1-2 2-2 4M33 31v1" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round"/>',
  cnie_renewal: card + face + '<path d="M31 18a7 7 0 1 1-2 9" fill="none" stroke="currentColor" stroke-width="3"/><path d="M33 13v6h-6" fill="none" stroke="currentColor" stroke-width="3"/>',
  passport: '<rect x="10" y="5" width="28" height="38" rx="3" fill="none" stroke="currentColor" stroke-width="3"/><circle cx="24" cy="21" r="7" fill="none" stroke="currentColor" stroke-width="2.5"/><path d="M17 21h14M24 14c-3 4-3 10 0 14M24 14c3 4 3 10 0 14M17 35h14" stroke="currentColor" stroke-width="2" fill="none"/>',
  birth_extract: paper + baby,
  birth_full_copy: paper + baby + copy,
  family_booklet: booklet,
  family_booklet_duplicate: booklet + copy,
  marriage_file: '<circle cx="18" cy="26" r="10" fill="none" stroke="currentColor" stroke-width="3"/><circle cx="30" cy="26" r="10" fill="none" stroke="currentColor" stroke-width="3"/><path d="M21 8l3 4 3-4" fill="none" stroke="currentColor" stroke-width="3"/>',
  residence_certificate: '<path d="M6 23L24 8l18 15" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/><path d="M11 21v20h26V21" fill="none" stroke="currentColor" stroke-width="3"/><rect x="20" y="29" width="8" height="12" fill="currentColor"/>',
  life_certificate: heart,
  rsu_registration: '<rect x="8" y="7" width="32" height="37" rx="3" fill="none" stroke="currentColor" stroke-width="3"/><rect x="18" y="3" width="12" height="7" rx="2" fill="currentColor"/>' + people,
  amo: cross + '<rect x="5" y="5" width="38" height="38" rx="8" fill="none" stroke="currentColor" stroke-width="3"/>',
  amo_tadamon: cross + '<path d="M4 40c6-6 12-6 20 0s14 6 20 0" fill="none" stroke="currentColor" stroke-width="3"/>',
  cnss_registration: '<path d="M24 4l16 6v12c0 10-7 18-16 22C15 40 8 32 8 22V10z" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/><path d="M17 24l5 5 9-10" fill="none" stroke="currentColor" stroke-width="3"/>',
  direct_social_aid: '<path d="M6 30h10l8 4h10a3 3 0 0 0 0-6h-8" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/><path d="M16 30l14-4 10-3a3 3 0 0 1 3 5L30 40H14" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/><circle cx="30" cy="12" r="6" fill="currentColor"/>',
  driving_licence_renewal: '<path d="M8 30l4-12h24l4 12v8H8z" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/><circle cx="15" cy="32" r="3" fill="currentColor"/><circle cx="33" cy="32" r="3" fill="currentColor"/><path d="M8 42h32" stroke="currentColor" stroke-width="3"/>',
  criminal_record: paper + scales.replace('M24 6v34', 'M24 14v24'),
  police_record: '<path d="M24 4l16 6v12c0 10-7 18-16 22C15 40 8 32 8 22V10z" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/><path d="M24 14l3 6 6 1-4 4 1 6-6-3-6 3 1-6-4-4 6-1z" fill="currentColor"/>',
  signature_legalisation: paper + '<path d="M15 34c3-6 5-6 6-2s3 4 5 0 4-3 7 0" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"/><circle cx="32" cy="22" r="5" fill="none" stroke="currentColor" stroke-width="2.5"/>',
};

/** A picture for a procedure the icon table does not know (a replaced content pack). */
export const FALLBACK_ICON = paper + lines;

/** Pictures of the controls. */
export const ICONS = {
  microphone: '<rect x="17" y="4" width="14" height="24" rx="7" fill="currentColor"/><path d="M10 22a14 14 0 0 0 28 0M24 36v8M16 44h16" fill="none" stroke="currentColor" stroke-width="3.5" stroke-linecap="round"/>',
  replay: '<path d="M10 24a14 14 0 1 0 5-10.7" fill="none" stroke="currentColor" stroke-width="4" stroke-linecap="round"/><path d="M8 6v10h10" fill="none" stroke="currentColor" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>',
  slower: '<path d="M6 30c0-8 6-14 14-14 6 0 10 3 12 8l6-2 4 4-6 4c0 6-4 10-10 10H12" fill="none" stroke="currentColor" stroke-width="3.5" stroke-linejoin="round"/><circle cx="20" cy="28" r="5" fill="none" stroke="currentColor" stroke-width="3"/>',
  not_what_i_asked: '<circle cx="24" cy="24" r="19" fill="none" stroke="currentColor" stroke-width="3.5"/><path d="M17 17l14 14M31 17L17 31" stroke="currentColor" stroke-width="4" stroke-linecap="round"/>',
  new_person: '<circle cx="20" cy="16" r="8" fill="currentColor"/><path d="M4 42c1-10 7-15 16-15s15 5 16 15z" fill="currentColor"/><path d="M38 12v14M31 19h14" stroke="currentColor" stroke-width="4" stroke-linecap="round"/>',
  settings: '<circle cx="24" cy="24" r="7" fill="none" stroke="currentColor" stroke-width="4"/><path d="M24 4v8M24 36v8M4 24h8M36 24h8M10 10l6 6M32 32l6 6M38 10l-6 6M16 32l-6 6" stroke="currentColor" stroke-width="4" stroke-linecap="round"/>',
  warning: '<path d="M24 5l21 37H3z" fill="none" stroke="currentColor" stroke-width="3.5" stroke-linejoin="round"/><path d="M24 18v12" stroke="currentColor" stroke-width="4" stroke-linecap="round"/><circle cx="24" cy="36" r="2.5" fill="currentColor"/>',
  no_microphone: '<rect x="17" y="4" width="14" height="24" rx="7" fill="currentColor"/><path d="M10 22a14 14 0 0 0 28 0M24 36v8" fill="none" stroke="currentColor" stroke-width="3.5"/><path d="M6 6l36 36" stroke="currentColor" stroke-width="4" stroke-linecap="round"/>',
  ear: '<path d="M14 20a10 10 0 0 1 20 0c0 8-8 9-8 16a5 5 0 0 1-10 0" fill="none" stroke="currentColor" stroke-width="3.5" stroke-linecap="round"/>',
  usb: '<rect x="14" y="18" width="20" height="26" rx="3" fill="currentColor"/><rect x="17" y="4" width="14" height="14" fill="none" stroke="currentColor" stroke-width="3"/><path d="M21 9v4M27 9v4" stroke="currentColor" stroke-width="3"/>',
  hourglass: '<path d="M12 4h24M12 44h24M14 4c0 12 20 12 20 20S14 32 14 44M34 4c0 12-20 12-20 20s20 8 20 20" fill="none" stroke="currentColor" stroke-width="3.5"/>',
} as const;

export type IconName = keyof typeof ICONS;

/** An `<svg>` element holding `shapes`, hidden from screen readers (the control names it). */
export function svg(shapes: string, size = 48): SVGSVGElement {
  const element = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  element.setAttribute("viewBox", "0 0 48 48");
  element.setAttribute("width", String(size));
  element.setAttribute("height", String(size));
  element.setAttribute("aria-hidden", "true");
  element.setAttribute("focusable", "false");
  element.innerHTML = shapes;
  return element;
}

const field = '<rect width="48" height="32" y="8" fill="#c1272d"/>';
const star = (x: number) => `<path d="M${x} 14l3.5 10.8-9.2-6.7h11.4l-9.2 6.7z" fill="none" stroke="#006233" stroke-width="1.8" stroke-linejoin="round"/>`;
const bubble = '<path d="M31 2h15a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2h-8l-6 5v-5h-1a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z" fill="#fff" stroke="#111418" stroke-width="1.5" stroke-linejoin="round"/><path d="M34 8h9M34 12h6" stroke="#111418" stroke-width="1.8" stroke-linecap="round"/>';

/** Flags of the window's languages; Darija, the spoken language, has a speech bubble on its flag. */
export const FLAGS: Record<Lang, string> = {
  ar: field + star(24),
  ary: field + star(18) + bubble,
  fr: '<rect width="16" height="32" y="8" fill="#0055a4"/><rect x="16" width="16" height="32" y="8" fill="#fff"/><rect x="32" width="16" height="32" y="8" fill="#ef4135"/><rect width="47" height="31" x="0.5" y="8.5" fill="none" stroke="#767676"/>',
  en: '<rect width="48" height="32" y="8" fill="#012169"/><path d="M0 8l48 32M48 8L0 40" stroke="#fff" stroke-width="6"/><path d="M0 8l48 32M48 8L0 40" stroke="#c8102e" stroke-width="2"/><path d="M24 8v32M0 24h48" stroke="#fff" stroke-width="10"/><path d="M24 8v32M0 24h48" stroke="#c8102e" stroke-width="6"/>',
};
