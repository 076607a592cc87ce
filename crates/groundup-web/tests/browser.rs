//! The bindings, tested in headless Chromium on a page.
//! Run with `scripts/test-wasm.sh` (it sets wasm-bindgen-test-runner and chromedriver).
#![cfg(target_arch = "wasm32")]

mod common;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

binding_tests!(
    unknown_preset_is_refused,
    custom_specs_build_and_bad_ones_name_the_layer,
    chunks_load_and_bad_rows_change_nothing,
    training_lowers_the_loss,
    epochs_end_training,
    invalid_settings_change_nothing,
    predictions_are_probabilities,
    models_round_trip_and_bad_files_keep_the_model,
    divergence_is_refused_and_rolled_back,
    a_restarted_worker_resumes_where_the_run_stood,
    a_stalled_loss_is_reported_to_javascript,
    a_step_shared_with_a_shard_worker_is_the_same_step,
    shard_misuse_is_refused_and_changes_nothing,
    evaluation_pieces_agree,
    the_network_can_be_looked_inside,
    own_data_swaps_in_and_back,
    architectures_are_described_and_set,
    an_experiment_runs_on_copies_and_crosses_as_plain_objects,
);
