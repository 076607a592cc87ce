//! `Trainer.useOwnData`, `backToMnist` and `ownData` as JavaScript sees
//! them: files as `{name, bytes}` objects, progress calls, errors with
//! `file`, `line` and `column`, and MNIST back as it was.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::{loaded, message, property, SAMPLE_TEST};

/// `[{name, bytes}]`, as the page sends them.
fn files(given: &[(&str, &[u8])]) -> js_sys::Array {
    given
        .iter()
        .map(|&(name, bytes)| {
            let file = js_sys::Object::new();
            js_sys::Reflect::set(&file, &"name".into(), &name.into()).unwrap();
            js_sys::Reflect::set(&file, &"bytes".into(), &js_sys::Uint8Array::from(bytes).into()).unwrap();
            JsValue::from(file)
        })
        .collect()
}

pub fn own_data_swaps_in_and_back() {
    let mut t = loaded("mlp");
    let calls = Rc::new(Cell::new(0));
    let counted = calls.clone();
    let progress = Closure::<dyn FnMut(String, f64)>::new(move |name: String, rows: f64| {
        assert_eq!(name, "sample.csv.gz");
        assert!(rows <= 200.0);
        counted.set(counted.get() + 1);
    });
    let callback: &js_sys::Function = progress.as_ref().unchecked_ref();

    // A bad row: refused with its file, line and column; nothing changes.
    let bad = format!(
        "# classes: a,b\n{}\n5{}\n",
        "5".to_string() + &",0".repeat(784),
        ",0".repeat(99) + ",300" + &",0".repeat(684)
    );
    let e = t.use_own_data(files(&[("bad.csv", bad.as_bytes())]), callback).expect_err("pixel 300");
    assert_eq!(property(&e, "kind").as_deref(), Some("data"));
    assert_eq!(property(&e, "file").as_deref(), Some("bad.csv"));
    assert_eq!((property(&e, "line"), property(&e, "column")), (Some("3".into()), Some("101".into())));
    assert!(message(e).contains("bad.csv, line 3, column 101"));
    assert!(t.own_data().is_null());
    assert_eq!((t.train_size(), t.test_size()), (500, 200));

    // One gzipped file: every 6th row tests.
    let view = t
        .use_own_data(files(&[("sample.csv.gz", SAMPLE_TEST)]), callback)
        .map_err(message)
        .expect("own data");
    assert!(calls.get() >= 1, "progress is reported");
    assert_eq!((t.train_size(), t.test_size()), (167, 33));
    assert_eq!(property(&view, "split").as_deref(), Some("every-sixth-row"));
    assert_eq!(property(&view, "trainSize").as_deref(), Some("167"));
    assert!(!t.own_data().is_null());
    assert_eq!(t.step(), 0.0);

    t.back_to_mnist().map_err(message).expect("back");
    assert_eq!((t.train_size(), t.test_size()), (500, 200));
    assert!(t.own_data().is_null());
    let e = t.back_to_mnist().expect_err("on MNIST already");
    assert_eq!(property(&e, "kind").as_deref(), Some("internal"));

    let e = t.use_own_data(js_sys::Array::new(), callback).expect_err("no file");
    assert_eq!(property(&e, "field").as_deref(), Some("files"));
}
