//! The bitmap form of a change event header's `changedFields`, `nulledFields` and
//! `diffFields` in Pub/Sub API payloads: the first entry is `0x` and the hex of a bit set whose
//! bit *i* (least significant first) names the schema's field *i*; an entry `<i>-0x…` names
//! fields of the compound field at position *i* (`BillingAddress.City`).

/// The bitmap entry naming the fields at `positions` (top level).
pub fn encode(positions: &[usize]) -> Option<String> {
    let highest = positions.iter().max()?;
    let mut bytes = vec![0u8; highest / 8 + 1];
    let last = bytes.len() - 1;
    for position in positions {
        bytes[last - position / 8] |= 1 << (position % 8);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    Some(format!("0x{hex}"))
}

/// The field names a list of bitmap entries stands for, given the schema's top-level field
/// names and, for compound fields, their nested field names. Entries that are already names
/// (as the Streaming API sends them) are kept as they are.
pub fn decode(
    entries: &[String],
    fields: &[String],
    nested: impl Fn(usize) -> Option<Vec<String>>,
) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for entry in entries {
        if let Some(hex) = entry.strip_prefix("0x") {
            names.extend(named(hex, fields)?);
        } else if let Some((parent, hex)) = entry.split_once("-0x") {
            let position: usize = parent
                .parse()
                .map_err(|_| format!("bitmap entry {entry:?} has no parent position"))?;
            let parent_name = fields
                .get(position)
                .ok_or_else(|| format!("bitmap entry {entry:?} names no field"))?;
            let children =
                nested(position).ok_or_else(|| format!("{parent_name} is not a compound field"))?;
            names.extend(
                named(hex, &children)?
                    .into_iter()
                    .map(|child| format!("{parent_name}.{child}")),
            );
        } else {
            names.push(entry.clone());
        }
    }
    Ok(names)
}

/// The names at the positions whose bits are set in `hex`.
fn named(hex: &str, fields: &[String]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for (digit_from_right, digit) in hex.chars().rev().enumerate() {
        let value = digit
            .to_digit(16)
            .ok_or_else(|| format!("{hex:?} is not hexadecimal"))?;
        for bit in 0..4usize {
            if value & (1 << bit) != 0 {
                let position = digit_from_right * 4 + bit;
                let name = fields
                    .get(position)
                    .ok_or_else(|| format!("bit {position} of 0x{hex} names no field"))?;
                names.push(name.clone());
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("F{i}")).collect()
    }

    #[test]
    fn positions_encode_as_salesforce_writes_them_and_decode_back_to_names() {
        assert_eq!(encode(&[9, 10, 11, 12]).unwrap(), "0x1E00");
        assert_eq!(encode(&[1]).unwrap(), "0x02");
        assert_eq!(encode(&[]), None);
        let names = decode(&["0x1E00".into()], &fields(16), |_| None).unwrap();
        assert_eq!(names, ["F9", "F10", "F11", "F12"]);
    }

    #[test]
    fn a_compound_entry_names_nested_fields_under_their_parent() {
        let mut top = fields(4);
        top[3] = "BillingAddress".into();
        let nested =
            |position: usize| (position == 3).then(|| vec!["Street".to_owned(), "City".to_owned()]);
        let names = decode(&["0x01".into(), "3-0x02".into()], &top, nested).unwrap();
        assert_eq!(names, ["F0", "BillingAddress.City"]);
    }

    #[test]
    fn a_bit_past_the_schema_is_an_error_and_plain_names_pass_through() {
        assert!(decode(&["0x10".into()], &fields(2), |_| None).is_err());
        let names = decode(&["Name".into()], &fields(2), |_| None).unwrap();
        assert_eq!(names, ["Name"]);
    }
}
