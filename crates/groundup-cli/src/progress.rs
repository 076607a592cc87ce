//! A one-line progress bar on stderr, drawn only when stderr is a terminal
//! (so logs and CI output stay clean).

use std::io::{IsTerminal, Write};
use std::time::Instant;

pub struct Progress {
    total: usize,
    started: Instant,
    enabled: bool,
    last_draw: Option<Instant>,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Self { total, started: Instant::now(), enabled: std::io::stderr().is_terminal(), last_draw: None }
    }

    /// Redraws at most 10 times a second.
    pub fn update(&mut self, done: usize, message: &str) {
        if !self.enabled || self.last_draw.is_some_and(|t| t.elapsed().as_millis() < 100) && done < self.total
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let width = 30;
        let filled = (done * width / self.total.max(1)).min(width);
        let bar = "#".repeat(filled) + &"-".repeat(width - filled);
        let elapsed = self.started.elapsed().as_secs_f64();
        let _ = write!(std::io::stderr(), "\r[{bar}] {done}/{} {elapsed:.0}s {message}\x1b[K", self.total);
    }

    pub fn finish(&mut self) {
        if self.enabled {
            let _ = writeln!(std::io::stderr());
        }
    }
}
