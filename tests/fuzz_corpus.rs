//! Replays every input the fuzzers kept (`fuzz/corpus/<target>/`, grown by AFL++ runs) and
//! every crash they found (`fuzz/regressions/<target>/`) through the same target functions:
//! each input must be handled — accepted or refused — without a panic.

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::path::Path;

/// A target's name (its directory) and what it does with one input.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 5] = [
    ("soap", targets::soap),
    ("json_event", targets::json_event),
    ("mapping", targets::mapping),
    ("mapping_file", targets::mapping_file),
    ("config", targets::config),
];

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn every_kept_input_is_handled_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, target) in TARGETS {
        let corpus = inputs(&root.join("corpus").join(name));
        let regressions = inputs(&root.join("regressions").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} holds no inputs");
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).unwrap();
            let handled = std::panic::catch_unwind(|| target(&data));
            assert!(handled.is_ok(), "{name}: {} panicked", path.display());
        }
        println!(
            "{name}: {} corpus inputs, {} regressions",
            corpus.len(),
            regressions.len()
        );
    }
}
