//! Fuzz target `http_body`: see `browser_ai_mlops_testkit::fuzz::http_body` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| browser_ai_mlops_testkit::fuzz::http_body(data));
