//! The divergence guard's search for a NaN or an infinity
//! (`train::finite`): its fast whole-slice test must agree with the plain
//! element-by-element search wherever the bad value sits, including in the
//! tail that does not fill a vector and in views that are not contiguous.

use groundup::train::finite::{any_non_finite, first_non_finite};
use ndarray::{s, Array2, ArrayD, IxDyn};

const BAD: [f32; 4] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN];

// Finite values of every kind — including the largest, the smallest
// subnormal and negative zero — are not flagged.
#[test]
fn finite_values_are_not_flagged() {
    let values = [0.0, -0.0, 1.0, -1.0, f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45, -1e-45];
    for len in 0..=values.len() {
        assert!(!any_non_finite(&values[..len]), "{:?}", &values[..len]);
    }
    let big = ArrayD::from_shape_fn(IxDyn(&[37, 41]), |i| (i[0] as f32 - 18.0) * 1e37);
    assert_eq!(first_non_finite(&big), None);
}

// One bad value anywhere in slices of many lengths is found, and the first
// of several is the one reported.
#[test]
fn every_position_and_kind_is_found() {
    for len in [1, 2, 7, 8, 15, 16, 17, 31, 64, 100] {
        for at in 0..len {
            for bad in BAD {
                let mut v = vec![0.5f32; len];
                v[at] = bad;
                assert!(any_non_finite(&v), "len {len}, {bad} at {at}");
                let found = first_non_finite(&ArrayD::from_shape_vec(IxDyn(&[len]), v.clone()).unwrap());
                assert_eq!(found.map(f32::to_bits), Some(bad.to_bits()), "len {len}, at {at}");
                if at + 1 < len {
                    v[len - 1] = f32::INFINITY;
                    let first = first_non_finite(&ArrayD::from_shape_vec(IxDyn(&[len]), v).unwrap());
                    assert_eq!(first.map(f32::to_bits), Some(bad.to_bits()), "first of two, len {len}");
                }
            }
        }
    }
}

// A view that is not contiguous is searched by index.
#[test]
fn strided_views_are_searched() {
    let mut a = Array2::<f32>::ones((6, 10));
    a[[3, 5]] = f32::NAN; // outside the view below
    let every_other = a.slice(s![.., ..;2]);
    assert_eq!(first_non_finite(&every_other), None);
    a[[4, 4]] = f32::NEG_INFINITY; // inside it
    assert_eq!(first_non_finite(&a.slice(s![.., ..;2])), Some(f32::NEG_INFINITY));
    assert!(first_non_finite(&a.t()).is_some_and(f32::is_nan), "first in memory order");
}
