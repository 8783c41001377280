//! target/bench/perf.json: every figure a run printed, merged section by section into the file
//! the last run left (so `scripts/bench soak` adds to the default run's figures), and the
//! printed tables' cell formats.

use serde_json::{Map, Value};
use std::path::PathBuf;

pub fn path() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/perf.json")
}

pub struct Report(Value);

impl Report {
    pub fn load() -> Report {
        let old = std::fs::read_to_string(path())
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .filter(Value::is_object)
            .unwrap_or_else(|| Value::Object(Map::new()));
        Report(old)
    }

    /// Sets the value at `keys`, making objects on the way.
    pub fn set(&mut self, keys: &[&str], value: Value) {
        let mut node = &mut self.0;
        for key in &keys[..keys.len() - 1] {
            if !node.get(*key).is_some_and(Value::is_object) {
                node[*key] = Value::Object(Map::new());
            }
            node = &mut node[*key];
        }
        node[keys[keys.len() - 1]] = value;
    }

    pub fn number(&self, keys: &[&str]) -> Option<f64> {
        keys.iter()
            .try_fold(&self.0, |node, key| node.get(*key))
            .and_then(Value::as_f64)
    }

    pub fn save(&self) {
        let path = path();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let text = serde_json::to_string_pretty(&self.0).expect("JSON");
        std::fs::write(&path, text).expect("write target/bench/perf.json");
    }
}

/// A figure for a table cell: `—` when not measured.
pub fn cell(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "—".into()
    }
}

/// `met` or `NOT met` against a target.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
