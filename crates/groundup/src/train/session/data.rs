//! The session's data: room reserved from a manifest, chunks parsed
//! bounded by the rows it declares, examples added by split.

use super::{split_named, Session, MAX_RESERVE_ROWS};
use crate::data::{Chunk, Dataset, Split};
use crate::{ConfigError, Error};

impl Session {
    // ---- data -----------------------------------------------------------

    /// Makes room for `rows` more images of `split` (a manifest's count), so
    /// that loading grows the data once instead of by doubling. If the
    /// memory cannot be had, nothing changes.
    pub fn reserve(&mut self, split: &str, rows: usize) -> Result<(), Error> {
        if rows > MAX_RESERVE_ROWS {
            return Err(ConfigError::new(
                "rows",
                format!("{split}: not reserving room for {rows} rows (more than {MAX_RESERVE_ROWS}); they load as they come"),
            )
            .into());
        }
        let data = self.split_mut(split)?;
        data.try_reserve(rows)
            .map_err(|e| ConfigError::new("rows", format!("{split}: cannot reserve {rows} rows: {e}")).into())
    }

    /// Parses one MNIST CSV chunk (`label,p0,…,p783` rows; plain or gzip) of
    /// `rows` rows, as its manifest declares, into `split` and returns the
    /// rows added. Reading stops at the first row past `rows` and once the
    /// text is longer than `rows` rows can be: a chunk that inflates to a
    /// gigabyte costs no more memory than what it declared. On a malformed
    /// row, or a row count that is not `rows`, nothing is added; the error
    /// names `name`, and the line and the column.
    pub fn add_chunk(&mut self, split: &str, name: &str, csv: &[u8], rows: usize) -> Result<usize, Error> {
        let split = split_named(split)?;
        // The bytes were checked against the manifest already (or could not
        // be: a host that gunzips them): parse them as that chunk.
        let declared = Chunk { file: name.to_owned(), rows, bytes: csv.len() as u64, sha256: String::new() };
        let chunk = declared.parse_rows(csv, name)?;
        self.add_examples(split, &chunk);
        Ok(chunk.len())
    }

    /// Adds already parsed examples to `split` of MNIST: set aside while
    /// the reader's own data is in use, they join MNIST there.
    pub fn add_examples(&mut self, split: Split, examples: &Dataset) {
        self.mnist_mut(split).extend(examples);
        self.sampler.set_len(self.train.len());
    }

    fn split_mut(&mut self, name: &str) -> Result<&mut Dataset, Error> {
        Ok(self.mnist_mut(split_named(name)?))
    }

    /// MNIST's `split`: the one in use, or the one set aside.
    fn mnist_mut(&mut self, split: Split) -> &mut Dataset {
        let (train, test) = match &mut self.own {
            Some(own) => (&mut own.mnist_train, &mut own.mnist_test),
            None => (&mut self.train, &mut self.test),
        };
        match split {
            Split::Train => train,
            Split::Test => test,
        }
    }

    /// The training images in use (the reader's own, or MNIST).
    pub fn train_data(&self) -> &Dataset {
        &self.train
    }

    /// The test images in use (the reader's own, or MNIST).
    pub fn test_data(&self) -> &Dataset {
        &self.test
    }
}
