//! libFuzzer target: [`whatif::fuzz::merge`] (its properties are documented there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| whatif::fuzz::merge(data));
