//! Fuzz target `batch_jsonl`: see `browser_ai_mlops_testkit::fuzz::batch_jsonl` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| browser_ai_mlops_testkit::fuzz::batch_jsonl(data));
