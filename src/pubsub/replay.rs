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

/// A replay id as a checkpoint keeps it: every byte in hex, so any id comes back as it was.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The replay id a checkpoint kept with [`to_hex`]; `None` when `hex` is not one.
pub fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// The store checkpoint that keeps `topic`'s replay id.
pub fn checkpoint_name(topic: &str) -> String {
    format!("pubsub:{topic}")
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

    #[test]
    fn a_checkpoint_keeps_any_replay_id_in_hex_and_reads_it_back() {
        let id = vec![0, 0, 0, 0, 0, 0, 2, 0xff, 0x10];
        assert_eq!(to_hex(&id), "00000000000002ff10");
        assert_eq!(from_hex(&to_hex(&id)), Some(id));
        assert_eq!(from_hex(""), Some(Vec::new()));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("é0"), None);
        assert_eq!(
            checkpoint_name("/data/AccountChangeEvent"),
            "pubsub:/data/AccountChangeEvent"
        );
    }
}
