import { describe, expect, it } from "vitest";
import { LANGS, STRINGS, applyLang, dirOf, t, windowLang } from "../src/i18n";

describe("the i18n table", () => {
  it("has every string in Arabic, French and English", () => {
    for (const [key, entry] of Object.entries(STRINGS)) {
      for (const lang of LANGS) {
        const text = (entry as Record<string, string>)[lang];
        expect(text, `${key} in ${lang}`).toBeTruthy();
        expect(text.trim()).toBe(text);
      }
      expect(Object.keys(entry).sort()).toEqual([...LANGS].sort());
    }
  });

  it("writes Arabic strings in Arabic script", () => {
    const arabic = /[\u0600-\u06FF]/;
    for (const [key, entry] of Object.entries(STRINGS)) {
      // Language names are written in their own language, whatever the window's.
      if (key === "lang_fr" || key === "lang_en") continue;
      expect(arabic.test(entry.ar), `${key} in Arabic`).toBe(true);
    }
  });

  it("translates the window's strings", () => {
    expect(t("fr", "replay")).toBe("Répéter");
    expect(t("en", "not_what_i_asked")).toBe("That is not what I asked");
  });
});

describe("right to left", () => {
  it("sets dir=rtl for Arabic only", () => {
    expect(dirOf("ar")).toBe("rtl");
    expect(dirOf("fr")).toBe("ltr");
    expect(dirOf("en")).toBe("ltr");
    const root = { lang: "", dir: "" } as unknown as HTMLElement;
    applyLang(root, "ar");
    expect(root.dir).toBe("rtl");
    expect(root.lang).toBe("ar");
    applyLang(root, "fr");
    expect(root.dir).toBe("ltr");
  });

  it("maps the languages the session reports to window languages", () => {
    expect(windowLang("ary")).toBe("ar");
    expect(windowLang("ar")).toBe("ar");
    expect(windowLang("EN")).toBe("en");
    expect(windowLang("de")).toBeNull();
    expect(windowLang(undefined)).toBeNull();
  });
});
