//! What one measured series of requests came to: latencies of 2xx and of 503 answers, counts by
//! status, time-outs and connection errors, the window's length and the CPU spent in it.

use crate::proc_stats::CpuUsed;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// How one request ended.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    TimedOut,
    /// Connect, write or read failed (a refused or closed connection).
    Failed,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Microseconds to a 2xx answer.
    pub ok: Vec<u32>,
    /// Microseconds to a 503 answer.
    pub refused: Vec<u32>,
    /// Every non-2xx status with its count.
    pub statuses: BTreeMap<u16, u64>,
    pub timeouts: u64,
    pub failed: u64,
    /// Length of the measured window, seconds.
    pub seconds: f64,
    pub cpu: CpuUsed,
}

impl Outcome {
    pub fn record(&mut self, answer: Answer, latency: Duration) {
        let micros = latency.as_micros().min(u32::MAX as u128) as u32;
        match answer {
            Answer::Status(status) if (200..300).contains(&status) => self.ok.push(micros),
            Answer::Status(status) => {
                *self.statuses.entry(status).or_default() += 1;
                if status == 503 {
                    self.refused.push(micros);
                }
            }
            Answer::TimedOut => self.timeouts += 1,
            Answer::Failed => self.failed += 1,
        }
    }

    pub fn merge(&mut self, other: Outcome) {
        self.ok.extend(other.ok);
        self.refused.extend(other.refused);
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        self.timeouts += other.timeouts;
        self.failed += other.failed;
    }

    pub fn accepted_per_second(&self) -> f64 {
        self.ok.len() as f64 / self.seconds.max(1e-9)
    }

    /// The quantile `q` of the 2xx latencies, milliseconds (NaN when there were none).
    pub fn ok_ms(&mut self, q: f64) -> f64 {
        quantile_ms(&mut self.ok, q)
    }

    pub fn refused_ms(&mut self, q: f64) -> f64 {
        quantile_ms(&mut self.refused, q)
    }

    /// tandem's CPU microseconds per 2xx answer.
    pub fn tandem_us_per_ok(&self) -> f64 {
        self.cpu.per(self.ok.len() as u64).0
    }

    /// The local broker's CPU microseconds per 2xx answer (or confirmed publish).
    pub fn broker_us_per_ok(&self) -> f64 {
        self.cpu.broker * 1e6 / (self.ok.len().max(1) as f64)
    }

    /// The generator's CPU microseconds per request sent.
    pub fn generator_us_per_request(&self) -> f64 {
        let sent = self.ok.len() as u64
            + self.statuses.values().sum::<u64>()
            + self.timeouts
            + self.failed;
        self.cpu.per(sent).1
    }

    /// Non-2xx answers and failures as `503×12 timeout×0 …`, or `none`.
    pub fn errors(&self) -> String {
        let mut parts: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, count)| format!("{status}×{count}"))
            .collect();
        if self.timeouts > 0 {
            parts.push(format!("timeout×{}", self.timeouts));
        }
        if self.failed > 0 {
            parts.push(format!("conn-error×{}", self.failed));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(" ")
        }
    }

    pub fn figures(&mut self) -> Value {
        json!({
            "seconds": self.seconds,
            "ok": self.ok.len(),
            "ok_per_second": self.accepted_per_second(),
            "ok_p50_ms": finite(self.ok_ms(0.5)),
            "ok_p99_ms": finite(self.ok_ms(0.99)),
            "status_503": self.refused.len(),
            "status_503_p99_ms": finite(self.refused_ms(0.99)),
            "other_statuses": self.statuses.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "timeouts": self.timeouts,
            "connection_errors": self.failed,
            "tandem_cpu_seconds": self.cpu.tandem,
            "tandem_cpu_us_per_ok": self.tandem_us_per_ok(),
            "generator_cpu_seconds": self.cpu.generator,
            "generator_cpu_us_per_request": self.generator_us_per_request(),
            "broker_cpu_seconds": self.cpu.broker,
            "broker_cpu_us_per_ok": self.broker_us_per_ok(),
        })
    }
}

/// NaN is not JSON: none becomes null.
pub fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

pub fn quantile_ms(values: &mut [u32], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_unstable();
    let index = ((values.len() as f64 * q) as usize).min(values.len() - 1);
    f64::from(values[index]) / 1000.0
}
