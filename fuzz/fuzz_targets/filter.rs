//! Fuzz target `filter`: see `browser_ai_mlops_testkit::fuzz::filter` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| browser_ai_mlops_testkit::fuzz::filter(data));
