//! The internet-facing port under slow and hostile clients, against the real binary over real
//! sockets: slow headers and stalled bodies are closed within their deadlines, a descriptor
//! flood does not stop health checks or valid webhooks, and SIGTERM does not wait for them.

use crate::helpers::*;
use crate::raw_clients::*;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;
#[tokio::test]
async fn slow_headers_and_stalled_bodies_are_closed_within_their_deadlines_while_valid_webhooks_get_202()
 {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(
        dir.path(),
        "header_read_timeout = \"2s\"\nbody_read_timeout = \"2s\"\nmax_connections = 2000",
    );
    raise_own_descriptor_limit();
    let tandem = RunningBinary::start(&config, &[]).await;
    let pid = tandem.child.id().unwrap();
    let url = tandem.url("/webhooks/netsuite/events");
    let client = reqwest::Client::new();
    for n in 0..5 {
        valid_webhook(&client, &url, &format!("warm_{n}")).await;
    }
    let idle_rss = rss_kib(pid);

    // Connected one after the other, so that the listen backlog never overflows and the times
    // measure the server's deadlines rather than SYN retries.
    let mut slow = Vec::new();
    let mut stalled = Vec::new();
    let mut signed = Vec::new();
    for n in 0..600 {
        let stream = TcpStream::connect(tandem.address).await.unwrap();
        let started = Instant::now();
        if n % 60 == 59 {
            // Past the checks made before the body: only the body deadline ends these.
            let request = signed_stalled_body();
            signed.push(tokio::spawn(keep_stalled(stream, request, started)));
        } else if n % 6 == 5 {
            stalled.push(tokio::spawn(keep_stalled(stream, STALLED_BODY, started)));
        } else {
            slow.push(tokio::spawn(keep_slow(stream, SLOW_HEADER, started)));
        }
    }

    // Valid webhooks keep flowing until every hostile client is closed (or gave up).
    let mut latencies = Vec::new();
    let mut peak_rss = idle_rss;
    let mut n = 0;
    while !(slow.iter().all(|task| task.is_finished())
        && stalled.iter().all(|task| task.is_finished())
        && signed.iter().all(|task| task.is_finished()))
    {
        latencies.push(valid_webhook(&client, &url, &format!("valid_{n}")).await);
        peak_rss = peak_rss.max(rss_kib(pid));
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await; // pacing, not synchronisation
    }
    let mut slow_closed = Vec::new();
    for task in slow {
        slow_closed.push(task.await.unwrap().expect("a slow header is closed"));
    }
    let mut stalled_closed = Vec::new();
    for task in stalled {
        let (closed, answer) = task.await.unwrap();
        let status = answer.lines().next().unwrap_or_default();
        let closed = closed.expect("a stalled body is closed");
        // Unsigned: refused from its headers, before a byte of the body is read.
        assert!(
            status.starts_with("HTTP/1.1 401"),
            "an unsigned stalled body is refused 401 at once, got {status:?}"
        );
        assert!(
            closed < Duration::from_secs(2),
            "refused before the deadline: {closed:?}"
        );
    }
    for task in signed {
        let (closed, answer) = task.await.unwrap();
        let status = answer.lines().next().unwrap_or_default();
        let closed = closed.expect("a stalled signed body is closed");
        assert!(
            status.starts_with("HTTP/1.1 408"),
            "a stalled body with well-formed headers is answered 408, got {status:?}"
        );
        stalled_closed.push(closed);
    }
    slow_closed.sort();
    stalled_closed.sort();
    latencies.sort();
    println!(
        "slow headers closed after p50 {} ms, max {} ms (header_read_timeout 2 s)",
        millis(percentile(&slow_closed, 50)),
        millis(percentile(&slow_closed, 100))
    );
    println!(
        "stalled bodies closed after p50 {} ms, max {} ms (body_read_timeout 2 s)",
        millis(percentile(&stalled_closed, 50)),
        millis(percentile(&stalled_closed, 100))
    );
    println!(
        "{} valid webhooks meanwhile: p50 {} ms, p99 {} ms, max {} ms",
        latencies.len(),
        millis(percentile(&latencies, 50)),
        millis(percentile(&latencies, 99)),
        millis(percentile(&latencies, 100))
    );
    println!(
        "RSS idle {} KiB, peak {} KiB (+{} KiB)",
        idle_rss,
        peak_rss,
        peak_rss - idle_rss
    );
    let slack = Duration::from_millis(1500);
    let early: Vec<_> = slow_closed
        .iter()
        .filter(|open| **open < Duration::from_millis(1500))
        .collect();
    assert!(early.is_empty(), "slow headers closed early: {early:?}");
    assert!(percentile(&slow_closed, 100) <= Duration::from_secs(2) + slack);
    assert!(
        percentile(&stalled_closed, 0) >= Duration::from_millis(1500),
        "not closed early"
    );
    assert!(percentile(&stalled_closed, 100) <= Duration::from_secs(2) + slack);
    assert!(latencies.len() >= 10, "valid webhooks were sent meanwhile");
    assert!(
        percentile(&latencies, 100) < Duration::from_secs(1),
        "valid webhooks stay fast"
    );
    assert!(
        peak_rss - idle_rss <= 50 * 1024,
        "RSS stays within 50 MiB of idle"
    );
}

#[tokio::test]
async fn a_flood_of_2000_connections_under_1024_descriptors_does_not_stop_health_or_valid_webhooks()
{
    let dir = tempfile::tempdir().unwrap();
    // The default max_connections (512) against 1,024 descriptors; hostile clients hold their
    // regular slots for 5 s. Probes and scrapes also have their own port.
    let config = config_with(
        dir.path(),
        "header_read_timeout = \"5s\"\nadmin_listen = \"127.0.0.1:0\"",
    );
    let mut tandem = RunningBinary::start(&config, &[]).await;
    let admin = tandem.admin_address().await;
    let pid = tandem.child.id().unwrap();
    set_descriptor_limit(pid, "1024", "1024");
    assert_eq!(
        descriptor_limits(pid),
        ("1024".to_owned(), "1024".to_owned())
    );
    raise_own_descriptor_limit();

    let flood_started = Instant::now();
    let connected = Arc::new(AtomicUsize::new(0));
    let flood: Vec<_> = (0..2000)
        .map(|_| tokio::spawn(slow_header(tandem.address, SLOW_HEADER, connected.clone())))
        .collect();
    let mut flood_connected = None;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = tandem.url("/webhooks/netsuite/events");
    let body_of = |id: &str| netsuite_event(id, "2026-11-27T10:00:00Z");
    let mut first_health = None;
    let mut first_webhook = None;
    let mut answered = 0;
    let mut failed = Vec::new();
    let mut admin_probes = Vec::new();
    let deadline = flood_started + Duration::from_millis(4500);
    let mut n = 0;
    while Instant::now() < deadline {
        if flood_connected.is_none() && connected.load(Ordering::Relaxed) == 2000 {
            flood_connected = Some(flood_started.elapsed());
        }
        let probed = Instant::now();
        let probe = client.get(format!("http://{admin}/healthz")).send().await;
        admin_probes.push((probe.map(|r| r.status().as_u16()).ok(), probed.elapsed()));
        let health = client.get(tandem.url("/healthz")).send().await;
        match health {
            Ok(response) if response.status() == 200 => {
                first_health.get_or_insert(flood_started.elapsed());
                answered += 1;
            }
            _ => failed.push(flood_started.elapsed()),
        }
        let id = format!("flood_{n}");
        n += 1;
        match post_signed_to(&client, &url, NETSUITE_SECRET, &id, &body_of(&id)).await {
            Ok(response) if response.status() == 202 => {
                first_webhook.get_or_insert(flood_started.elapsed());
                answered += 1;
            }
            _ => failed.push(flood_started.elapsed()),
        }
    }
    let held = flood.iter().filter(|task| !task.is_finished()).count();
    let mut closed_at_once = 0;
    let mut never_closed = 0;
    for task in flood {
        match task.await.unwrap() {
            Some(open) if open < Duration::from_millis(1500) => closed_at_once += 1,
            Some(_) => {}
            None => never_closed += 1,
        }
    }
    println!(
        "flood of 2000: {held} still held after 4.5 s, {closed_at_once} closed within 1.5 s; \
         first /healthz 200 after {:?}, first webhook 202 after {:?}; {answered} answered, {} failed \
         (the last after {:?})",
        first_health,
        first_webhook,
        failed.len(),
        failed.last()
    );
    let slowest_probe = admin_probes.iter().map(|(_, took)| *took).max();
    println!(
        "admin port during the flood: {} probes, slowest {slowest_probe:?}",
        admin_probes.len()
    );
    let refused: Vec<_> = admin_probes
        .iter()
        .filter(|(status, _)| *status != Some(200))
        .collect();
    assert!(
        refused.is_empty(),
        "every /healthz on the admin port is answered 200 during the flood: {refused:?}"
    );
    let flood_connected = flood_connected.expect("the flood connected within 4.5 s");
    println!("the flood's 2000 connects were done after {flood_connected:?}");
    assert_eq!(never_closed, 0, "every hostile connection is closed");
    assert!(
        held >= 400,
        "the flood held regular slots during the checks"
    );
    assert!(
        closed_at_once >= 1000,
        "past the cap connections are closed at once"
    );
    let within = Duration::from_millis(4500);
    assert!(
        first_health.is_some_and(|at| at < within),
        "/healthz answered during the flood"
    );
    assert!(
        first_webhook.is_some_and(|at| at < within),
        "a webhook answered during the flood"
    );
    // Once the quick slots' 1 s header deadline has cleared the flood from them, every check is
    // answered although the flood still holds every regular slot.
    let cleared = flood_connected + Duration::from_secs(2);
    let late: Vec<_> = failed.iter().filter(|at| **at > cleared).collect();
    assert!(
        late.is_empty(),
        "checks refused after {cleared:?}: {late:?}"
    );

    // Afterwards everything is answered again.
    for n in 0..20 {
        valid_webhook(&client, &url, &format!("after_{n}")).await;
    }
    let health = client.get(tandem.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn sigterm_with_stalled_connections_open_exits_within_seconds_and_keeps_every_answered_event()
{
    let dir = tempfile::tempdir().unwrap();
    // Default header and body deadlines (10 s, 30 s) and a 20 s grace: only closing stalled
    // connections on shutdown makes the exit quick.
    let config = config_with(dir.path(), "");
    let mut tandem = RunningBinary::start(&config, &[]).await;
    let url = tandem.url("/webhooks/netsuite/events");
    let client = reqwest::Client::new();
    // Connected before the valid webhooks below, which the server then accepts after them.
    let mut slow = Vec::new();
    let mut stalled = Vec::new();
    for n in 0..150 {
        let stream = TcpStream::connect(tandem.address).await.unwrap();
        let started = Instant::now();
        if n < 100 {
            slow.push(tokio::spawn(keep_slow(stream, SLOW_HEADER, started)));
        } else {
            stalled.push(tokio::spawn(keep_stalled(stream, STALLED_BODY, started)));
        }
    }
    let mut answered = HashSet::new();
    for n in 0..20 {
        let id = format!("before_{n}");
        valid_webhook(&client, &url, &id).await;
        answered.insert(id);
    }
    // Senders keep posting through the shutdown; each 202 must be stored.
    let sent = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..4)
        .map(|sender| {
            let (client, url, sent) = (client.clone(), url.clone(), sent.clone());
            tokio::spawn(async move {
                let mut answered = Vec::new();
                for n in 0..10_000 {
                    let id = format!("during_{sender}_{n}");
                    let body = netsuite_event(&id, "2026-11-27T10:00:00Z");
                    match post_signed_to(&client, &url, NETSUITE_SECRET, &id, &body).await {
                        Ok(response) if response.status() == 202 => {
                            sent.fetch_add(1, Ordering::Relaxed);
                            answered.push(id);
                        }
                        Ok(response) => panic!("unexpected {}", response.status()),
                        Err(_) => return answered,
                    }
                }
                answered
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(10);
    while sent.load(Ordering::Relaxed) < 40 {
        assert!(
            Instant::now() < deadline,
            "senders are answered before SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(5)).await; // polling with a deadline
    }
    let pid = tandem.child.id().unwrap();
    let term_sent = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), tandem.child.wait())
        .await
        .expect("exits")
        .unwrap();
    let exit_after = term_sent.elapsed();
    assert!(exit.success(), "{exit:?}");
    for sender in senders {
        answered.extend(sender.await.unwrap());
    }
    for task in slow {
        task.await.unwrap();
    }
    for task in stalled {
        task.await.unwrap();
    }
    println!(
        "SIGTERM with 150 stalled connections open: exited after {} ms; {} events answered 202",
        millis(exit_after),
        answered.len()
    );
    assert!(
        exit_after < Duration::from_secs(5),
        "exits within seconds, not the 20 s grace"
    );

    let queued = queued_webhook_ids(dir.path()).await;
    let lost: Vec<_> = answered.difference(&queued).collect();
    assert!(lost.is_empty(), "answered but not stored: {lost:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "header_read_timeout = \"2s\"");
    let tandem = RunningBinary::start(&config, &[]).await;
    let mut stream = TcpStream::connect(tandem.address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tandem\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0u8; 4096];
    let read = stream.read(&mut buffer).await.unwrap();
    let answer = String::from_utf8_lossy(&buffer[..read]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(!answer.to_ascii_lowercase().contains("connection: close"));
    let idle_since = Instant::now();
    let closed = tokio::time::timeout(GIVE_UP, stream.read(&mut buffer))
        .await
        .expect("the idle connection is closed");
    let idle = idle_since.elapsed();
    println!(
        "idle keep-alive connection closed after {} ms",
        millis(idle)
    );
    assert!(matches!(closed, Ok(0) | Err(_)));
    assert!(idle >= Duration::from_millis(1500) && idle < Duration::from_secs(4));
}
