//! The bindings, tested in headless Chromium on a page.
//! Run with `scripts/test.sh` (it sets wasm-bindgen-test-runner and chromedriver).
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn unknown_preset_is_refused() {
    common::unknown_preset_is_refused();
}

#[wasm_bindgen_test]
fn chunks_load_and_bad_rows_change_nothing() {
    common::chunks_load_and_bad_rows_change_nothing();
}

#[wasm_bindgen_test]
fn training_lowers_the_loss() {
    common::training_lowers_the_loss();
}

#[wasm_bindgen_test]
fn epochs_end_training() {
    common::epochs_end_training();
}

#[wasm_bindgen_test]
fn invalid_settings_change_nothing() {
    common::invalid_settings_change_nothing();
}

#[wasm_bindgen_test]
fn predictions_are_probabilities() {
    common::predictions_are_probabilities();
}

#[wasm_bindgen_test]
fn models_round_trip_and_bad_files_keep_the_model() {
    common::models_round_trip_and_bad_files_keep_the_model();
}

#[wasm_bindgen_test]
fn divergence_is_refused_and_rolled_back() {
    common::divergence_is_refused_and_rolled_back();
}
