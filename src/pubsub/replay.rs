//! Replay ids: opaque bytes to a client, a position in the event bus to the server. Salesforce
//! puts the position in the first eight bytes, big-endian, which is how clients print it.

/// The replay id bytes of position `position`.
pub fn encode(position: u64) -> Vec<u8> {
    position.to_be_bytes().to_vec()
}

/// The position a replay id holds, when it is one this server could have issued.
pub fn decode(bytes: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = bytes.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// How logs, metrics and dedupe keys show a replay id: the position in decimal when the id
/// is eight bytes, else its bytes in hex.
pub fn display(bytes: &[u8]) -> String {
    match decode(bytes) {
        Some(position) => position.to_string(),
        None => bytes.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_id_is_eight_big_endian_bytes_shown_in_decimal() {
        assert_eq!(encode(18_098_167), vec![0, 0, 0, 0, 1, 20, 39, 247]);
        assert_eq!(decode(&encode(42)), Some(42));
        assert_eq!(display(&encode(18_098_167)), "18098167");
        assert_eq!(decode(&[1, 2, 3]), None);
        assert_eq!(display(&[0x0a, 0xff]), "0aff");
    }
}
