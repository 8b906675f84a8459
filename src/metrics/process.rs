//! Purpose: the process's own gauges under their conventional names (resident memory,
//! open file descriptors, start time), read from /proc at scrape time. Elsewhere than
//! Linux they stay at 0.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub struct ProcessGauges {
    resident_memory: Gauge,
    open_fds: Gauge,
    start_time: Gauge<f64, AtomicU64>,
}

impl ProcessGauges {
    pub fn register(registry: &mut Registry) -> Self {
        let gauges = Self {
            resident_memory: Gauge::default(),
            open_fds: Gauge::default(),
            start_time: Gauge::default(),
        };
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            gauges.resident_memory.clone(),
        );
        registry.register(
            "process_open_fds",
            "Number of open file descriptors",
            gauges.open_fds.clone(),
        );
        registry.register(
            "process_start_time_seconds",
            "Start time of the process since the unix epoch in seconds",
            gauges.start_time.clone(),
        );
        // The metrics are created once, as the process starts.
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        gauges.start_time.set(started);
        gauges
    }

    pub fn refresh(&self) {
        if let Some(bytes) = resident_bytes() {
            self.resident_memory.set(bytes);
        }
        if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
            self.open_fds.set(entries.count() as i64);
        }
    }
}

/// `VmRSS` from /proc/self/status, which the kernel gives in kB.
fn resident_bytes() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
