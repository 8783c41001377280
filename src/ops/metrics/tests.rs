use super::*;
use crate::connectors::error::ErrorClass;
use crate::connectors::netsuite::Governor;
use crate::domain::System;
use axum::http::Method;
use metrics_exporter_prometheus::PrometheusRecorder;
use std::collections::BTreeSet;

fn recorder() -> PrometheusRecorder {
    builder().expect("bucket lists").build_recorder()
}

/// The value of the one series whose line starts with `series` followed by a space.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().expect("a number"))
}

#[test]
fn every_metric_is_named_by_the_convention_once() {
    let mut seen = BTreeSet::new();
    for metric in CATALOGUE {
        assert!(seen.insert(metric.name), "{} twice", metric.name);
        assert!(metric.name.starts_with("tandem_"), "{}", metric.name);
        assert!(
            !metric.help.trim().is_empty(),
            "{} has no help",
            metric.name
        );
        match metric.kind {
            Kind::Counter => assert!(metric.name.ends_with("_total"), "{}", metric.name),
            Kind::Histogram => assert!(metric.name.ends_with("_seconds"), "{}", metric.name),
            Kind::Gauge => assert!(!metric.name.ends_with("_total"), "{}", metric.name),
        }
        assert!(metric.unit.is_some(), "{} has no unit", metric.name);
    }
}

#[test]
fn every_exported_family_has_help_text() {
    let recorder = recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        describe();
        for metric in CATALOGUE {
            match metric.kind {
                Kind::Counter => metrics::counter!(metric.name).increment(1),
                Kind::Gauge => metrics::gauge!(metric.name).set(1.0),
                Kind::Histogram => metrics::histogram!(metric.name).record(0.1),
            }
        }
    });
    let text = handle.render();
    let families: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split(' ').next())
        .collect();
    assert_eq!(families.len(), CATALOGUE.len(), "{text}");
    for family in families {
        let help = format!("# HELP {family} ");
        assert!(text.contains(&help), "{family} has no HELP line:\n{text}");
    }
    for metric in CATALOGUE {
        let kind = format!("# TYPE {} {}\n", metric.name, metric.kind.as_str());
        assert!(text.contains(&kind), "{kind}{text}");
    }
}

#[test]
fn sync_latency_buckets_reach_a_day_and_request_buckets_stay_fine() {
    let recorder = recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        metrics::histogram!(SYNC_LATENCY).record(3.0 * 3600.0);
        metrics::histogram!(HTTP_DURATION).record(0.003);
        metrics::histogram!(ENQUEUE_DURATION).record(0.0007);
        metrics::histogram!(CONNECTOR_DURATION).record(0.02);
    });
    let text = handle.render();
    let bucket = |name: &str, le: &str| value(&text, &format!("{name}_bucket{{le=\"{le}\"}}"));
    assert_eq!(bucket(SYNC_LATENCY, "7200"), Some(0.0), "{text}");
    assert_eq!(bucket(SYNC_LATENCY, "14400"), Some(1.0), "{text}");
    assert_eq!(bucket(SYNC_LATENCY, "86400"), Some(1.0), "{text}");
    assert_eq!(bucket(HTTP_DURATION, "0.0025"), Some(0.0), "{text}");
    assert_eq!(bucket(HTTP_DURATION, "0.005"), Some(1.0), "{text}");
    assert_eq!(bucket(ENQUEUE_DURATION, "0.0005"), Some(0.0), "{text}");
    assert_eq!(bucket(ENQUEUE_DURATION, "0.001"), Some(1.0), "{text}");
    assert_eq!(bucket(CONNECTOR_DURATION, "0.025"), Some(1.0), "{text}");
    assert_eq!(bucket(HTTP_DURATION, "86400"), None, "{text}");
}

#[test]
fn queue_depth_states_are_disjoint_and_dead_letters_stand_apart() {
    let recorder = recorder();
    let handle = recorder.handle();
    let depth = QueueDepth {
        total: 10,
        delayed: 3,
        in_flight: 2,
        dead_letters: 4,
        ..QueueDepth::default()
    };
    metrics::with_local_recorder(&recorder, || record_queue_depth(&depth));
    let text = handle.render();
    let state = |name: &str| value(&text, &format!("{QUEUE_DEPTH}{{state=\"{name}\"}}"));
    assert_eq!(state("ready"), Some(5.0), "{text}");
    assert_eq!(state("delayed"), Some(3.0), "{text}");
    assert_eq!(state("in_flight"), Some(2.0), "{text}");
    let series: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with(&format!("{QUEUE_DEPTH}{{")))
        .collect();
    assert_eq!(series.len(), 3, "{text}");
    let sum: f64 = series
        .iter()
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(
        sum, depth.total as f64,
        "sum() over states is the events queued"
    );
    assert_eq!(value(&text, DEAD_LETTERS), Some(4.0), "{text}");
}

#[test]
fn methods_outside_the_standard_set_are_other() {
    for (method, label) in [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::TRACE, OTHER),
        (Method::CONNECT, OTHER),
        (Method::from_bytes(b"BREW").expect("a token"), OTHER),
        (Method::from_bytes(b"get").expect("a token"), OTHER),
    ] {
        assert_eq!(method_label(&method), label, "{method}");
    }
}

#[test]
fn object_labels_are_known_names_in_their_own_spelling_or_other() {
    let cases = [
        (System::Salesforce, "Account", "Account"),
        (System::Salesforce, "ACCOUNT", "Account"),
        (System::Salesforce, "product2", "Product2"),
        (System::Salesforce, "customer", OTHER),
        (System::Salesforce, "Invented__c", OTHER),
        (System::Netsuite, "customer", "customer"),
        (System::Netsuite, "SalesOrder", "salesorder"),
        (System::Netsuite, "inventorylevel", "inventorylevel"),
        (System::Netsuite, "Account", OTHER),
        (System::Netsuite, "", OTHER),
    ];
    for (source, object, label) in cases {
        assert_eq!(object_label(source, object), label, "{source} {object:?}");
    }
}

#[test]
fn connector_outcomes_and_operations_have_distinct_labels() {
    let outcomes = [
        CallOutcome::Ok,
        CallOutcome::Throttled,
        CallOutcome::Failed(ErrorClass::Retry),
        CallOutcome::Failed(ErrorClass::BackOff),
        CallOutcome::Failed(ErrorClass::RefreshAuth),
        CallOutcome::Failed(ErrorClass::Permanent),
        CallOutcome::Failed(ErrorClass::Conflict),
    ];
    let labels: BTreeSet<_> = outcomes.iter().map(|outcome| outcome.as_str()).collect();
    assert_eq!(labels.len(), outcomes.len());
    let operations = [
        Operation::Query,
        Operation::QueryMore,
        Operation::Get,
        Operation::Create,
        Operation::Update,
        Operation::Upsert,
        Operation::Collection,
        Operation::Search,
        Operation::Token,
    ];
    let labels: BTreeSet<_> = operations
        .iter()
        .map(|operation| operation.as_str())
        .collect();
    assert_eq!(labels.len(), operations.len());
}

#[test]
fn the_governor_reports_slots_in_use_against_its_limits() {
    let recorder = recorder();
    let handle = recorder.handle();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let governor = Governor::new(4);
    let first = governor.try_acquire().expect("a free slot");
    let second = governor.try_acquire().expect("a free slot");
    let third = governor.try_acquire().expect("a free slot");
    let text = handle.render();
    assert_eq!(value(&text, NETSUITE_IN_FLIGHT), Some(3.0), "{text}");
    assert_eq!(
        value(&text, NETSUITE_CONCURRENCY_LIMIT),
        Some(4.0),
        "{text}"
    );
    assert_eq!(value(&text, NETSUITE_EFFECTIVE_LIMIT), Some(4.0), "{text}");

    first.throttled();
    drop(first);
    let text = handle.render();
    assert_eq!(value(&text, NETSUITE_IN_FLIGHT), Some(2.0), "{text}");
    assert_eq!(
        value(&text, NETSUITE_CONCURRENCY_LIMIT),
        Some(4.0),
        "{text}"
    );
    assert_eq!(value(&text, NETSUITE_EFFECTIVE_LIMIT), Some(2.0), "{text}");

    drop((second, third));
    let text = handle.render();
    assert_eq!(value(&text, NETSUITE_IN_FLIGHT), Some(0.0), "{text}");
}

#[test]
fn the_docs_list_every_metric() {
    let docs = include_str!("../../../docs/METRICS.md");
    let readme = include_str!("../../../README.md");
    for metric in CATALOGUE {
        assert!(
            docs.contains(metric.name),
            "docs/METRICS.md lacks {}",
            metric.name
        );
        assert!(
            readme.contains(metric.name),
            "README.md lacks {}",
            metric.name
        );
    }
}
