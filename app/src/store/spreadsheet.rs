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
