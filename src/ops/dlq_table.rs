//! The table `tandem dlq list` prints: one line a letter, columns padded to fit, long reasons
//! cut short (`tandem dlq show <id>` has the whole letter).

use super::dead_letter_view::DeadLetterView;

const HEADER: [&str; 7] = [
    "ID",
    "STATUS",
    "FAILED AT",
    "ATTEMPTS",
    "RECORD",
    "EVENT",
    "REASON",
];
/// Characters of the reason shown.
const REASON_WIDTH: usize = 72;

pub(super) fn render(letters: &[DeadLetterView]) -> String {
    if letters.is_empty() {
        return "no dead letters".to_owned();
    }
    let rows: Vec<[String; 7]> = letters
        .iter()
        .map(|letter| {
            [
                letter.id.to_string(),
                letter.status.as_str().to_owned(),
                letter.failed_at.format("%Y-%m-%d %H:%M:%SZ").to_string(),
                letter.attempts.to_string(),
                letter.record_key.clone(),
                letter.event_id.clone(),
                shorten(&letter.reason),
            ]
        })
        .collect();
    let mut widths = HEADER.map(|title| title.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_owned);
    std::iter::once(&header)
        .chain(&rows)
        .map(|row| line(row, &widths))
        .collect::<Vec<_>>()
        .join("\n")
}

fn line(cells: &[String; 7], widths: &[usize; 7]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(cell, width)| format!("{cell:<width$}"))
        .collect();
    padded.join("  ").trim_end().to_owned()
}

/// The reason on one line, at most `REASON_WIDTH` characters.
fn shorten(reason: &str) -> String {
    let one_line = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= REASON_WIDTH {
        return one_line;
    }
    let cut: String = one_line.chars().take(REASON_WIDTH - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_reason_is_cut_to_one_short_line() {
        let reason = format!("netsuite 503:\n{}", "x".repeat(200));
        let short = shorten(&reason);
        assert_eq!(short.chars().count(), REASON_WIDTH);
        assert!(short.starts_with("netsuite 503: x") && short.ends_with('…'));
        assert_eq!(shorten("brief"), "brief");
    }

    #[test]
    fn no_letters_reads_as_a_sentence() {
        assert_eq!(render(&[]), "no dead letters");
    }
}
