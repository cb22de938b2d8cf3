import { describe, expect, it } from "vitest";
import { LANGS, STRINGS, TEXT_LANGS, applyLang, dirOf, heardLang, t, textLang, windowLang } from "../src/i18n";
import { FLAGS } from "../src/icons";

describe("the i18n table", () => {
  it("has every string in Arabic, French and English", () => {
    for (const [key, entry] of Object.entries(STRINGS)) {
      for (const lang of TEXT_LANGS) {
        const text = (entry as Record<string, string>)[lang];
        expect(text, `${key} in ${lang}`).toBeTruthy();
        expect(text.trim()).toBe(text);
      }
      expect(Object.keys(entry).sort()).toEqual([...TEXT_LANGS].sort());
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

  it("offers Darija by its flag and its spoken name, written with the Arabic strings", () => {
    expect(LANGS).toEqual(["ar", "ary", "fr", "en"]);
    for (const lang of LANGS) {
      expect(FLAGS[lang], `flag of ${lang}`).toBeTruthy();
      expect(t(lang, `lang_${lang}`)).toBe(t("ar", `lang_${lang}`));
    }
    expect(new Set(LANGS.map((lang) => FLAGS[lang])).size).toBe(LANGS.length);
    expect(t("ary", "lang_ary")).toBe("الدارجة");
    expect(textLang("ary")).toBe("ar");
    expect(t("ary", "replay")).toBe(t("ar", "replay"));
  });
});

describe("right to left", () => {
  it("sets dir=rtl for Arabic and Darija only", () => {
    expect(dirOf("ar")).toBe("rtl");
    expect(dirOf("ary")).toBe("rtl");
    expect(dirOf("fr")).toBe("ltr");
    expect(dirOf("en")).toBe("ltr");
    const root = { lang: "", dir: "" } as unknown as HTMLElement;
    applyLang(root, "ar");
    expect(root.dir).toBe("rtl");
    expect(root.lang).toBe("ar");
    applyLang(root, "ary");
    expect(root.dir).toBe("rtl");
    expect(root.lang).toBe("ary");
    applyLang(root, "fr");
    expect(root.dir).toBe("ltr");
  });

  it("maps the languages the session reports to window languages", () => {
    expect(windowLang("ary")).toBe("ary");
    expect(windowLang("ar")).toBe("ar");
    expect(windowLang("EN")).toBe("en");
    expect(windowLang("de")).toBeNull();
    expect(windowLang(undefined)).toBeNull();
  });

  it("keeps Darija when speech recognition hears Arabic, and follows any other language", () => {
    expect(heardLang("ary", "ar")).toBe("ary");
    expect(heardLang("ar", "ary")).toBe("ary");
    expect(heardLang("ary", "fr")).toBe("fr");
    expect(heardLang("en", "ar")).toBe("ar");
    expect(heardLang("fr", "de")).toBe("fr");
    expect(heardLang("fr", "")).toBe("fr");
  });
});
