// Every string the window shows or speaks, in the three languages it is written in.

import type { Lang } from "./bindings";

/** The languages of the window. Darija is written with the Arabic strings; its pictures and
 * answers are in Darija. */
export type { Lang } from "./bindings";

/** The languages the strings are written in. */
export type TextLang = "ar" | "fr" | "en";

export const LANGS: readonly Lang[] = ["ar", "ary", "fr", "en"];

export const TEXT_LANGS: readonly TextLang[] = ["ar", "fr", "en"];

type Entry = Record<TextLang, string>;

export const STRINGS = {
  app_name: { ar: "عون", fr: "Aoun", en: "Aoun" },
  app_tagline: {
    ar: "اسأل بصوتك عن وثائقك الإدارية",
    fr: "Demandez à voix haute vos démarches administratives",
    en: "Ask out loud about your official papers",
  },
  talk: {
    ar: "اضغط مطولا وتكلم، أو انقر للاستماع دون ضغط",
    fr: "Maintenez pour parler, ou touchez pour parler sans les mains",
    en: "Hold to speak, or tap to speak hands-free",
  },
  talk_stop: {
    ar: "انقر لإيقاف الاستماع",
    fr: "Touchez pour arrêter d'écouter",
    en: "Tap to stop listening",
  },
  state_idle: { ar: "أنا في الانتظار", fr: "Je vous attends", en: "I am waiting" },
  state_idle_hands_free: {
    ar: "تكلم، أنا أستمع",
    fr: "Parlez, je vous écoute",
    en: "Speak, I am listening",
  },
  state_listening: { ar: "أستمع إليك…", fr: "Je vous écoute…", en: "Listening…" },
  state_transcribing: { ar: "أكتب ما قلت…", fr: "J'écris ce que vous avez dit…", en: "Writing down what you said…" },
  state_thinking: { ar: "أبحث عن الجواب…", fr: "Je cherche la réponse…", en: "Finding the answer…" },
  state_speaking: { ar: "أجيبك…", fr: "Je vous réponds…", en: "Answering…" },
  you_said: { ar: "قلتَ", fr: "Vous avez dit", en: "You said" },
  answer: { ar: "الجواب", fr: "La réponse", en: "The answer" },
  replay: { ar: "أعد الجواب", fr: "Répéter", en: "Say it again" },
  slower: { ar: "ببطء", fr: "Plus lentement", en: "Slower" },
  not_what_i_asked: {
    ar: "ليس هذا ما سألت عنه",
    fr: "Ce n'est pas ma question",
    en: "That is not what I asked",
  },
  new_person: { ar: "شخص جديد", fr: "Nouvelle personne", en: "New person" },
  settings: { ar: "الإعدادات", fr: "Réglages", en: "Settings" },
  language: { ar: "اللغة", fr: "Langue", en: "Language" },
  procedures: {
    ar: "أو اختر صورة الوثيقة",
    fr: "Ou choisissez l'image de la démarche",
    en: "Or choose the picture of what you need",
  },
  lang_ar: { ar: "العربية", fr: "العربية", en: "العربية" },
  lang_ary: { ar: "الدارجة", fr: "الدارجة", en: "الدارجة" },
  lang_fr: { ar: "Français", fr: "Français", en: "Français" },
  lang_en: { ar: "English", fr: "English", en: "English" },
  loading: {
    ar: "عون يستعد، انتظر قليلا",
    fr: "Aoun se prépare, un instant",
    en: "Aoun is getting ready, one moment",
  },
  load_stt: { ar: "فهم الكلام", fr: "Compréhension de la parole", en: "Understanding speech" },
  load_llm: { ar: "صياغة الأجوبة", fr: "Formulation des réponses", en: "Wording answers" },
  load_voices: { ar: "الأصوات", fr: "Les voix", en: "Voices" },
  load_vad: { ar: "الإنصات للكلام", fr: "Détection de la parole", en: "Hearing when you speak" },
  models_missing: {
    ar: "ينقص عون ما يحتاجه ليفهم ويتكلم",
    fr: "Il manque à Aoun ce qu'il faut pour comprendre et parler",
    en: "Aoun is missing what it needs to understand and speak",
  },
  models_missing_help: {
    ar: "ضع مفتاح USB فيه حزمة النماذج، ثم اختره هنا",
    fr: "Branchez la clé USB qui contient le pack de modèles, puis choisissez-la ici",
    en: "Plug in the USB stick with the model pack, then choose it here",
  },
  folder: { ar: "مجلد الحزمة", fr: "Dossier du pack", en: "Pack folder" },
  import: { ar: "انسخ من هذا المجلد", fr: "Importer ce dossier", en: "Import this folder" },
  importing: { ar: "جار النسخ…", fr: "Import en cours…", en: "Importing…" },
  retry: { ar: "حاول مجددا", fr: "Réessayer", en: "Try again" },
  close: { ar: "إغلاق", fr: "Fermer", en: "Close" },
  voice_speed: { ar: "سرعة الصوت", fr: "Vitesse de la voix", en: "Voice speed" },
  end_silence: {
    ar: "مدة الصمت قبل الجواب (ميلي ثانية)",
    fr: "Silence avant la réponse (millisecondes)",
    en: "Silence before answering (milliseconds)",
  },
  headset: {
    ar: "سماعة على الرأس (بلا إلغاء الصدى)",
    fr: "Casque sur les oreilles (sans annulation d'écho)",
    en: "Headset on the ears (no echo cancellation)",
  },
  voices: { ar: "الأصوات لكل لغة", fr: "Voix par langue", en: "Voices per language" },
  models_in_use: { ar: "النماذج المستعملة", fr: "Modèles utilisés", en: "Models in use" },
  save: { ar: "حفظ", fr: "Enregistrer", en: "Save" },
  error_microphone: {
    ar: "لم أجد ميكروفونا. استعمل الصور أو اطلب المساعدة.",
    fr: "Je ne trouve pas de micro. Utilisez les images ou demandez de l'aide.",
    en: "No microphone was found. Use the pictures, or ask for help.",
  },
  error_loudspeaker: {
    ar: "لم أجد مكبر صوت. اقرأ الجواب على الشاشة.",
    fr: "Je ne trouve pas de haut-parleur. Lisez la réponse à l'écran.",
    en: "No loudspeaker was found. The answer is on the screen.",
  },
  error_degraded: {
    ar: "جزء من عون لا يعمل، لكن الأجوبة متاحة. أخبر الموظف.",
    fr: "Une partie d'Aoun ne marche pas, mais il répond. Prévenez l'agent.",
    en: "Part of Aoun is not working, but it still answers. Please tell the staff.",
  },
  error_load: {
    ar: "لم يستطع عون أن يبدأ. اطلب المساعدة.",
    fr: "Aoun n'a pas pu démarrer. Demandez de l'aide.",
    en: "Aoun could not start. Please ask for help.",
  },
  error_no_speech: {
    ar: "لم أسمعك. تكلم أقرب إلى الميكروفون.",
    fr: "Je ne vous ai pas entendu. Parlez plus près du micro.",
    en: "I did not hear you. Speak closer to the microphone.",
  },
  error_turn: {
    ar: "لم أفهم. أعد من فضلك.",
    fr: "Je n'ai pas compris. Répétez, s'il vous plaît.",
    en: "I did not understand. Please say it again.",
  },
  error_device_lost: {
    ar: "توقف الميكروفون أو مكبر الصوت. أعيد المحاولة.",
    fr: "Le micro ou le haut-parleur s'est arrêté. Je réessaie.",
    en: "The microphone or loudspeaker stopped. Trying again.",
  },
  error_not_ready: {
    ar: "عون لم يستعد بعد. انتظر قليلا.",
    fr: "Aoun n'est pas encore prêt. Patientez un peu.",
    en: "Aoun is not ready yet. Please wait a moment.",
  },
  error_import: {
    ar: "لم يتم النسخ. تأكد من المجلد.",
    fr: "L'import a échoué. Vérifiez le dossier.",
    en: "The import failed. Check the folder.",
  },
  invitation: {
    ar: "المس الشاشة أو تكلم، أنا أساعدك في وثائقك",
    fr: "Touchez l'écran ou parlez, je vous aide pour vos démarches",
    en: "Touch the screen or speak, I can help with your papers",
  },
  still_there: {
    ar: "هل ما زلت هنا؟ المس الشاشة لتكمل",
    fr: "Êtes-vous toujours là ? Touchez l'écran pour continuer",
    en: "Are you still there? Touch the screen to go on",
  },
  models_missing_kiosk: {
    ar: "اطلب من الموظفين تثبيت حزمة النماذج",
    fr: "Demandez au personnel d'installer le pack de modèles",
    en: "Ask the staff to install the model pack",
  },
} satisfies Record<string, Entry>;

export type Key = keyof typeof STRINGS;

/** The language the strings of `lang` are written in. */
export function textLang(lang: Lang): TextLang {
  return lang === "ary" ? "ar" : lang;
}

/** The string for `key` in `lang`. */
export function t(lang: Lang, key: Key): string {
  return STRINGS[key][textLang(lang)];
}

/** Writing direction of a language. */
export function dirOf(lang: Lang): "rtl" | "ltr" {
  return textLang(lang) === "ar" ? "rtl" : "ltr";
}

/** The window language for a language code the session reports. */
export function windowLang(code: string | undefined | null): Lang | null {
  switch ((code ?? "").toLowerCase()) {
    case "ar":
      return "ar";
    case "ary":
    case "darija":
      return "ary";
    case "fr":
      return "fr";
    case "en":
      return "en";
    default:
      return null;
  }
}

/** The window's language once speech in `code` was heard: speech recognition writes Darija as
 * Arabic, so Arabic heard in the Darija window stays Darija (the answer tells which it was). */
export function heardLang(current: Lang, code: string | undefined | null): Lang {
  const heard = windowLang(code);
  if (heard === null || (heard === "ar" && current === "ary")) return current;
  return heard;
}

/** Sets the page's language and direction. */
export function applyLang(root: HTMLElement, lang: Lang): void {
  root.lang = lang;
  root.dir = dirOf(lang);
}
