//! The attributes of custom object types (`key: type` lines) and the values of their objects
//! (`key=value` lines): read, bounded, kept in one form, and fitted to each other.
use crate::model::parse_flag;

/// Most attributes one type declares, and most values one object holds.
pub const MAX_CUSTOM_KEYS: usize = 50;
const MAX_KEY_CHARS: usize = 50;
const MAX_VALUE_CHARS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Flag,
    Date,
}

impl Kind {
    const ALL: [(Kind, &'static str); 4] = [
        (Kind::Text, "text"),
        (Kind::Number, "number"),
        (Kind::Flag, "flag"),
        (Kind::Date, "date"),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, n)| *n)
            .unwrap_or("text")
    }

    /// The value in its kept form, or why it is not one of this kind.
    fn value(self, text: &str) -> Result<String, String> {
        match self {
            Kind::Text => Ok(text.to_string()),
            Kind::Number => text
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|_| text.to_string())
                .ok_or_else(|| format!("{text:?} is not a number")),
            Kind::Flag => parse_flag(text)
                .map(|f| f.to_string())
                .ok_or_else(|| format!("{text:?} is not a yes/no value")),
            Kind::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.format("%Y-%m-%d").to_string())
                .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)")),
        }
    }
}

/// One declared attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    key: String,
    kind: Kind,
    required: bool,
}

fn check_key(key: &str) -> Result<(), String> {
    let mut chars = key.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !starts
        || key.chars().count() > MAX_KEY_CHARS
        || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(format!(
            "{key:?} is not an attribute key: start with a letter, then letters, digits or _ \
             (at most {MAX_KEY_CHARS})."
        ));
    }
    Ok(())
}

/// Non-empty lines, bounded in number.
fn lines(text: &str) -> Result<Vec<&str>, String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > MAX_CUSTOM_KEYS {
        return Err(format!("Give at most {MAX_CUSTOM_KEYS} lines."));
    }
    Ok(lines)
}

/// Reads `key: type [required]` lines.
pub fn parse_spec(text: &str) -> Result<Vec<Declared>, String> {
    let mut out: Vec<Declared> = Vec::new();
    for line in lines(text)? {
        let (key, rest) = line
            .split_once(':')
            .ok_or_else(|| format!("{line:?} is not “key: type”."))?;
        let key = key.trim();
        check_key(key)?;
        let mut words = rest.split_whitespace();
        let kind_word = words.next().unwrap_or_default().to_lowercase();
        let kind = Kind::ALL
            .iter()
            .find(|(_, n)| *n == kind_word)
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                format!("{kind_word:?} is not a type; use text, number, flag or date.")
            })?;
        let required = match words.next().map(str::to_lowercase).as_deref() {
            None => false,
            Some("required") => true,
            Some(other) => {
                return Err(format!(
                    "{other:?} after the type: only “required” may follow."
                ))
            }
        };
        if out.iter().any(|d| d.key.eq_ignore_ascii_case(key)) {
            return Err(format!("{key:?} is declared twice."));
        }
        out.push(Declared {
            key: key.to_string(),
            kind,
            required,
        });
    }
    Ok(out)
}

/// Declarations in their kept form: one `key: type` line each.
pub fn spec_text(spec: &[Declared]) -> String {
    spec.iter()
        .map(|d| {
            let required = if d.required { " required" } else { "" };
            format!("{}: {}{required}", d.key, d.kind.name())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads `key=value` lines (each key once).
pub fn parse_values(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines(text)? {
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("{line:?} is not “key=value”."))?;
        let (key, value) = (key.trim(), value.trim());
        check_key(key)?;
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(format!(
                "The value of {key:?} is over {MAX_VALUE_CHARS} characters."
            ));
        }
        if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(format!("{key:?} is given twice."));
        }
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

/// Values fitted to a type: in its order and spelling, each of its kind, required ones
/// present; the kept `key=value` text, or every reason they do not fit.
pub fn fit(spec: &[Declared], values: &[(String, String)]) -> Result<String, Vec<String>> {
    let mut problems = Vec::new();
    for (key, _) in values {
        if !spec.iter().any(|d| d.key.eq_ignore_ascii_case(key)) {
            let keys: Vec<&str> = spec.iter().map(|d| d.key.as_str()).collect();
            problems.push(match keys.is_empty() {
                true => format!("{key:?} is not an attribute of this type (it has none)"),
                false => format!(
                    "{key:?} is not an attribute of this type ({})",
                    keys.join(", ")
                ),
            });
        }
    }
    let mut kept = Vec::new();
    for declared in spec {
        let given = values
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&declared.key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty());
        match given {
            None if declared.required => problems.push(format!("{} is required", declared.key)),
            None => {}
            Some(value) => match declared.kind.value(value) {
                Ok(value) => kept.push(format!("{}={value}", declared.key)),
                Err(problem) => problems.push(format!("{}: {problem}", declared.key)),
            },
        }
    }
    match problems.is_empty() {
        true => Ok(kept.join("\n")),
        false => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_is_read_in_one_form_and_bad_lines_are_named() {
        let spec = parse_spec("seats: NUMBER required\n\nexpires:date\nvendor: text").unwrap();
        assert_eq!(
            spec_text(&spec),
            "seats: number required\nexpires: date\nvendor: text"
        );
        assert!(parse_spec("seats number")
            .unwrap_err()
            .contains("key: type"));
        assert!(parse_spec("seats: money").unwrap_err().contains("money"));
        assert!(parse_spec("1st: text").unwrap_err().contains("letter"));
        assert!(parse_spec("a: text\nA: flag")
            .unwrap_err()
            .contains("twice"));
        let many = (0..=MAX_CUSTOM_KEYS)
            .map(|i| format!("k{i}: text"))
            .collect::<Vec<_>>();
        assert!(parse_spec(&many.join("\n")).is_err());
    }

    #[test]
    fn values_fit_their_type_in_its_order_or_say_why_not() {
        let spec = parse_spec("seats: number required\nexpires: date\nactive: flag").unwrap();
        let values = parse_values("ACTIVE = yes\nseats=25").unwrap();
        assert_eq!(fit(&spec, &values).unwrap(), "seats=25\nactive=true");
        let bad = parse_values("seats=many\ncolour=red\nexpires=31/12/2026").unwrap();
        let problems = fit(&spec, &bad).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("colour"));
        let missing = fit(&spec, &parse_values("active=no").unwrap()).unwrap_err();
        assert_eq!(missing, ["seats is required"]);
        assert!(parse_values("seats=1\nseats=2").is_err());
        assert!(parse_values("just text").is_err());
    }
}
