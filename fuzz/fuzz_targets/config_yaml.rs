//! Fuzz target `config_yaml`: see `browser_ai_mlops_testkit::fuzz::config_yaml` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| browser_ai_mlops_testkit::fuzz::config_yaml(data));
