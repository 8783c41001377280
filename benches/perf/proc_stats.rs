//! CPU time and memory of a process from /proc (tandem, a child), and the load generator's own
//! CPU time from getrusage.

use std::time::Instant;

/// Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// User plus system CPU seconds of every thread of `pid` so far, or 0 when it is gone.
pub fn process_cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (tick(11) + tick(12)) as f64 / ticks_per_second()
}

/// Resident memory of `pid` now and at its peak (VmRSS, VmHWM), in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds this process (the load generator, all threads) has used so far.
pub fn own_cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The local RabbitMQ node (the Erlang VM, `beam.smp`), when one runs on this machine.
pub fn broker_pid() -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            (comm.trim() == "beam.smp"
                && std::fs::read_to_string(entry.path().join("cmdline"))
                    .is_ok_and(|cmdline| cmdline.contains("rabbit")))
            .then_some(pid)
        })
}

/// CPU used by tandem, the generator and the local broker over one measured window.
#[derive(Debug, Clone, Copy)]
pub struct CpuWindow {
    pid: Option<u32>,
    started: Instant,
    tandem_start: f64,
    own_start: f64,
    broker: Option<u32>,
    broker_start: f64,
}

/// What a window measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUsed {
    pub seconds: f64,
    /// tandem's CPU seconds (0 without a tandem process).
    pub tandem: f64,
    /// The generator's CPU seconds.
    pub generator: f64,
    /// The local RabbitMQ node's CPU seconds (0 when none runs on this machine).
    pub broker: f64,
}

impl CpuWindow {
    /// Starts a window; `pid` is tandem's, `None` when only the generator counts.
    pub fn start(pid: Option<u32>) -> Self {
        let broker = broker_pid();
        Self {
            broker,
            pid,
            started: Instant::now(),
            tandem_start: pid.map(process_cpu_seconds).unwrap_or(0.0),
            own_start: own_cpu_seconds(),
            broker_start: broker.map(process_cpu_seconds).unwrap_or(0.0),
        }
    }

    pub fn finish(&self) -> CpuUsed {
        CpuUsed {
            seconds: self.started.elapsed().as_secs_f64(),
            tandem: self.pid.map(process_cpu_seconds).unwrap_or(0.0) - self.tandem_start,
            generator: own_cpu_seconds() - self.own_start,
            broker: self.broker.map(process_cpu_seconds).unwrap_or(0.0) - self.broker_start,
        }
    }
}

impl CpuUsed {
    /// CPU microseconds per unit of work, tandem's and the generator's.
    pub fn per(&self, count: u64) -> (f64, f64) {
        let n = count.max(1) as f64;
        (self.tandem * 1e6 / n, self.generator * 1e6 / n)
    }
}
