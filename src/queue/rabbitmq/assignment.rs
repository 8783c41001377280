//! Which shards an instance consumes, given the live members: a pure function of the sorted
//! member ids, so every instance that sees the same members computes the same split. Shard
//! `s` goes to the `s mod n`-th member, which gives each of `n` members ⌊shards/n⌋ or
//! ⌈shards/n⌉ shards and never gives one shard to two members.

/// The shards `me` consumes among `members` (any order, duplicates ignored); none when `me` is
/// not among them.
pub(super) fn assigned(shards: u16, members: &[String], me: &str) -> Vec<u16> {
    let mut sorted: Vec<&str> = members.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let Some(position) = sorted.iter().position(|member| *member == me) else {
        return Vec::new();
    };
    let count = sorted.len();
    (0..shards)
        .filter(|shard| usize::from(*shard) % count == position)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("member-{i:02}")).collect()
    }

    #[test]
    fn every_shard_goes_to_exactly_one_member_and_each_holds_within_one_of_the_average() {
        for shards in [1u16, 2, 7, 8, 64] {
            for n in 1..=10 {
                let all = members(n);
                let split: Vec<Vec<u16>> = all.iter().map(|m| assigned(shards, &all, m)).collect();
                let mut seen: Vec<u16> = split.iter().flatten().copied().collect();
                seen.sort_unstable();
                assert_eq!(
                    seen,
                    (0..shards).collect::<Vec<_>>(),
                    "{shards} shards, {n}"
                );
                let low = usize::from(shards) / n;
                for held in &split {
                    assert!(
                        held.len() == low || held.len() == low + 1,
                        "{shards} shards over {n}: {split:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_split_does_not_depend_on_the_order_the_members_are_listed_in() {
        let all = members(3);
        let mut reversed = all.clone();
        reversed.reverse();
        let mut shuffled = vec![
            all[1].clone(),
            all[2].clone(),
            all[0].clone(),
            all[1].clone(),
        ];
        for me in &all {
            let expected = assigned(8, &all, me);
            assert_eq!(assigned(8, &reversed, me), expected);
            shuffled.rotate_left(1);
            assert_eq!(assigned(8, &shuffled, me), expected);
        }
        assert_eq!(assigned(8, &all, "member-00"), vec![0, 3, 6]);
    }

    #[test]
    fn a_lone_member_holds_every_shard_and_a_stranger_none() {
        let alone = members(1);
        assert_eq!(assigned(8, &alone, "member-00"), (0..8).collect::<Vec<_>>());
        assert!(assigned(8, &alone, "not-a-member").is_empty());
        assert!(assigned(8, &[], "member-00").is_empty());
    }
}
