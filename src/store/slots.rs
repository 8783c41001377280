//! Leases on the slots of a limit shared by every instance on the store (NetSuite's account
//! concurrency): take a free or lapsed slot, renew it while the work runs, give it back.

use super::driver::{Driver, values};
use super::sql;
use super::sql_store::SqlStore;
use super::{SlotLease, StoreError};
use rand::seq::SliceRandom;

impl<D: Driver> SqlStore<D> {
    pub(super) async fn take_free_slot(
        &self,
        lease: &SlotLease,
        slots: u32,
        now_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        let held = self
            .driver()
            .query(sql::SLOTS_HELD, values![&lease.pool, now_ms])
            .await?;
        let held: Vec<i64> = held
            .iter()
            .map(|row| row.int(0))
            .collect::<Result<_, _>>()?;
        let mut free: Vec<u32> = (0..slots)
            .filter(|slot| !held.contains(&i64::from(*slot)))
            .collect();
        // Instances looking at once try the free slots in different orders.
        free.shuffle(&mut rand::rng());
        for slot in free {
            let taken = self
                .driver()
                .execute(
                    sql::TAKE_SLOT,
                    values![
                        &lease.pool,
                        i64::from(slot),
                        &lease.holder,
                        lease.until_ms,
                        now_ms
                    ],
                )
                .await?;
            if taken == 1 {
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }

    pub(super) async fn renew_held_slot(
        &self,
        lease: &SlotLease,
        slot: u32,
    ) -> Result<bool, StoreError> {
        let renewed = self
            .driver()
            .execute(
                sql::RENEW_SLOT,
                values![&lease.pool, i64::from(slot), &lease.holder, lease.until_ms],
            )
            .await?;
        Ok(renewed == 1)
    }

    pub(super) async fn release_held_slot(
        &self,
        lease: &SlotLease,
        slot: u32,
    ) -> Result<(), StoreError> {
        self.driver()
            .execute(
                sql::RELEASE_SLOT,
                values![&lease.pool, i64::from(slot), &lease.holder],
            )
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::backends;
    use super::*;

    #[tokio::test]
    async fn shared_slots_are_exclusive_until_released_or_lapsed() {
        for (store, _dir) in backends().await {
            let lease = |holder: &str, until_ms: i64| SlotLease {
                pool: "netsuite".into(),
                holder: holder.into(),
                until_ms,
            };
            let a = store.take_slot(&lease("a", 1_000), 2, 0).await.unwrap();
            let b = store.take_slot(&lease("b", 1_000), 2, 0).await.unwrap();
            let (Some(a), Some(b)) = (a, b) else {
                panic!("two free slots: {a:?} {b:?}, {}", store.backend());
            };
            assert_ne!(a, b);
            assert_eq!(
                store.take_slot(&lease("c", 1_000), 2, 500).await.unwrap(),
                None,
                "every slot is held"
            );
            // `a` renews; `b` gives its slot back, which `c` takes at once.
            assert!(store.renew_slot(&lease("a", 3_000), a).await.unwrap());
            store.release_slot(&lease("b", 0), b).await.unwrap();
            assert_eq!(
                store.take_slot(&lease("c", 2_000), 2, 600).await.unwrap(),
                Some(b)
            );
            // Past 2 000 `c` lapsed (`a` renewed to 3 000): `d` takes `c`'s slot, and `c` can
            // neither renew nor release it any more.
            assert_eq!(
                store.take_slot(&lease("d", 9_000), 2, 2_500).await.unwrap(),
                Some(b)
            );
            assert!(!store.renew_slot(&lease("c", 9_999), b).await.unwrap());
            store.release_slot(&lease("c", 0), b).await.unwrap();
            assert_eq!(
                store.take_slot(&lease("e", 9_000), 2, 2_600).await.unwrap(),
                None,
                "{}",
                store.backend()
            );
            // Another pool has slots of its own.
            let other = SlotLease {
                pool: "other".into(),
                ..lease("f", 1_000)
            };
            assert!(store.take_slot(&other, 1, 0).await.unwrap().is_some());
        }
    }
}
