//! Checkpoints: saved, replaced, read back by name and cleared, on both backends.

use super::tests::backends;

#[tokio::test]
async fn a_checkpoint_is_replaced_by_the_next_save_and_gone_once_cleared() {
    for (store, _dir) in backends().await {
        let backend = store.backend();
        assert_eq!(store.checkpoint("backfill:a").await.unwrap(), None);
        store
            .save_checkpoint("backfill:a", "001A", 1)
            .await
            .unwrap();
        store.save_checkpoint("backfill:b", "7", 1).await.unwrap();
        store
            .save_checkpoint("backfill:a", "001B", 2)
            .await
            .unwrap();
        assert_eq!(
            store.checkpoint("backfill:a").await.unwrap().as_deref(),
            Some("001B"),
            "{backend}"
        );
        store.clear_checkpoint("backfill:a").await.unwrap();
        assert_eq!(store.checkpoint("backfill:a").await.unwrap(), None);
        assert_eq!(
            store.checkpoint("backfill:b").await.unwrap().as_deref(),
            Some("7"),
            "another job's checkpoint stays, {backend}"
        );
    }
}
