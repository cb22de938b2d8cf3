//! What a signature says of the pack it signs besides its files: the pack's version and when it
//! was signed, so that an update never takes a kiosk back to an older pack.

use std::cmp::Ordering;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest version, in bytes.
const MAX_VERSION_BYTES: usize = 128;
/// The last second a signing time can name: 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;

/// When a pack was signed: whole seconds since 1970-01-01 UTC, written `2026-12-04T03:21:16Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SigningTime(u64);

impl SigningTime {
    /// The current time (a clock set before 1970 gives 1970-01-01T00:00:00Z).
    pub fn now() -> SigningTime {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        SigningTime(seconds.min(LAST_SECOND))
    }

    /// The time `seconds` after 1970-01-01T00:00:00Z; none after the year 9999.
    pub fn from_unix_seconds(seconds: u64) -> Option<SigningTime> {
        (seconds <= LAST_SECOND).then_some(SigningTime(seconds))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> u64 {
        self.0
    }

    /// Reads `YYYY-MM-DDTHH:MM:SSZ`, exactly as [`SigningTime`]'s `Display` writes it; anything
    /// else, or a date that does not exist, is none.
    pub(crate) fn parse(text: &str) -> Option<SigningTime> {
        let b = text.as_bytes();
        let shape = b"dddd-dd-ddTdd:dd:ddZ";
        if b.len() != shape.len()
            || !b.iter().zip(shape).all(|(c, s)| match s {
                b'd' => c.is_ascii_digit(),
                _ => c == s,
            })
        {
            return None;
        }
        let number = |at: usize, len: usize| text[at..at + len].parse::<u64>().ok();
        let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
        let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
        if year < 1970
            || !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        if civil_from_days(days) != (year, month, day) {
            return None;
        }
        Some(SigningTime(
            days * 86_400 + hour * 3600 + minute * 60 + second,
        ))
    }
}

impl fmt::Display for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = civil_from_days(self.0 / 86_400);
        let second = self.0 % 86_400;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second / 3600,
            second / 60 % 60,
            second % 60
        )
    }
}

/// Days since 1970-01-01 of a date of the Gregorian calendar from 1970 on (a day past the end
/// of its month counts on into the next one).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    // March first: the leap day ends the year.
    let (year, month) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let (era, year_of_era) = (year / 400, year % 400);
    let day_of_year = (153 * month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01: year, month (1 to 12) and day (1 to 31).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let days = days + 719_468;
    let (era, day_of_era) = (days / 146_097, days % 146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month + 2) / 5 + 1;
    let (year, month) = if month < 10 {
        (era * 400 + year_of_era, month + 3)
    } else {
        (era * 400 + year_of_era + 1, month - 9)
    };
    (year, month, day)
}

/// The pack's version and signing time, both covered by the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The pack's version, as its editor wrote it (a content pack's `pack.toml` `version`);
    /// empty for a pack that has none of its own (a model pack).
    pub version: String,
    /// When it was signed.
    pub signed: SigningTime,
}

impl Release {
    /// A pack of `version` signed now.
    pub fn now(version: impl Into<String>) -> Release {
        Release {
            version: version.into(),
            signed: SigningTime::now(),
        }
    }

    /// Compares the versions of two packs, part by part between the dots: parts made of digits
    /// as numbers (`2026.11.9` is older than `2026.11.23`), other parts as text, and a version
    /// that runs out of parts first is the older (`2026.11` before `2026.11.1`).
    pub fn cmp_version(&self, other: &Release) -> Ordering {
        let (mut ours, mut theirs) = (self.version.split('.'), other.version.split('.'));
        loop {
            match (ours.next(), theirs.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(a), Some(b)) => match cmp_part(a, b) {
                    Ordering::Equal => {}
                    unequal => return unequal,
                },
            }
        }
    }
}

impl Release {
    /// Whether a pack of this release may replace one of `installed`: its version is higher
    /// ([`Release::cmp_version`]; an equal version is the same pack, whenever it was signed), or,
    /// when neither has a version (model packs), it was signed later.
    pub fn is_newer_than(&self, installed: &Release) -> bool {
        match self.cmp_version(installed) {
            Ordering::Equal if self.version.is_empty() => self.signed > installed.signed,
            order => order.is_gt(),
        }
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version.is_empty() {
            write!(f, "signed {}", self.signed)
        } else {
            write!(f, "version {} signed {}", self.version, self.signed)
        }
    }
}

/// One part of two versions: numbers as numbers (of any length), anything else as text.
fn cmp_part(a: &str, b: &str) -> Ordering {
    fn number(s: &str) -> Option<&str> {
        let digits = !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        digits.then(|| s.trim_start_matches('0'))
    }
    match (number(a), number(b)) {
        (Some(a), Some(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// Why a version cannot be signed or read, said as the end of "its version …".
pub(crate) fn check_version(version: &str) -> Result<(), &'static str> {
    if version.len() > MAX_VERSION_BYTES {
        Err("is too long")
    } else if version.chars().any(char::is_control) {
        Err("holds a control character")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(version: &str) -> Release {
        Release {
            version: version.into(),
            signed: SigningTime(0),
        }
    }

    #[test]
    fn versions_compare_part_by_part_numbers_as_numbers() {
        let older_first = [
            ("2026.11.9", "2026.11.23"),
            ("2026.9.30", "2026.10.1"),
            ("1.9", "1.10"),
            ("2026.11", "2026.11.1"),
            ("", "1"),
            ("1.0-beta", "1.0-rc"),
            ("99999999999999999999999", "100000000000000000000000"),
        ];
        for (older, newer) in older_first {
            assert_eq!(
                release(older).cmp_version(&release(newer)),
                Ordering::Less,
                "{older} {newer}"
            );
            assert_eq!(
                release(newer).cmp_version(&release(older)),
                Ordering::Greater
            );
        }
        assert_eq!(
            release("2026.011.23").cmp_version(&release("2026.11.23")),
            Ordering::Equal
        );
    }

    #[test]
    fn a_version_must_be_higher_and_without_versions_the_later_signing_wins() {
        let at = |version: &str, seconds: u64| Release {
            version: version.into(),
            signed: SigningTime(seconds),
        };
        assert!(at("1.10", 0).is_newer_than(&at("1.9", 5)));
        assert!(!at("1.9", 5).is_newer_than(&at("1.10", 0)));
        assert!(!at("1.10", 5).is_newer_than(&at("1.10", 0)));
        assert!(at("", 5).is_newer_than(&at("", 0)));
        assert!(!at("", 5).is_newer_than(&at("", 5)));
        assert!(!at("", 0).is_newer_than(&at("", 5)));
    }

    #[test]
    fn signing_times_are_written_and_read_back_exactly() {
        for (seconds, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_796_354_476, "2026-12-04T03:21:16Z"),
            (LAST_SECOND, "9999-12-31T23:59:59Z"),
        ] {
            let time = SigningTime::from_unix_seconds(seconds).unwrap();
            assert_eq!(time.to_string(), text);
            assert_eq!(SigningTime::parse(text), Some(time));
        }
        assert_eq!(SigningTime::from_unix_seconds(LAST_SECOND + 1), None);
        for bad in [
            "",
            "2026-12-04 03:21:16Z",
            "2026-12-04T03:21:16",
            "2026-12-04T03:21:16+01:00",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-00T00:00:00Z",
            "2026-12-04T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "+026-12-04T03:21:16Z",
        ] {
            assert_eq!(SigningTime::parse(bad), None, "{bad}");
        }
    }
}
