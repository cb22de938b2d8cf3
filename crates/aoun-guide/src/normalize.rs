//! Text normalisation used for retrieval and for the guard.
//!
//! Every comparison in this crate happens between normalised strings: lower case, no
//! French accents or elisions, Arabic without diacritics and with one form per letter,
//! digits in ASCII, punctuation turned into spaces. Arabizi (Darija written in Latin
//! letters with digits such as 3, 7, 9) can be transliterated to Arabic script as a
//! retrieval aid only: the result is never shown to anyone.

/// Longest input, in characters, that the guide looks at. Longer text is cut.
pub const MAX_INPUT_CHARS: usize = 600;

/// Normalises text for comparison: see the module documentation.
///
/// The result holds only lower-case Latin letters, ASCII digits, Arabic letters and
/// single spaces, and is at most [`MAX_INPUT_CHARS`] characters of input long.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_INPUT_CHARS * 2));
    for c in text.chars().take(MAX_INPUT_CHARS) {
        for lc in c.to_lowercase() {
            push_folded(&mut out, lc);
        }
    }
    let spaced = collapse_spaces(&out);
    strip_elisions(&spaced)
}

/// Splits normalised text into words.
pub fn words(normalized: &str) -> Vec<&str> {
    normalized.split(' ').filter(|w| !w.is_empty()).collect()
}

/// True when the character is an Arabic letter (after normalisation).
pub fn is_arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c) || ('\u{0750}'..='\u{077F}').contains(&c)
}

/// True when the word is written in Arabic script.
pub fn is_arabic_word(word: &str) -> bool {
    word.chars().any(is_arabic)
}

fn push_folded(out: &mut String, c: char) {
    match c {
        // Arabic diacritics (tashkeel), superscript alef and tatweel: dropped.
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{06D6}'..='\u{06ED}' => {}
        // Alef forms.
        'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
        'ى' => out.push('ي'),
        'ة' => out.push('ه'),
        'ؤ' => out.push('و'),
        'ئ' => out.push('ي'),
        // Moroccan letters for g and p/v written with dots.
        'ڭ' | 'گ' => out.push('ك'),
        'پ' => out.push('ب'),
        'ڤ' => out.push('ف'),
        // Arabic-Indic and Persian digits.
        '٠'..='٩' => out.push(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
        '۰'..='۹' => out.push(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
        // French accents and ligatures.
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
        'é' | 'è' | 'ê' | 'ë' => out.push('e'),
        'î' | 'ï' | 'í' | 'ì' => out.push('i'),
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
        // `où` (where) must stay apart from `ou` (or): it becomes `ouu`.
        'ù' => out.push_str("uu"),
        'û' | 'ü' | 'ú' => out.push('u'),
        'ç' => out.push('c'),
        'ñ' => out.push('n'),
        'ÿ' => out.push('y'),
        'œ' => out.push_str("oe"),
        'æ' => out.push_str("ae"),
        // Apostrophes are kept for the elision pass.
        '\'' | '’' | '`' | 'ʼ' | '‘' => out.push('\''),
        c if c.is_ascii_alphanumeric() => out.push(c),
        c if is_arabic(c) && c.is_alphabetic() => out.push(c),
        // Everything else (punctuation, control characters, symbols, other scripts).
        _ => out.push(' '),
    }
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Removes French elisions (`l'`, `d'`, `qu'`, `j'`, `n'`, `s'`, `c'`, `m'`, `t'`) and
/// turns every other apostrophe into a space.
fn strip_elisions(s: &str) -> String {
    const ELIDED: &[&str] = &[
        "l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu",
    ];
    let mut out: Vec<&str> = Vec::new();
    for word in s.split(' ') {
        let mut parts = word.split('\'').peekable();
        while let Some(part) = parts.next() {
            let is_last = parts.peek().is_none();
            if part.is_empty() || (!is_last && ELIDED.contains(&part)) {
                continue;
            }
            out.push(part);
        }
    }
    out.join(" ")
}

/// Transliterates one normalised Latin word written in Arabizi to Arabic script, as a
/// retrieval aid: `ch7al` → `شحال`, `bghit` → `بغيت`, `lpasspor` → `لباسبور`.
///
/// Returns `None` for words that hold no Latin letter.
pub fn arabizi_to_arabic(word: &str) -> Option<String> {
    if !word.chars().any(|c| c.is_ascii_alphabetic()) || is_arabic_word(word) {
        return None;
    }
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let two = next.map(|n| (c, n));
        let (piece, used): (&str, usize) = match two {
            Some(('k', 'h')) => ("خ", 2),
            Some(('g', 'h')) => ("غ", 2),
            Some(('c', 'h')) | Some(('s', 'h')) => ("ش", 2),
            Some(('o', 'u')) => ("و", 2),
            Some(('d', 'j')) => ("ج", 2),
            _ => (
                match c {
                    '2' => "ء",
                    '3' => "ع",
                    '5' => "خ",
                    '7' => "ح",
                    '8' => "ه",
                    '9' => "ق",
                    'a' => "ا",
                    'b' | 'p' => "ب",
                    't' => "ت",
                    'j' => "ج",
                    'd' => "د",
                    'r' => "ر",
                    'z' => "ز",
                    's' | 'c' => "س",
                    'f' | 'v' => "ف",
                    'q' => "ق",
                    'k' | 'g' => "ك",
                    'l' => "ل",
                    'm' => "م",
                    'n' => "ن",
                    'h' => "ه",
                    'w' | 'o' | 'u' => "و",
                    'y' | 'i' => "ي",
                    'x' => "كس",
                    // Short e is not written in Arabic script.
                    _ => "",
                },
                1,
            ),
        };
        out.push_str(piece);
        i += used;
    }
    // Collapse doubled letters (Arabizi doubles consonants, Arabic writes a shadda).
    let mut collapsed = String::with_capacity(out.len());
    let mut last = None;
    for c in out.chars() {
        if Some(c) != last {
            collapsed.push(c);
        }
        last = Some(c);
    }
    if collapsed.is_empty() {
        None
    } else {
        Some(collapsed)
    }
}

/// Reduces an Arabic-script word to skeletons for fuzzy matching: the word itself, the
/// word without the article, and the word without a one-letter clitic (و ب ل ف), each
/// with its inner long vowels and a final `ه`/`ا` dropped, and with letters that Arabizi
/// cannot tell apart merged. Two words match when their skeleton sets meet.
pub fn arabic_skeletons(word: &str) -> Vec<String> {
    let mut stems: Vec<&str> = vec![word];
    for prefix in ["وال", "بال", "فال", "كال", "لل", "ال"] {
        if let Some(rest) = word.strip_prefix(prefix) {
            if rest.chars().count() >= 3 {
                stems.push(rest);
                break;
            }
        }
    }
    for prefix in ["و", "ب", "ل", "ف"] {
        if let Some(rest) = word.strip_prefix(prefix) {
            if rest.chars().count() >= 3 {
                stems.push(rest);
            }
            break;
        }
    }
    let mut out: Vec<String> = stems.into_iter().map(skeleton_of).collect();
    out.sort();
    out.dedup();
    out
}

fn skeleton_of(w: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let inner = i > 0 && i + 1 < chars.len();
        let last = i + 1 == chars.len() && i > 0;
        if inner && matches!(c, 'ا' | 'و' | 'ي') {
            continue;
        }
        if last && matches!(c, 'ه' | 'ا') {
            continue;
        }
        // Letters Arabizi cannot tell apart are merged.
        let merged = match c {
            'ط' | 'ث' => 'ت',
            'ص' => 'س',
            'ض' => 'د',
            'ظ' | 'ذ' => 'ز',
            other => other,
        };
        out.push(merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_forms_are_unified() {
        assert_eq!(normalize("أَحْمَدُ إلى آخِرِ"), "احمد الي اخر");
        assert_eq!(normalize("البطاقــة الوطنيّة"), "البطاقه الوطنيه");
        assert_eq!(normalize("٧٥ درهم"), "75 درهم");
    }

    #[test]
    fn french_accents_and_elisions() {
        assert_eq!(
            normalize("L'extrait d’acte, qu'est-ce ?"),
            "extrait acte est ce"
        );
        assert_eq!(normalize("Élève À CÔTÉ"), "eleve a cote");
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(normalize("a\u{0000}b\u{202E}c\n\td"), "a b c d");
    }

    #[test]
    fn arabizi_transliteration() {
        assert_eq!(arabizi_to_arabic("ch7al").as_deref(), Some("شحال"));
        assert_eq!(arabizi_to_arabic("bghit").as_deref(), Some("بغيت"));
        assert_eq!(arabizi_to_arabic("kifach").as_deref(), Some("كيفاش"));
        let meet = |a: &str, b: &str| {
            let sa = arabic_skeletons(a);
            arabic_skeletons(b).iter().any(|s| sa.contains(s))
        };
        assert!(meet("الباسبور", "باسبور"));
        let lpass = arabizi_to_arabic("lpasspor").unwrap_or_default();
        assert!(meet(&lpass, "الباسبور"));
    }

    #[test]
    fn input_is_bounded() {
        let long = "a ".repeat(10_000);
        assert!(normalize(&long).len() <= MAX_INPUT_CHARS);
    }
}
