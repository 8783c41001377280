//! Membership of the instances consuming one RabbitMQ topology: each heartbeats a row, the rows
//! seen recently are the live members, and a stopping instance deletes its own. The shards are
//! shared out from this list (`queue::rabbitmq::membership`).

use super::StoreError;
use super::driver::{Driver, values};
use super::sql;
use super::sql_store::SqlStore;

impl<D: Driver> SqlStore<D> {
    pub(super) async fn beat(
        &self,
        prefix: &str,
        member: &str,
        now_ms: i64,
        live_since_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        self.driver()
            .execute(sql::HEARTBEAT_MEMBER, values![prefix, member, now_ms])
            .await?;
        // A row not live any more belongs to an instance that died (or stalls): the next
        // heartbeat of a stalled one writes it again.
        self.driver()
            .execute(sql::PRUNE_MEMBERS, values![prefix, live_since_ms])
            .await?;
        let rows = self
            .driver()
            .query(sql::LIVE_MEMBERS, values![prefix, live_since_ms])
            .await?;
        rows.iter().map(|row| row.text(0)).collect()
    }

    pub(super) async fn leave(&self, prefix: &str, member: &str) -> Result<(), StoreError> {
        self.driver()
            .execute(sql::REMOVE_MEMBER, values![prefix, member])
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::backends;

    #[tokio::test]
    async fn members_are_live_while_they_heartbeat_and_gone_once_they_leave() {
        for (store, _dir) in backends().await {
            let backend = store.backend();
            assert_eq!(
                store.heartbeat_member("t", "b", 1_000, 0).await.unwrap(),
                vec!["b".to_owned()]
            );
            assert_eq!(
                store.heartbeat_member("t", "a", 1_500, 0).await.unwrap(),
                vec!["a".to_owned(), "b".to_owned()],
                "sorted, {backend}"
            );
            // Another topology's members are not this one's.
            assert_eq!(
                store.heartbeat_member("u", "c", 1_500, 0).await.unwrap(),
                vec!["c".to_owned()]
            );
            // `b` last beat at 1 000: at a live window starting at 1 200 only `a` is left.
            assert_eq!(
                store
                    .heartbeat_member("t", "a", 4_000, 1_200)
                    .await
                    .unwrap(),
                vec!["a".to_owned()],
                "{backend}"
            );
            // A stalled member that beats again is back.
            assert_eq!(
                store
                    .heartbeat_member("t", "b", 4_100, 1_200)
                    .await
                    .unwrap(),
                vec!["a".to_owned(), "b".to_owned()]
            );
            store.leave_members("t", "a").await.unwrap();
            assert_eq!(
                store
                    .heartbeat_member("t", "b", 4_200, 1_200)
                    .await
                    .unwrap(),
                vec!["b".to_owned()],
                "{backend}"
            );
        }
    }
}
