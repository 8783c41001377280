//! The ops page in a real browser: headless Chromium, driven over WebDriver by chromedriver,
//! against the real `tandem serve` and `tandem sandbox` binaries over real sockets; and the
//! page's refusals (CSRF, surfaces, missing token) against the real binary.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "../api/sandbox_binary.rs"]
mod sandbox_binary;

mod actions;
mod chrome;
mod forms;
mod operator;
mod reconcile;
mod refusals;
mod scale;
mod stack;
