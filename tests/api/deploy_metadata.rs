//! The metadata projects under `deploy/` against the shipped mapping: every custom field tandem
//! reads or writes exists in the Salesforce and NetSuite projects with a fitting type, nothing
//! there is unused, the Salesforce automation sends what tandem reads, the Apex relay's expected
//! signatures are the Standard Webhooks vectors, and every XML file parses.

mod mapped;
mod netsuite;
mod salesforce;
mod salesforce_automation;
mod vectors;
mod xml;

use std::path::{Path, PathBuf};
use tandem::domain::mapping::Mapping;

pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped `mapping.toml`, through tandem's own loader.
pub fn shipped_mapping() -> Mapping {
    let path = repository().join("mapping.toml");
    Mapping::load(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The Salesforce project's `force-app/main/default`.
pub fn salesforce_source() -> PathBuf {
    repository().join("deploy/salesforce/force-app/main/default")
}

/// Parses an XML file, failing the test with the file's name and the problem.
pub fn load_xml(path: &Path) -> xml::Element {
    xml::load(path).unwrap_or_else(|error| panic!("{error}"))
}

/// The files under `dir` (recursively) whose name ends with `suffix`, sorted.
pub fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("{}: cannot be listed: {error}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_xml_file_under_deploy_parses() {
    let all = files(&repository().join("deploy"), ".xml");
    let salesforce = salesforce_source();
    assert!(
        all.iter().any(|path| path.starts_with(&salesforce)),
        "no XML found under {}",
        salesforce.display()
    );
    let broken: Vec<String> = all
        .iter()
        .filter_map(|path| xml::load(path).err())
        .collect();
    assert!(
        broken.is_empty(),
        "XML that does not parse:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_xml_reader_refuses_what_is_not_xml() {
    assert!(xml::parse("<a><b></a>").is_err(), "mismatched end tag");
    assert!(xml::parse("<a>").is_err(), "unclosed element");
    assert!(xml::parse("<a/><b/>").is_err(), "two roots");
    let element = xml::parse("<a x=\"1&amp;2\"><b>t&lt;u</b></a>").expect("well-formed");
    assert_eq!(element.attribute("x"), Some("1&2"));
    assert_eq!(element.text_of("b"), Some("t<u"));
}
