//! Pub/Sub API replay checkpoints: per topic, the replay id of the last event whose change
//! events are durably queued. A restarted subscriber resumes right after it.

use super::StoreError;
use super::driver::{Driver, values};
use super::sql;
use super::sql_store::{SqlStore, corrupt, first, now_ms};

impl<D: Driver> SqlStore<D> {
    pub(super) async fn checkpoint(&self, topic: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self
            .driver()
            .query(sql::PUBSUB_CHECKPOINT, values![topic])
            .await?;
        let Some(hex) = first(rows, |row| row.text(0))? else {
            return Ok(None);
        };
        from_hex(&hex).map(Some)
    }

    pub(super) async fn keep_checkpoint(
        &self,
        topic: &str,
        replay_id: &[u8],
    ) -> Result<(), StoreError> {
        self.driver()
            .execute(
                sql::SAVE_PUBSUB_CHECKPOINT,
                values![topic, to_hex(replay_id), now_ms()],
            )
            .await
            .map(|_| ())
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Result<Vec<u8>, StoreError> {
    if !hex.len().is_multiple_of(2) {
        return Err(corrupt(format!("replay id {hex:?} is not hex")));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| corrupt(format!("replay id {hex:?} is not hex")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::backends;

    #[tokio::test]
    async fn a_checkpoint_is_kept_per_topic_and_replaced_by_the_next() {
        for (store, _dir) in backends().await {
            let backend = store.backend();
            let topic = "/data/AccountChangeEvent";
            assert_eq!(
                store.pubsub_checkpoint(topic).await.unwrap(),
                None,
                "{backend}"
            );
            store
                .save_pubsub_checkpoint(topic, &[0, 0, 0, 0, 0, 0, 1, 7])
                .await
                .unwrap();
            store
                .save_pubsub_checkpoint(topic, &[0, 0, 0, 0, 0, 0, 2, 0xff])
                .await
                .unwrap();
            assert_eq!(
                store.pubsub_checkpoint(topic).await.unwrap(),
                Some(vec![0, 0, 0, 0, 0, 0, 2, 0xff]),
                "{backend}"
            );
            assert_eq!(
                store
                    .pubsub_checkpoint("/data/ContactChangeEvent")
                    .await
                    .unwrap(),
                None,
                "{backend}"
            );
        }
    }
}
