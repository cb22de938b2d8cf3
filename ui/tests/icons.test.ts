import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROCEDURE_ICONS } from "../src/icons";

// The shipped content pack's cards: a person who cannot read picks a procedure by its picture.
const cards = readdirSync(new URL("../../assets/guide/cards/", import.meta.url))
  .filter((name) => name.endsWith(".toml"))
  .map((name) => name.slice(0, -".toml".length));

describe("procedure pictures", () => {
  it("draws every shipped procedure, and only those", () => {
    expect(cards.length).toBeGreaterThan(0);
    expect(Object.keys(PROCEDURE_ICONS).sort()).toEqual([...cards].sort());
  });

  it("gives each procedure its own picture", () => {
    const pictures = new Set(Object.values(PROCEDURE_ICONS));
    expect(pictures.size).toBe(Object.keys(PROCEDURE_ICONS).length);
  });
});
