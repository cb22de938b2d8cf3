import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// WCAG 2 contrast of the colour pairs the window uses for text, read from the style sheet.
const css = readFileSync(new URL("../src/style.css", import.meta.url), "utf8");

function colour(name: string): string {
  const found = css.match(new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`));
  if (!found) throw new Error(`no colour --${name}`);
  return found[1];
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe("contrast", () => {
  // Text colour on background colour, as the style sheet pairs them.
  const pairs: [string, string][] = [
    ["ink", "paper"],
    ["ink", "soft"],
    ["ink", "mark"],
    ["brand-ink", "brand"],
    ["brand", "paper"],
    ["alert", "alert-paper"],
    ["focus", "paper"],
  ];
  for (const [text, background] of pairs) {
    it(`--${text} on --${background} passes WCAG AA for body text (4.5:1)`, () => {
      expect(contrast(colour(text), colour(background))).toBeGreaterThanOrEqual(4.5);
    });
  }

  it("computes the known extremes", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#777777")).toBeCloseTo(1, 5);
  });
});
