//! The four language forms Aoun understands and answers in.

/// A language form people speak at the desk.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Modern Standard Arabic.
    Ar,
    /// Moroccan Darija, in Arabic script or in Latin letters (Arabizi).
    Ary,
    /// French.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// All language forms, in a fixed order.
    pub const ALL: [Lang; 4] = [Lang::Ar, Lang::Ary, Lang::Fr, Lang::En];

    /// Maps a Whisper language code (`"ar"`, `"fr"`, `"en"`; `"ary"` is accepted too) to a
    /// language form. Whisper does not tell Darija from Arabic: `"ar"` gives [`Lang::Ar`],
    /// which the guide refines to [`Lang::Ary`] when the text holds Darija words.
    pub fn from_whisper_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ar" | "ara" | "arabic" => Some(Lang::Ar),
            "ary" | "darija" => Some(Lang::Ary),
            "fr" | "fra" | "fre" | "french" => Some(Lang::Fr),
            "en" | "eng" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// The short code used in the content pack: `ar`, `ary`, `fr`, `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Ary => "ary",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn codes_round_trip_and_serialize_as_codes() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_whisper_code(lang.code()), Some(lang));
            let json = serde_json::to_string(&lang).expect("a unit variant");
            assert_eq!(json, format!("\"{}\"", lang.code()));
        }
        assert_eq!(Lang::from_whisper_code("de"), None);
    }
}
