//! Splitting mixed text by writing system: Moroccans mix French words into Arabic and Darija
//! sentences, and each run must be read by a voice that knows its letters.

/// A writing system Aoun's voices read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// Arabic letters (Modern Standard Arabic and Darija).
    Arabic,
    /// Latin letters (French and English).
    Latin,
}

/// A stretch of text in one script. Digits, spaces and punctuation belong to the run they sit in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The run's script.
    pub script: Script,
    /// Its text, trimmed.
    pub text: String,
}

/// What kind of character `c` is, for splitting.
fn class(c: char) -> Option<Result<Script, char>> {
    let u = c as u32;
    let arabic = matches!(u,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x089F | 0x08A0..=0x08FF
        | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF);
    if arabic {
        // Arabic punctuation and digits are neutral; letters and marks are Arabic.
        return match c {
            '\u{060C}'
            | '\u{061B}'
            | '\u{061F}'
            | '\u{066A}'..='\u{066D}'
            | '\u{06D4}'
            | '\u{0660}'..='\u{0669}'
            | '\u{06F0}'..='\u{06F9}' => None,
            _ => Some(Ok(Script::Arabic)),
        };
    }
    if !c.is_alphabetic() {
        return None;
    }
    let latin = c.is_ascii_alphabetic()
        || matches!(u, 0x00C0..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF)
            && c != '\u{00D7}'
            && c != '\u{00F7}';
    if latin {
        Some(Ok(Script::Latin))
    } else {
        Some(Err(c))
    }
}

/// The first letter of a script no voice reads (Chinese, Cyrillic, Tifinagh...), if any.
pub fn unsupported_letter(text: &str) -> Option<char> {
    text.chars().find_map(|c| match class(c) {
        Some(Err(c)) => Some(c),
        _ => None,
    })
}

/// Splits text into runs of one script. Text without letters is one run of `default`.
/// Letters of unsupported scripts are not expected here (see [`unsupported_letter`]); they
/// stay in the run they sit in.
pub fn split_runs(text: &str, default: Script) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut current = String::new();
    let mut script: Option<Script> = None;
    for c in text.chars() {
        match class(c) {
            Some(Ok(s)) if script.is_some_and(|cur| cur != s) => {
                // Punctuation and spaces at the end of a run stay with it; a new run starts
                // at its first letter.
                push_run(&mut runs, script.unwrap_or(default), &current);
                current.clear();
                script = Some(s);
            }
            Some(Ok(s)) => script = Some(s),
            _ => {}
        }
        current.push(c);
    }
    push_run(&mut runs, script.unwrap_or(default), &current);
    runs
}

fn push_run(runs: &mut Vec<Run>, script: Script, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let has_letters = text.chars().any(|c| matches!(class(c), Some(Ok(_))));
    match runs.last_mut() {
        // A run without letters (`: 12 -`) joins the previous one.
        Some(last) if !has_letters || last.script == script => {
            last.text.push(' ');
            last.text.push_str(text);
        }
        _ => runs.push(Run {
            script,
            text: text.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_arabic_and_french() {
        let runs = split_runs(
            "خاصك تجيب la carte nationale و l'acte de naissance.",
            Script::Arabic,
        );
        let got: Vec<_> = runs.iter().map(|r| (r.script, r.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (Script::Arabic, "خاصك تجيب"),
                (Script::Latin, "la carte nationale"),
                (Script::Arabic, "و"),
                (Script::Latin, "l'acte de naissance."),
            ]
        );
    }

    #[test]
    fn one_script_is_one_run() {
        let runs = split_runs("Bonjour, où est l'annexe ?", Script::Latin);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].script, Script::Latin);
        let runs = split_runs("مَرْحَبًا بِكُمْ، ١٢٣.", Script::Latin);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].script, Script::Arabic);
        assert_eq!(split_runs("  ", Script::Arabic), []);
        assert_eq!(
            split_runs("123 !", Script::Arabic),
            [Run {
                script: Script::Arabic,
                text: "123 !".into()
            }]
        );
    }

    #[test]
    fn finds_unsupported_letters() {
        assert_eq!(unsupported_letter("你好"), Some('你'));
        assert_eq!(unsupported_letter("Привет"), Some('П'));
        assert_eq!(unsupported_letter("ⵜⴰⵎⴰⵣⵉⵖⵜ"), Some('ⵜ'));
        assert_eq!(unsupported_letter("Ça coûte 5 € 👍 سلام"), None);
    }
}
