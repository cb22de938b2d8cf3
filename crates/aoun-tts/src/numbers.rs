//! Cardinal numbers in words: Modern Standard Arabic, Moroccan Darija, French and English.

use aoun_core::Lang;

/// The largest number spoken as one quantity; longer digit strings are read digit by digit.
pub const MAX_SPOKEN: u64 = 999_999_999_999;

/// `n` in words, in `lang` (`n` above [`MAX_SPOKEN`] is read digit by digit).
pub fn cardinal(n: u64, lang: Lang) -> String {
    if n > MAX_SPOKEN {
        return digits(&n.to_string(), lang);
    }
    match lang {
        Lang::Ar => arabic(n),
        Lang::Ary => darija(n),
        Lang::Fr => french(n, true),
        Lang::En => english(n),
    }
}

/// Reads a digit string one digit at a time (phone numbers, file numbers).
pub fn digits(text: &str, lang: Lang) -> String {
    text.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| cardinal(u64::from(d), lang))
        .collect::<Vec<_>>()
        .join(" ")
}

// ------------------------------------------------------------------ Modern Standard Arabic

const AR_ONES: [&str; 11] = [
    "صفر",
    "واحد",
    "اثنان",
    "ثلاثة",
    "أربعة",
    "خمسة",
    "ستة",
    "سبعة",
    "ثمانية",
    "تسعة",
    "عشرة",
];
const AR_TENS: [&str; 10] = [
    "",
    "عشرة",
    "عشرون",
    "ثلاثون",
    "أربعون",
    "خمسون",
    "ستون",
    "سبعون",
    "ثمانون",
    "تسعون",
];
const AR_HUNDREDS: [&str; 10] = [
    "",
    "مائة",
    "مائتان",
    "ثلاثمائة",
    "أربعمائة",
    "خمسمائة",
    "ستمائة",
    "سبعمائة",
    "ثمانمائة",
    "تسعمائة",
];

fn arabic_below_100(n: u64) -> String {
    let n = n as usize;
    match n {
        0..=10 => AR_ONES[n].to_string(),
        11 => "أحد عشر".to_string(),
        12 => "اثنا عشر".to_string(),
        13..=19 => format!("{} عشر", AR_ONES[n - 10]),
        _ if n % 10 == 0 => AR_TENS[n / 10].to_string(),
        _ => format!("{} و{}", AR_ONES[n % 10], AR_TENS[n / 10]),
    }
}

fn arabic_below_1000(n: u64) -> String {
    let (h, r) = ((n / 100) as usize, n % 100);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(AR_HUNDREDS[h].to_string());
    }
    if r > 0 || h == 0 {
        parts.push(arabic_below_100(r));
    }
    parts.join(" و")
}

/// One scale group (thousands, millions, billions): singular, dual, plural (3 to 10).
fn arabic_scale(count: u64, one: &str, two: &str, plural: &str) -> String {
    match count {
        1 => one.to_string(),
        2 => two.to_string(),
        3..=10 => format!("{} {plural}", arabic_below_1000(count)),
        _ => format!("{} {one}", arabic_below_1000(count)),
    }
}

fn arabic(n: u64) -> String {
    if n < 1000 {
        return arabic_below_1000(n);
    }
    let scales: [(u64, [&str; 3]); 3] = [
        (1_000_000_000, ["مليار", "ملياران", "مليارات"]),
        (1_000_000, ["مليون", "مليونان", "ملايين"]),
        (1_000, ["ألف", "ألفان", "آلاف"]),
    ];
    let mut rest = n;
    let mut parts = Vec::new();
    for (size, [one, two, plural]) in scales {
        let count = rest / size;
        rest %= size;
        if count > 0 {
            parts.push(arabic_scale(count, one, two, plural));
        }
    }
    if rest > 0 {
        parts.push(arabic_below_1000(rest));
    }
    parts.join(" و")
}

// ------------------------------------------------------------------ Moroccan Darija

const ARY_ONES: [&str; 11] = [
    "صفر",
    "واحد",
    "جوج",
    "تلاتة",
    "ربعة",
    "خمسة",
    "ستة",
    "سبعة",
    "تمنية",
    "تسعود",
    "عشرة",
];
const ARY_TEENS: [&str; 9] = [
    "حداش",
    "طناش",
    "تلطاش",
    "ربعطاش",
    "خمسطاش",
    "سطاش",
    "سبعطاش",
    "تمنطاش",
    "تسعطاش",
];
const ARY_TENS: [&str; 10] = [
    "",
    "عشرة",
    "عشرين",
    "تلاتين",
    "ربعين",
    "خمسين",
    "ستين",
    "سبعين",
    "تمانين",
    "تسعين",
];
/// The short forms used before `مية` and `آلاف`: تلت مية, خمس آلاف.
const ARY_SHORT: [&str; 11] = [
    "", "", "", "تلت", "ربع", "خمس", "ست", "سبع", "تمن", "تسع", "عشر",
];

fn darija_below_100(n: u64) -> String {
    let n = n as usize;
    match n {
        0..=10 => ARY_ONES[n].to_string(),
        11..=19 => ARY_TEENS[n - 11].to_string(),
        _ if n % 10 == 0 => ARY_TENS[n / 10].to_string(),
        _ => format!("{} و{}", ARY_ONES[n % 10], ARY_TENS[n / 10]),
    }
}

fn darija_below_1000(n: u64) -> String {
    let (h, r) = ((n / 100) as usize, n % 100);
    let mut parts = Vec::new();
    match h {
        0 => {}
        1 => parts.push("مية".to_string()),
        2 => parts.push("ميتين".to_string()),
        _ => parts.push(format!("{} مية", ARY_SHORT[h])),
    }
    if r > 0 || h == 0 {
        parts.push(darija_below_100(r));
    }
    parts.join(" و")
}

fn darija(n: u64) -> String {
    if n < 1000 {
        return darija_below_1000(n);
    }
    let mut rest = n;
    let mut parts = Vec::new();
    for (size, word) in [(1_000_000_000, "مليار"), (1_000_000, "مليون")] {
        let count = rest / size;
        rest %= size;
        match count {
            0 => {}
            1 => parts.push(word.to_string()),
            _ => parts.push(format!("{} {word}", darija_below_1000(count))),
        }
    }
    let thousands = rest / 1000;
    rest %= 1000;
    match thousands {
        0 => {}
        1 => parts.push("ألف".to_string()),
        2 => parts.push("ألفين".to_string()),
        3..=10 => parts.push(format!("{} آلاف", ARY_SHORT[thousands as usize])),
        _ => parts.push(format!("{} ألف", darija_below_1000(thousands))),
    }
    if rest > 0 {
        parts.push(darija_below_1000(rest));
    }
    parts.join(" و")
}

// ------------------------------------------------------------------ French

const FR_UNITS: [&str; 17] = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
    "douze", "treize", "quatorze", "quinze", "seize",
];
const FR_TENS: [&str; 7] = [
    "",
    "dix",
    "vingt",
    "trente",
    "quarante",
    "cinquante",
    "soixante",
];

/// `last` is true when nothing follows the number (it takes the plural `s` of `quatre-vingts`
/// and `deux cents`); before `mille` they stay invariable.
fn french_below_100(n: u64, last: bool) -> String {
    let n = n as usize;
    match n {
        0..=16 => FR_UNITS[n].to_string(),
        17..=19 => format!("dix-{}", FR_UNITS[n - 10]),
        20..=69 => {
            let (t, u) = (n / 10, n % 10);
            match u {
                0 => FR_TENS[t].to_string(),
                1 => format!("{} et un", FR_TENS[t]),
                _ => format!("{}-{}", FR_TENS[t], FR_UNITS[u]),
            }
        }
        70..=79 => {
            if n == 71 {
                "soixante et onze".to_string()
            } else {
                format!("soixante-{}", french_below_100((n - 60) as u64, last))
            }
        }
        80 => if last {
            "quatre-vingts"
        } else {
            "quatre-vingt"
        }
        .to_string(),
        _ => format!("quatre-vingt-{}", french_below_100((n - 80) as u64, last)),
    }
}

fn french_below_1000(n: u64, last: bool) -> String {
    let (h, r) = (n / 100, n % 100);
    let hundreds = match h {
        0 => return french_below_100(r, last),
        1 => "cent".to_string(),
        _ if r == 0 && last => format!("{} cents", FR_UNITS[h as usize]),
        _ => format!("{} cent", FR_UNITS[h as usize]),
    };
    if r == 0 {
        hundreds
    } else {
        format!("{hundreds} {}", french_below_100(r, last))
    }
}

fn french(n: u64, last: bool) -> String {
    if n < 1000 {
        return french_below_1000(n, last);
    }
    let mut rest = n;
    let mut parts = Vec::new();
    for (size, word) in [(1_000_000_000, "milliard"), (1_000_000, "million")] {
        let count = rest / size;
        rest %= size;
        if count > 0 {
            let plural = if count > 1 { "s" } else { "" };
            parts.push(format!("{} {word}{plural}", french_below_1000(count, true)));
        }
    }
    let thousands = rest / 1000;
    rest %= 1000;
    match thousands {
        0 => {}
        1 => parts.push("mille".to_string()),
        _ => parts.push(format!("{} mille", french_below_1000(thousands, false))),
    }
    if rest > 0 {
        parts.push(french_below_1000(rest, last));
    }
    parts.join(" ")
}

// ------------------------------------------------------------------ English

const EN_UNITS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn english_below_1000(n: u64) -> String {
    let (h, r) = ((n / 100) as usize, (n % 100) as usize);
    let tens = match r {
        0..=19 => EN_UNITS[r].to_string(),
        _ if r % 10 == 0 => EN_TENS[r / 10].to_string(),
        _ => format!("{}-{}", EN_TENS[r / 10], EN_UNITS[r % 10]),
    };
    match (h, r) {
        (0, _) => tens,
        (_, 0) => format!("{} hundred", EN_UNITS[h]),
        _ => format!("{} hundred {tens}", EN_UNITS[h]),
    }
}

fn english(n: u64) -> String {
    if n < 1000 {
        return english_below_1000(n);
    }
    let mut rest = n;
    let mut parts = Vec::new();
    for (size, word) in [
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ] {
        let count = rest / size;
        rest %= size;
        if count > 0 {
            parts.push(format!("{} {word}", english_below_1000(count)));
        }
    }
    if rest > 0 {
        parts.push(english_below_1000(rest));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_standard_arabic() {
        let cases = [
            (0, "صفر"),
            (7, "سبعة"),
            (11, "أحد عشر"),
            (15, "خمسة عشر"),
            (21, "واحد وعشرون"),
            (100, "مائة"),
            (200, "مائتان"),
            (500, "خمسمائة"),
            (1000, "ألف"),
            (2000, "ألفان"),
            (3000, "ثلاثة آلاف"),
            (1250, "ألف ومائتان وخمسون"),
            (2024, "ألفان وأربعة وعشرون"),
            (15000, "خمسة عشر ألف"),
            (1_000_000, "مليون"),
        ];
        for (n, words) in cases {
            assert_eq!(cardinal(n, Lang::Ar), words, "{n}");
        }
    }

    #[test]
    fn darija() {
        let cases = [
            (2, "جوج"),
            (9, "تسعود"),
            (11, "حداش"),
            (12, "طناش"),
            (16, "سطاش"),
            (25, "خمسة وعشرين"),
            (100, "مية"),
            (200, "ميتين"),
            (500, "خمس مية"),
            (350, "تلت مية وخمسين"),
            (1000, "ألف"),
            (2000, "ألفين"),
            (5000, "خمس آلاف"),
            (1500, "ألف وخمس مية"),
            (20000, "عشرين ألف"),
        ];
        for (n, words) in cases {
            assert_eq!(cardinal(n, Lang::Ary), words, "{n}");
        }
    }

    #[test]
    fn french() {
        let cases = [
            (0, "zéro"),
            (17, "dix-sept"),
            (21, "vingt et un"),
            (71, "soixante et onze"),
            (75, "soixante-quinze"),
            (80, "quatre-vingts"),
            (81, "quatre-vingt-un"),
            (99, "quatre-vingt-dix-neuf"),
            (100, "cent"),
            (200, "deux cents"),
            (250, "deux cent cinquante"),
            (500, "cinq cents"),
            (1000, "mille"),
            (1500, "mille cinq cents"),
            (80_000, "quatre-vingt mille"),
            (200_000, "deux cent mille"),
            (2024, "deux mille vingt-quatre"),
            (2_000_000, "deux millions"),
        ];
        for (n, words) in cases {
            assert_eq!(cardinal(n, Lang::Fr), words, "{n}");
        }
    }

    #[test]
    fn english() {
        assert_eq!(cardinal(0, Lang::En), "zero");
        assert_eq!(cardinal(45, Lang::En), "forty-five");
        assert_eq!(cardinal(500, Lang::En), "five hundred");
        assert_eq!(cardinal(1250, Lang::En), "one thousand two hundred fifty");
        assert_eq!(cardinal(3_000_007, Lang::En), "three million seven");
    }

    #[test]
    fn very_long_numbers_are_read_digit_by_digit() {
        assert_eq!(
            cardinal(1_000_000_000_000, Lang::En),
            "one zero zero zero zero zero zero zero zero zero zero zero zero"
        );
        assert_eq!(digits("0537", Lang::Fr), "zéro cinq trois sept");
    }
}
