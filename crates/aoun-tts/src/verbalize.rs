//! Written forms read aloud: numbers, amounts in dirhams, percentages, dates and times become
//! words of the answer's language before a voice reads them. Voices read digits badly (Piper's
//! Arabic voices skip them) and a citizen must hear the fee and the hours right.

use aoun_core::Lang;

use crate::numbers::{cardinal, digits};

/// Rewrites numbers, amounts, percentages, dates and times in `text` as words in `lang`.
/// Everything else is left as written.
pub fn verbalize(text: &str, lang: Lang) -> String {
    let chars: Vec<char> = text.chars().map(ascii_digit).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_number = c.is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
        if !starts_number {
            out.push(c);
            i += 1;
            continue;
        }
        let (words, next) = date(&chars, i, lang)
            .or_else(|| time(&chars, i, lang))
            .unwrap_or_else(|| quantity(&chars, i, lang));
        push_spaced(&mut out, &words, chars.get(next).copied());
        i = next;
    }
    out
}

/// Arabic-Indic and Persian digits, and the Arabic decimal and thousands marks, as ASCII.
fn ascii_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '\u{066B}' => '.',
        '\u{066C}' => '\u{202F}',
        _ => c,
    }
}

/// Appends `words`, keeping them apart from letters that touch them.
fn push_spaced(out: &mut String, words: &str, next: Option<char>) {
    if out.chars().last().is_some_and(char::is_alphanumeric) {
        out.push(' ');
    }
    out.push_str(words);
    if next.is_some_and(char::is_alphanumeric) {
        out.push(' ');
    }
}

/// Reads `min..=max` ASCII digits at `i`; returns the value and the index after them.
fn read_digits(chars: &[char], i: usize, min: usize, max: usize) -> Option<(u64, usize)> {
    let mut end = i;
    while end < chars.len() && chars[end].is_ascii_digit() {
        end += 1;
    }
    let len = end - i;
    if len < min || len > max {
        return None;
    }
    let text: String = chars[i..end].iter().collect();
    text.parse().ok().map(|v| (v, end))
}

fn not_followed_by_digit(chars: &[char], i: usize) -> bool {
    chars.get(i).is_none_or(|c| !c.is_ascii_digit())
}

// ------------------------------------------------------------------ dates

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Month names as used in Morocco, in Arabic script (also in Darija).
const MONTHS_MA: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
];

/// `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY` or `YYYY-MM-DD`.
fn date(chars: &[char], i: usize, lang: Lang) -> Option<(String, usize)> {
    let sep_at = |j: usize| {
        chars
            .get(j)
            .copied()
            .filter(|c| matches!(c, '/' | '-' | '.'))
    };
    let (day, month, year, end) = if let Some((year, j)) = read_digits(chars, i, 4, 4) {
        let sep = sep_at(j)?;
        let (month, k) = read_digits(chars, j + 1, 1, 2)?;
        (sep_at(k) == Some(sep)).then_some(())?;
        let (day, end) = read_digits(chars, k + 1, 1, 2)?;
        (day, month, year, end)
    } else {
        let (day, j) = read_digits(chars, i, 1, 2)?;
        let sep = sep_at(j)?;
        let (month, k) = read_digits(chars, j + 1, 1, 2)?;
        (sep_at(k) == Some(sep)).then_some(())?;
        let (year, end) = read_digits(chars, k + 1, 4, 4)?;
        (day, month, year, end)
    };
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) || !not_followed_by_digit(chars, end)
    {
        return None;
    }
    Some((say_date(day, month as usize, year, lang), end))
}

/// A date in words, day first as spoken in Morocco.
pub fn say_date(day: u64, month: usize, year: u64, lang: Lang) -> String {
    let m = month.clamp(1, 12) - 1;
    match lang {
        Lang::Fr => {
            let day = if day == 1 {
                "premier".to_string()
            } else {
                cardinal(day, lang)
            };
            format!("{day} {} {}", MONTHS_FR[m], cardinal(year, lang))
        }
        Lang::En => format!(
            "{} {}, {}",
            MONTHS_EN[m],
            cardinal(day, lang),
            cardinal(year, lang)
        ),
        Lang::Ar | Lang::Ary => format!(
            "{} {} {}",
            cardinal(day, lang),
            MONTHS_MA[m],
            cardinal(year, lang)
        ),
    }
}

// ------------------------------------------------------------------ times

/// `HH:MM`, `HHhMM` or `HHh` (French style).
fn time(chars: &[char], i: usize, lang: Lang) -> Option<(String, usize)> {
    let (hour, j) = read_digits(chars, i, 1, 2)?;
    let sep = chars.get(j).copied()?;
    let (minute, end) = match sep {
        ':' => read_digits(chars, j + 1, 2, 2)?,
        'h' | 'H' => match read_digits(chars, j + 1, 2, 2) {
            Some(found) => found,
            // `9h` alone, but not the start of a word (`9hommes`).
            None if chars.get(j + 1).is_none_or(|c| !c.is_alphanumeric()) => (0, j + 1),
            None => return None,
        },
        _ => return None,
    };
    if hour > 23 || minute > 59 || !not_followed_by_digit(chars, end) {
        return None;
    }
    Some((say_time(hour, minute, lang), end))
}

const HOURS_AR: [&str; 12] = [
    "الثانية عشرة",
    "الواحدة",
    "الثانية",
    "الثالثة",
    "الرابعة",
    "الخامسة",
    "السادسة",
    "السابعة",
    "الثامنة",
    "التاسعة",
    "العاشرة",
    "الحادية عشرة",
];
const HOURS_ARY: [&str; 12] = [
    "الطناش",
    "الوحدة",
    "الجوج",
    "التلاتة",
    "الربعة",
    "الخمسة",
    "الستة",
    "السبعة",
    "التمنية",
    "التسعود",
    "العشرة",
    "الحداش",
];

/// A clock time in words: 24-hour in French, 12-hour with the part of the day otherwise.
pub fn say_time(hour: u64, minute: u64, lang: Lang) -> String {
    let h12 = (hour % 12) as usize;
    match lang {
        Lang::Fr => {
            let hours = match hour {
                0 => "minuit".to_string(),
                1 => "une heure".to_string(),
                12 => "midi".to_string(),
                _ => format!("{} heures", cardinal(hour, lang)),
            };
            match minute {
                0 => hours,
                1 => format!("{hours} une"),
                _ => format!("{hours} {}", cardinal(minute, lang)),
            }
        }
        Lang::En => {
            let h = if h12 == 0 { 12 } else { h12 as u64 };
            let minutes = match minute {
                0 => "o'clock".to_string(),
                1..=9 => format!("oh {}", cardinal(minute, lang)),
                _ => cardinal(minute, lang),
            };
            let part = match hour {
                0..=11 => "in the morning",
                12..=17 => "in the afternoon",
                _ => "in the evening",
            };
            format!("{} {minutes} {part}", cardinal(h, lang))
        }
        Lang::Ar => {
            let minutes = match minute {
                0 => String::new(),
                15 => " والربع".to_string(),
                30 => " والنصف".to_string(),
                _ => format!(" و{} دقيقة", cardinal(minute, lang)),
            };
            let part = match hour {
                0..=11 => "صباحا",
                12..=17 => "بعد الزوال",
                _ => "مساء",
            };
            format!("الساعة {}{minutes} {part}", HOURS_AR[h12])
        }
        Lang::Ary => {
            let minutes = match minute {
                0 => String::new(),
                15 => " وربع".to_string(),
                20 => " وتلت".to_string(),
                30 => " ونص".to_string(),
                _ => format!(" و{} دقيقة", cardinal(minute, lang)),
            };
            let part = match hour {
                0..=11 => "د الصباح",
                12..=17 => "د العشية",
                _ => "د الليل",
            };
            format!("{}{minutes} {part}", HOURS_ARY[h12])
        }
    }
}

// ------------------------------------------------------------------ quantities

/// A number read at `i`: its integer part, its decimal digits, and the index after it.
struct Number {
    integer: u64,
    /// Decimal digits as written (`"50"` for `12,50`).
    decimals: String,
    /// The integer part as written, when it must be read digit by digit (`0537...`).
    digit_string: Option<String>,
    end: usize,
}

fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}')
}

fn read_number(chars: &[char], i: usize, lang: Lang) -> Number {
    let mut end = i;
    let mut integer_text = String::new();
    while end < chars.len() && chars[end].is_ascii_digit() {
        integer_text.push(chars[end]);
        end += 1;
    }
    let thousands_mark = if lang == Lang::En { ',' } else { '.' };
    // Thousands groups: a separator followed by exactly three digits.
    if integer_text.len() <= 3 && !integer_text.starts_with('0') {
        while let Some(&sep) = chars.get(end) {
            if !(is_group_space(sep) || sep == thousands_mark) {
                break;
            }
            let group_end = end + 4;
            let three = chars.get(end + 1..group_end).is_some_and(|g| {
                g.iter().all(char::is_ascii_digit) && not_followed_by_digit(chars, group_end)
            });
            if !three {
                break;
            }
            integer_text.extend(&chars[end + 1..group_end]);
            end = group_end;
        }
    }
    let mut decimals = String::new();
    if let Some(&mark) = chars.get(end) {
        let decimal_mark = matches!(mark, '.' | ',') && mark != thousands_mark
            || (mark == thousands_mark
                && chars
                    .get(end + 1..end + 4)
                    .is_none_or(|g| !g.iter().all(char::is_ascii_digit)));
        if decimal_mark && chars.get(end + 1).is_some_and(char::is_ascii_digit) {
            let mut k = end + 1;
            while k < chars.len() && chars[k].is_ascii_digit() {
                decimals.push(chars[k]);
                k += 1;
            }
            end = k;
        }
    }
    let digit_string = (integer_text.len() > 1 && integer_text.starts_with('0')
        || integer_text.len() > 12)
        .then(|| integer_text.clone());
    Number {
        integer: integer_text.parse().unwrap_or(0),
        decimals,
        digit_string,
        end,
    }
}

/// Currency words that may follow an amount; longest first.
const DIRHAM_MARKS: [&str; 12] = [
    "dirhams", "dirham", "Dirhams", "Dirham", "DHS", "Dhs", "dhs", "MAD", "DH", "Dh", "dh", "د.م.",
];
const DIRHAM_MARKS_AR: [&str; 3] = ["دراهم", "درهما", "درهم"];

/// Finds a dirham mark after the number (spaces allowed); returns the index after it.
fn dirham_mark(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    while chars.get(j).is_some_and(|c| is_group_space(*c)) {
        j += 1;
    }
    for mark in DIRHAM_MARKS.iter().chain(DIRHAM_MARKS_AR.iter()) {
        let len = mark.chars().count();
        let matches = chars
            .get(j..j + len)
            .is_some_and(|s| s.iter().copied().eq(mark.chars()));
        let whole_word = chars.get(j + len).is_none_or(|c| !c.is_alphanumeric());
        if matches && (whole_word || mark.ends_with('.')) {
            return Some(j + len);
        }
    }
    None
}

fn percent_sign(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    while chars.get(j).is_some_and(|c| is_group_space(*c)) {
        j += 1;
    }
    matches!(chars.get(j), Some('%' | '٪')).then_some(j + 1)
}

fn quantity(chars: &[char], i: usize, lang: Lang) -> (String, usize) {
    let number = read_number(chars, i, lang);
    if let Some(text) = &number.digit_string {
        let mut words = digits(text, lang);
        if !number.decimals.is_empty() {
            words = format!("{words} {} {}", point(lang), digits(&number.decimals, lang));
        }
        return (words, number.end);
    }
    if let Some(end) = dirham_mark(chars, number.end) {
        let cents = centimes(&number.decimals);
        return (amount(number.integer, cents, lang), end);
    }
    let mut words = cardinal(number.integer, lang);
    if !number.decimals.is_empty() {
        words = format!(
            "{words} {} {}",
            point(lang),
            decimal_words(&number.decimals, lang)
        );
    }
    if let Some(end) = percent_sign(chars, number.end) {
        let percent = match lang {
            Lang::Ar => "في المائة",
            Lang::Ary => "فالمية",
            Lang::Fr => "pour cent",
            Lang::En => "percent",
        };
        return (format!("{words} {percent}"), end);
    }
    if lang == Lang::Fr {
        if let Some((ordinal, end)) = french_ordinal(chars, number.end, number.integer) {
            return (ordinal, end);
        }
    }
    (words, number.end)
}

fn point(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar | Lang::Ary => "فاصلة",
        Lang::Fr => "virgule",
        Lang::En => "point",
    }
}

/// Decimals after the point: as a number when short and without a leading zero, else digit by digit.
fn decimal_words(decimals: &str, lang: Lang) -> String {
    if decimals.len() <= 2 && !decimals.starts_with('0') {
        cardinal(decimals.parse().unwrap_or(0), lang)
    } else {
        digits(decimals, lang)
    }
}

/// `12,5` dirhams is 12 dirhams and 50 centimes.
fn centimes(decimals: &str) -> u64 {
    let mut two: String = decimals.chars().take(2).collect();
    while two.len() < 2 {
        two.push('0');
    }
    two.parse().unwrap_or(0)
}

/// An amount in dirhams (and centimes), with the noun agreeing with the number.
pub fn amount(dirhams: u64, centimes: u64, lang: Lang) -> String {
    let main = match lang {
        Lang::Ar => counted_ar(dirhams, "درهم", "درهمان", "دراهم", "درهما"),
        Lang::Ary => counted_ary(dirhams, "درهم", "دراهم"),
        Lang::Fr => match dirhams {
            0 | 1 => format!("{} dirham", cardinal(dirhams, lang)),
            _ => format!("{} dirhams", cardinal(dirhams, lang)),
        },
        Lang::En => match dirhams {
            1 => "one dirham".to_string(),
            _ => format!("{} dirhams", cardinal(dirhams, lang)),
        },
    };
    if centimes == 0 {
        return main;
    }
    let cents = match lang {
        Lang::Ar => counted_ar(centimes, "سنتيم", "سنتيمان", "سنتيمات", "سنتيما"),
        Lang::Ary => counted_ary(centimes, "سنتيم", "سنتيمات"),
        Lang::Fr => match centimes {
            1 => "un centime".to_string(),
            _ => format!("{} centimes", cardinal(centimes, lang)),
        },
        Lang::En => match centimes {
            1 => "one centime".to_string(),
            _ => format!("{} centimes", cardinal(centimes, lang)),
        },
    };
    match lang {
        Lang::Ar | Lang::Ary => format!("{main} و{cents}"),
        Lang::Fr => format!("{main} et {cents}"),
        Lang::En => format!("{main} and {cents}"),
    }
}

/// Modern Standard Arabic counted noun: واحد درهم is `درهم واحد`, 2 the dual, 3 to 10 the
/// plural, 11 to 99 the accusative singular, round hundreds and up the singular.
fn counted_ar(n: u64, singular: &str, dual: &str, plural: &str, accusative: &str) -> String {
    match (n, n % 100) {
        (1, _) => format!("{singular} {}", cardinal(1, Lang::Ar)),
        (2, _) => dual.to_string(),
        (_, 3..=10) => format!("{} {plural}", cardinal(n, Lang::Ar)),
        (_, 11..=99) => format!("{} {accusative}", cardinal(n, Lang::Ar)),
        _ => format!("{} {singular}", cardinal(n, Lang::Ar)),
    }
}

/// Darija counted noun: `درهم واحد`, `جوج دراهم`, `خمسة د الدراهم`, `عشرين درهم`.
fn counted_ary(n: u64, singular: &str, plural: &str) -> String {
    match (n, n % 100) {
        (1, _) => format!("{singular} {}", cardinal(1, Lang::Ary)),
        (2, _) => format!("{} {plural}", cardinal(2, Lang::Ary)),
        (3..=10, _) => format!("{} د {}", cardinal(n, Lang::Ary), definite(plural)),
        _ => format!("{} {singular}", cardinal(n, Lang::Ary)),
    }
}

fn definite(noun: &str) -> String {
    format!("ال{noun}")
}

/// `1er`, `1re`, `2e`, `3ème`: French ordinals.
fn french_ordinal(chars: &[char], i: usize, n: u64) -> Option<(String, usize)> {
    let suffixes: [(&str, bool); 7] = [
        ("ème", false),
        ("eme", false),
        ("er", true),
        ("re", true),
        ("ère", true),
        ("e", false),
        ("è", false),
    ];
    for (suffix, first) in suffixes {
        let len = suffix.chars().count();
        let matches = chars
            .get(i..i + len)
            .is_some_and(|s| s.iter().copied().eq(suffix.chars()));
        let whole = chars.get(i + len).is_none_or(|c| !c.is_alphanumeric());
        if !(matches && whole) {
            continue;
        }
        if first {
            return (n == 1).then(|| {
                let word = if suffix == "er" {
                    "premier"
                } else {
                    "première"
                };
                (word.to_string(), i + len)
            });
        }
        if n < 2 {
            return None;
        }
        let mut base = cardinal(n, Lang::Fr);
        if base.ends_with("cinq") {
            base.push('u');
        } else if base.ends_with("neuf") {
            base.pop();
            base.push('v');
        } else if base.ends_with('e') {
            base.pop();
        }
        return Some((format!("{base}ième"), i + len));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_dirhams() {
        let cases = [
            ("500 DH", Lang::Ar, "خمسمائة درهم"),
            ("500 DH", Lang::Ary, "خمس مية درهم"),
            ("500 DH", Lang::Fr, "cinq cents dirhams"),
            ("500 DH", Lang::En, "five hundred dirhams"),
            ("500 dirhams", Lang::Fr, "cinq cents dirhams"),
            ("500 درهم", Lang::Ar, "خمسمائة درهم"),
            ("٥٠٠ درهم", Lang::Ar, "خمسمائة درهم"),
            ("75 DH", Lang::Ar, "خمسة وسبعون درهما"),
            ("5 DH", Lang::Ar, "خمسة دراهم"),
            ("2 DH", Lang::Ar, "درهمان"),
            ("1 DH", Lang::Ar, "درهم واحد"),
            ("5 DH", Lang::Ary, "خمسة د الدراهم"),
            ("2 DH", Lang::Ary, "جوج دراهم"),
            ("1 500 DH", Lang::Fr, "mille cinq cents dirhams"),
            ("1.500 DH", Lang::Fr, "mille cinq cents dirhams"),
            ("1,500 MAD", Lang::En, "one thousand five hundred dirhams"),
            ("12,50 DH", Lang::Fr, "douze dirhams et cinquante centimes"),
            ("1 dirham", Lang::Fr, "un dirham"),
        ];
        for (text, lang, spoken) in cases {
            assert_eq!(verbalize(text, lang), spoken, "{text} in {lang}");
        }
    }

    #[test]
    fn amounts_inside_sentences() {
        assert_eq!(
            verbalize("Le passeport coûte 500 DH.", Lang::Fr),
            "Le passeport coûte cinq cents dirhams."
        );
        assert_eq!(
            verbalize("الجواز كيكلف 500 درهم.", Lang::Ary),
            "الجواز كيكلف خمس مية درهم."
        );
        assert_eq!(
            verbalize("تكلفة الجواز 500DH", Lang::Ar),
            "تكلفة الجواز خمسمائة درهم"
        );
    }

    #[test]
    fn dates() {
        let cases = [
            ("12/05/2024", Lang::Fr, "douze mai deux mille vingt-quatre"),
            ("01/03/2025", Lang::Fr, "premier mars deux mille vingt-cinq"),
            (
                "2024-05-12",
                Lang::En,
                "May twelve, two thousand twenty-four",
            ),
            ("12/05/2024", Lang::Ar, "اثنا عشر ماي ألفان وأربعة وعشرون"),
            ("12/05/2024", Lang::Ary, "طناش ماي ألفين وربعة وعشرين"),
        ];
        for (text, lang, spoken) in cases {
            assert_eq!(verbalize(text, lang), spoken, "{text} in {lang}");
        }
    }

    #[test]
    fn times() {
        let cases = [
            ("8:30", Lang::Fr, "huit heures trente"),
            ("16h30", Lang::Fr, "seize heures trente"),
            ("9h", Lang::Fr, "neuf heures"),
            ("8:30", Lang::Ar, "الساعة الثامنة والنصف صباحا"),
            ("16:30", Lang::Ar, "الساعة الرابعة والنصف بعد الزوال"),
            ("8:30", Lang::Ary, "التمنية ونص د الصباح"),
            ("16:15", Lang::Ary, "الربعة وربع د العشية"),
            ("8:30", Lang::En, "eight thirty in the morning"),
            ("16:05", Lang::En, "four oh five in the afternoon"),
        ];
        for (text, lang, spoken) in cases {
            assert_eq!(verbalize(text, lang), spoken, "{text} in {lang}");
        }
        assert_eq!(
            verbalize("de 8h30 à 16h30", Lang::Fr),
            "de huit heures trente à seize heures trente"
        );
    }

    #[test]
    fn plain_numbers_percentages_ordinals_and_phone_numbers() {
        assert_eq!(verbalize("3 photos", Lang::Fr), "trois photos");
        assert_eq!(verbalize("3.5", Lang::En), "three point five");
        assert_eq!(verbalize("2,5", Lang::Fr), "deux virgule cinq");
        assert_eq!(verbalize("50%", Lang::Fr), "cinquante pour cent");
        assert_eq!(verbalize("50 %", Lang::Ar), "خمسون في المائة");
        assert_eq!(verbalize("le 1er étage", Lang::Fr), "le premier étage");
        assert_eq!(verbalize("le 3e guichet", Lang::Fr), "le troisième guichet");
        assert_eq!(verbalize("0537 12", Lang::Fr), "zéro cinq trois sept douze");
        assert_eq!(verbalize("no digits here", Lang::En), "no digits here");
        assert_eq!(verbalize("", Lang::Ar), "");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "99999999999999999999999999",
            "1.",
            "1,",
            "12:",
            "12h",
            "31/02/",
            "1 2 3 4",
            "٫٬٪",
            "25:99",
            "00/00/0000",
        ] {
            for lang in Lang::ALL {
                let _ = verbalize(text, lang);
            }
        }
    }
}
