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
