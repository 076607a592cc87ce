//! `Trainer.useOwnData`, `Trainer.backToMnist`, `Trainer.ownData`: the
//! reader's own CSV files in, MNIST back. Everything is decided by the core
//! (`groundup::data::read_own_data`, `Session::use_own_data`); this converts.

use groundup::data::{read_own_data, OwnFile};
use wasm_bindgen::prelude::*;

use crate::convert::{js_error, to_js, usage};
use crate::trainer::WebTrainer;

/// A file as the page sends it: `{name, bytes}`.
struct GivenFile {
    name: String,
    bytes: Vec<u8>,
}

fn given_files(files: &js_sys::Array) -> Result<Vec<GivenFile>, JsValue> {
    files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let field = |key: &str| js_sys::Reflect::get(&file, &JsValue::from_str(key));
            let name = field("name")?.as_string().ok_or_else(|| usage(format!("file {i}: no name")))?;
            let bytes = field("bytes")?
                .dyn_into::<js_sys::Uint8Array>()
                .map_err(|_| usage(format!("{name}: bytes are not a Uint8Array")))?;
            Ok(GivenFile { name, bytes: bytes.to_vec() })
        })
        .collect()
}

#[wasm_bindgen(js_class = Trainer)]
impl WebTrainer {
    /// Reads one or two MNIST-format CSV files (`[{name, bytes}]`, plain or
    /// gzip, optional `# classes:` first line and header) and trains on
    /// them from now on, with a fresh network of the current architecture.
    /// `progress(fileName, rowsRead)` is called every few thousand rows.
    /// Returns `{trainSize, testSize, classNames, trainFile, testFile,
    /// split, description}`. A bad file throws (`kind: "data"`, `file`,
    /// `line`, `column`) and nothing changes.
    #[wasm_bindgen(js_name = useOwnData)]
    pub fn use_own_data(
        &mut self,
        files: js_sys::Array,
        progress: &js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let given = given_files(&files)?;
        let files: Vec<OwnFile> = given.iter().map(|f| OwnFile { name: &f.name, bytes: &f.bytes }).collect();
        let mut report = |name: &str, rows: usize| {
            // A failing progress callback must not stop the reading.
            let _ = progress.call2(&JsValue::NULL, &JsValue::from_str(name), &JsValue::from_f64(rows as f64));
        };
        let data = read_own_data(&files, &mut report).map_err(js_error)?;
        drop(given);
        let view = self.session.use_own_data(data).map_err(js_error)?;
        Ok(to_js(&view))
    }

    /// Back to MNIST and the network that was on it when own data came in.
    #[wasm_bindgen(js_name = backToMnist)]
    pub fn back_to_mnist(&mut self) -> Result<(), JsValue> {
        self.session.back_to_mnist().map_err(js_error)
    }

    /// The own data in use (as `useOwnData` returned it), or `null` on MNIST.
    #[wasm_bindgen(getter, js_name = ownData)]
    pub fn own_data(&self) -> JsValue {
        self.session.own_data().map_or(JsValue::NULL, to_js)
    }
}
