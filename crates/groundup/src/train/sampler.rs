//! Which images each step learns from: every one once per epoch, in an
//! order reshuffled at the start of each epoch (paper §4.2.3).

use rand::seq::SliceRandom;
use rand::Rng;

/// Hands out mini-batches of indices: every index once per epoch, reshuffled
/// at the start of each epoch. New examples (a data chunk that arrived
/// late) join at the next reshuffle.
#[derive(Clone, Debug)]
pub struct BatchSampler {
    order: Vec<usize>,
    next: usize,
    epoch: usize,
    len: usize,
}

impl BatchSampler {
    /// A sampler over `len` examples; the first epoch is shuffled on first use.
    pub fn new(len: usize) -> Self {
        Self { order: Vec::new(), next: 0, epoch: 0, len }
    }

    /// A sampler over `len` examples whose next batch opens epoch `epoch`
    /// (resuming a run part-way).
    pub fn starting_at(len: usize, epoch: usize) -> Self {
        Self { order: Vec::new(), next: 0, epoch, len }
    }

    /// The epoch the next batch belongs to (0-based).
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The epoch the *next* batch will belong to: one more than
    /// [`epoch`](Self::epoch) once the current epoch's order is used up.
    pub fn next_epoch(&self) -> usize {
        if !self.order.is_empty() && self.next >= self.order.len() {
            self.epoch + 1
        } else {
            self.epoch
        }
    }

    /// Grows (never shrinks) the set; takes effect at the next epoch.
    pub fn set_len(&mut self, len: usize) {
        self.len = self.len.max(len);
    }

    /// The next batch: `(epoch, indices)`. The last batch of an epoch may
    /// be smaller. Returns an empty batch only when there is no data.
    pub fn next_batch(&mut self, batch_size: usize, rng: &mut impl Rng) -> (usize, Vec<usize>) {
        if self.next >= self.order.len() {
            if !self.order.is_empty() {
                self.epoch += 1;
            }
            self.order = (0..self.len).collect();
            self.order.shuffle(rng);
            self.next = 0;
        }
        let end = (self.next + batch_size).min(self.order.len());
        let batch = self.order[self.next..end].to_vec();
        self.next = end;
        (self.epoch, batch)
    }

    /// Images of the current epoch handed out so far, and in the epoch:
    /// where the last batch ended.
    pub fn drawn(&self) -> (usize, usize) {
        (self.next, self.order.len())
    }

    /// Steps in one epoch over `len` examples.
    pub fn batches_per_epoch(len: usize, batch_size: usize) -> usize {
        len.div_ceil(batch_size.max(1))
    }
}
