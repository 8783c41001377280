//! Salesforce record ids: the case-sensitive 15-character form, the 18-character form with its
//! case-folding checksum, and the emulated org's id generator.

/// Digits in ASCII order, so fixed-width ids sort in the order they were issued.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/// After the 3-character key prefix: the pod ("5e") and a 10-digit sequence.
const POD: &str = "5e";
const SEQUENCE_DIGITS: u32 = 10;

/// The 3-character suffix of an 18-character id: one character per 5-character chunk, whose
/// bits say which of the chunk's characters are upper case.
pub fn checksum(id15: &str) -> String {
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let flags = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |flags, (i, _)| flags | (1 << i));
            CHECKSUM[flags] as char
        })
        .collect()
}

/// A 15- or 18-character id in its 18-character form; `None` when it is not a well-formed id
/// (wrong length, a character outside `[A-Za-z0-9]`, or an 18-character id whose checksum does
/// not match its first 15 characters).
pub fn normalize(text: &str) -> Option<String> {
    if !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match text.len() {
        15 => Some(format!("{text}{}", checksum(text))),
        18 if checksum(&text[..15]) == text[15..] => Some(text.to_owned()),
        _ => None,
    }
}

/// The 18-character id with `prefix` for sequence number `n`.
pub fn make(prefix: &str, n: u64) -> String {
    let mut digits = vec![b'0'; SEQUENCE_DIGITS as usize];
    let mut rest = n % 62u64.pow(SEQUENCE_DIGITS);
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(rest % 62) as usize];
        rest /= 62;
    }
    let id15 = format!("{prefix}{POD}{}", String::from_utf8_lossy(&digits));
    let suffix = checksum(&id15);
    format!("{id15}{suffix}")
}

/// Where a fresh org starts numbering: random, so two sandbox runs never hand out the same
/// ids (a real org never reuses one), and small enough to keep the leading zeros real ids have.
pub fn first_sequence() -> u64 {
    rand::random_range(62u64.pow(5)..62u64.pow(7))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_matches_ids_salesforce_issued() {
        assert_eq!(
            normalize("0019000001KwyWt").as_deref(),
            Some("0019000001KwyWtAAJ")
        );
        assert_eq!(
            normalize("00190000001pPvH").as_deref(),
            Some("00190000001pPvHAAU")
        );
        assert_eq!(
            normalize("0055e000000TndmAAC").as_deref(),
            Some("0055e000000TndmAAC")
        );
    }

    #[test]
    fn ids_with_a_wrong_checksum_or_length_or_character_are_malformed() {
        assert_eq!(normalize("001900K0001pPuOAAU"), None);
        assert_eq!(normalize("0019000001KwyW"), None);
        assert_eq!(normalize("0019000001Kwy-t"), None);
    }

    #[test]
    fn issued_ids_are_well_formed_and_sort_in_issue_order() {
        let first = make("001", 3_843);
        let second = make("001", 3_844);
        assert_eq!(first.len(), 18);
        assert!(first.starts_with("0015e"));
        assert_eq!(normalize(&first), Some(first.clone()));
        assert!(first < second);
    }
}
