//! Keeping the overview live without reloading: a small inline script fetches the overview's
//! panel every few seconds and swaps it in. Polling rather than server-sent events: a page left
//! open all day then holds no request open, so it neither counts against
//! `server.max_in_flight` nor holds up a graceful shutdown.

use super::errors::PageError;
use super::guard::Viewer;
use super::overview;
use crate::http::AppState;
use axum::Extension;
use axum::extract::State;
use axum::response::Html;

/// How often the page asks, in milliseconds.
pub const INTERVAL_MS: u32 = 3000;

/// The one script of the ops page (its hash is in the Content-Security-Policy).
pub const SCRIPT: &str = "(function(){\
var panel=document.getElementById('live');if(!panel)return;\
var status=document.getElementById('live-status');\
function tick(){fetch(panel.dataset.src,{credentials:'same-origin',redirect:'manual',cache:'no-store'})\
.then(function(r){if(r.ok){return r.text().then(function(t){panel.innerHTML=t;\
status.textContent='live, updated '+new Date().toLocaleTimeString();status.className='';});}\
status.textContent='session ended: log in again';status.className='bad';})\
.catch(function(){status.textContent='tandem is not answering';status.className='bad';});}\
setInterval(tick,Number(panel.dataset.interval)||3000);})();";

/// `GET /ops/overview`: the overview's panel alone, for the script.
pub async fn panel(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>, PageError> {
    Ok(Html(overview::panel(&state, &viewer).await?.into_string()))
}
