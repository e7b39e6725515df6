//! Human-friendly value types of the configuration: sizes (`"2MiB"`) and durations (`"10s"`).

use std::fmt;
use std::time::Duration;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A size in bytes: an integer, or a string with a unit (`"512"`, `"16KiB"`, `"2MiB"`, `"1GB"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

/// A duration: whole seconds as an integer, or a string with a unit (`"500ms"`, `"10s"`,
/// `"2m"`, `"1h"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

const SIZE_UNITS: [(&str, u64); 9] = [
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("KB", 1_000),
    ("kB", 1_000),
    ("B", 1),
    ("", 1),
];

impl ByteSize {
    /// Parses `"16KiB"`, `"2 MiB"`, `"1000"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        for (unit, factor) in SIZE_UNITS {
            if let Some(number) = text.strip_suffix(unit) {
                let number = number.trim();
                if let Ok(n) = number.parse::<u64>() {
                    return n
                        .checked_mul(factor)
                        .map(ByteSize)
                        .ok_or_else(|| format!("`{text}` is too large"));
                }
            }
        }
        Err(format!(
            "`{text}` is not a size: write bytes as an integer or with a unit (KiB, MiB, GiB, KB, MB, GB)"
        ))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (unit, factor) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if self.0 >= factor && self.0.is_multiple_of(factor) {
                return write!(f, "{}{unit}", self.0 / factor);
            }
        }
        write!(f, "{}", self.0)
    }
}

/// Builds a duration from a count of some unit, `None` on overflow.
type MakeDuration = fn(u64) -> Option<Duration>;

impl HumanDuration {
    /// Parses `"500ms"`, `"10s"`, `"2m"`, `"1h"`, `"30d"` or whole seconds (`"30"`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let units: [(&str, MakeDuration); 6] = [
            ("ms", |n| Some(Duration::from_millis(n))),
            ("s", |n| Some(Duration::from_secs(n))),
            ("m", |n| n.checked_mul(60).map(Duration::from_secs)),
            ("h", |n| n.checked_mul(3600).map(Duration::from_secs)),
            ("d", |n| n.checked_mul(86_400).map(Duration::from_secs)),
            ("", |n| Some(Duration::from_secs(n))),
        ];
        for (unit, make) in units {
            if let Some(number) = text.strip_suffix(unit)
                && let Ok(n) = number.trim().parse::<u64>()
            {
                return make(n)
                    .map(HumanDuration)
                    .ok_or_else(|| format!("`{text}` is too long"));
            }
        }
        Err(format!(
            "`{text}` is not a duration: write seconds as an integer or with a unit (ms, s, m, h, d)"
        ))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() != 0 {
            return write!(f, "{}ms", d.as_millis());
        }
        let s = d.as_secs();
        match s {
            s if s != 0 && s.is_multiple_of(86_400) => write!(f, "{}d", s / 86_400),
            s if s != 0 && s.is_multiple_of(3600) => write!(f, "{}h", s / 3600),
            s if s != 0 && s.is_multiple_of(60) => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

/// Deserializes from an integer or a string through `parse`.
struct IntOrText<T>(fn(&str) -> Result<T, String>, fn(u64) -> T, &'static str);

impl<T> Visitor<'_> for IntOrText<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.2)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok((self.1)(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        u64::try_from(v)
            .map(self.1)
            .map_err(|_| E::custom(format!("{v} is negative")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntOrText(
            ByteSize::parse,
            ByteSize,
            "a size (bytes, or a string like \"16KiB\")",
        ))
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntOrText(
            HumanDuration::parse,
            |s| HumanDuration(Duration::from_secs(s)),
            "a duration (seconds, or a string like \"10s\" or \"500ms\")",
        ))
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(ByteSize::parse("2MiB"), Ok(ByteSize(2 << 20)));
        assert_eq!(ByteSize::parse("16 KiB"), Ok(ByteSize(16 << 10)));
        assert_eq!(ByteSize::parse("1GB"), Ok(ByteSize(1_000_000_000)));
        assert_eq!(ByteSize::parse("512"), Ok(ByteSize(512)));
        assert!(ByteSize::parse("2 furlongs").is_err());
        assert!(ByteSize::parse("-1").is_err());
        assert!(ByteSize::parse("99999999999999GiB").is_err());
        assert_eq!(ByteSize(2 << 20).to_string(), "2MiB");
        assert_eq!(ByteSize(1000).to_string(), "1000");
    }

    #[test]
    fn durations() {
        assert_eq!(
            HumanDuration::parse("500ms"),
            Ok(HumanDuration(Duration::from_millis(500)))
        );
        assert_eq!(
            HumanDuration::parse("10s"),
            Ok(HumanDuration(Duration::from_secs(10)))
        );
        assert_eq!(
            HumanDuration::parse("2m"),
            Ok(HumanDuration(Duration::from_secs(120)))
        );
        assert_eq!(
            HumanDuration::parse("1h"),
            Ok(HumanDuration(Duration::from_secs(3600)))
        );
        assert_eq!(
            HumanDuration::parse("30"),
            Ok(HumanDuration(Duration::from_secs(30)))
        );
        assert!(HumanDuration::parse("soon").is_err());
        assert!(HumanDuration::parse("1.5s").is_err());
        assert_eq!(
            HumanDuration::parse("30d"),
            Ok(HumanDuration(Duration::from_secs(30 * 86_400)))
        );
        for text in ["500ms", "10s", "2m", "1h", "30d", "0s"] {
            assert_eq!(HumanDuration::parse(text).unwrap().to_string(), text);
        }
    }
}
