//! Operations: metric names and the Prometheus recorder (admin API and dashboard come here too).

pub mod metrics;
