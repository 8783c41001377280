//! Fuzz targets for tandem's parsers and mapping, run by AFL++ (`cargo afl`).

pub mod targets;
