//! NetSuite's currencies, found by ISO code among the account's own currency records (their
//! internal ids differ from one account to the next) and cached; `[currencies]` overrides win.

use super::context::SyncContext;
use super::fields::text;
use super::outcome::SyncError;
use crate::connectors::netsuite::SuiteQl;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How old the cache may be before a code it lacks makes tandem read the currencies again
/// (someone added a currency in NetSuite).
const REFRESH_AFTER: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Currency {
    id: String,
    symbol: String,
    base: bool,
}

/// The account's currency records, read once and kept.
#[derive(Debug, Default)]
pub struct Currencies {
    known: Mutex<Option<(Instant, Vec<Currency>)>>,
}

impl Currencies {
    /// The internal id of the currency with ISO code `iso`, or `None` when the account has none.
    pub async fn id_of(&self, ctx: &SyncContext, iso: &str) -> Result<Option<String>, SyncError> {
        let iso = iso.trim().to_ascii_uppercase();
        if let Some(id) = ctx.mapping.currency(&iso).and_then(|o| o.currency.clone()) {
            return Ok(Some(id));
        }
        self.find(ctx, |c| c.symbol == iso)
            .await
            .map(|c| c.map(|c| c.id))
    }

    /// The ISO code of the currency with internal id `id`.
    pub async fn iso_of(&self, ctx: &SyncContext, id: &str) -> Result<Option<String>, SyncError> {
        if let Some((iso, _)) = ctx
            .mapping
            .currencies()
            .find(|(_, o)| o.currency.as_deref() == Some(id))
        {
            return Ok(Some(iso.to_owned()));
        }
        self.find(ctx, |c| c.id == id)
            .await
            .map(|c| c.map(|c| c.symbol))
    }

    /// The ISO code of the account's base currency.
    pub async fn base_iso(&self, ctx: &SyncContext) -> Result<Option<String>, SyncError> {
        self.find(ctx, |c| c.base)
            .await
            .map(|c| c.map(|c| c.symbol))
    }

    async fn find(
        &self,
        ctx: &SyncContext,
        wanted: impl Fn(&Currency) -> bool,
    ) -> Result<Option<Currency>, SyncError> {
        let mut known = self.known.lock().await;
        if let Some((loaded, currencies)) = known.as_ref() {
            if let Some(found) = currencies.iter().find(|c| wanted(c)) {
                return Ok(Some(found.clone()));
            }
            if loaded.elapsed() < REFRESH_AFTER {
                return Ok(None);
            }
        }
        let currencies = read(ctx).await?;
        let found = currencies.iter().find(|c| wanted(c)).cloned();
        *known = Some((Instant::now(), currencies));
        Ok(found)
    }
}

async fn read(ctx: &SyncContext) -> Result<Vec<Currency>, SyncError> {
    let query = SuiteQl::select("currency", &["id", "symbol", "isbasecurrency"]);
    let rows = ctx.netsuite.suiteql(&query).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some(Currency {
                id: text(row, "id")?,
                symbol: text(row, "symbol")?.to_ascii_uppercase(),
                base: matches!(text(row, "isbasecurrency").as_deref(), Some("T" | "true")),
            })
        })
        .collect())
}
