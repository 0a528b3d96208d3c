//! Spreadsheet formula injection (OWASP "CSV Injection"): a downloaded cell that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel, LibreOffice and
//! Google Sheets. Downloads prefix such cells with a single quote, which spreadsheets show as
//! text; imports take that quote off again, so a download imports back to the same values.

const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// True when `cell`, after any number of leading quotes, starts with a formula trigger.
fn quoted_trigger(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(TRIGGERS)
}

/// The cell as written to a CSV download: one quote added before a formula trigger. A value that
/// already starts with quotes before a trigger gets one more, so `restore` is its exact inverse.
pub fn neutralise_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if quoted_trigger(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The value a CSV cell stands for: the quote a download added before a trigger is removed.
pub fn restore_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if quoted_trigger(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_is_quoted_and_plain_text_is_not() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x", "''-x"] {
            let written = neutralise_cell(cell);
            assert!(written.starts_with('\''), "{cell:?} -> {written:?}");
            assert_eq!(restore_cell(&written), cell);
        }
        for cell in ["ann", "", "'quoted'", "a=b", "ann@example.test", "'"] {
            assert_eq!(neutralise_cell(cell), cell);
            assert_eq!(restore_cell(cell), cell);
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::store::parse_csv;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Quoting and unquoting give back any value, and a quoted cell never starts a formula.
        #[test]
        fn quoting_round_trips_and_disarms(cell in "[=+\\-@\\t\\r' a-z]{0,12}|\\PC*") {
            let written = neutralise_cell(&cell);
            prop_assert!(!written.starts_with(TRIGGERS));
            prop_assert_eq!(restore_cell(&written), cell.as_str());
        }

        /// Arbitrary text given to the CSV import's parser: rows or a clear error, never a
        /// panic.
        #[test]
        fn any_text_is_parsed_or_refused_with_a_message(text in any::<String>()) {
            match parse_csv(&text) {
                Ok(table) => {
                    for (_, row) in &table.rows {
                        prop_assert_eq!(row.len(), table.headers.len());
                    }
                }
                Err(crate::store::Error::Invalid(fields)) => {
                    prop_assert!(!fields.is_empty() && !fields[0].message.is_empty());
                }
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }
}
