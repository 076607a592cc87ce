//! The number type a network computes in.
//!
//! Training runs in `f32` (fast, half the memory). Gradient checks (paper
//! §3.3) run the *same* layer code in `f64`, where central differences are
//! accurate to ~1e-9 instead of ~1e-3. So every layer is generic over `Real`.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use ndarray::{LinalgScalar, ScalarOperand};
use num_traits::{Float, FromPrimitive, ToPrimitive};

/// `f32` or `f64`.
pub trait Real:
    Float
    + LinalgScalar
    + ScalarOperand
    + FromPrimitive
    + ToPrimitive
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// Converts a constant; exact for every constant this crate uses.
    fn of(x: f64) -> Self {
        Self::from_f64(x).expect("f64 converts to any Real")
    }

    /// Widens (or narrows) to f64 for reporting.
    fn as_f64(self) -> f64 {
        self.to_f64().expect("a Real converts to f64")
    }
}

impl Real for f32 {}
impl Real for f64 {}
