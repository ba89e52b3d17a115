//! libFuzzer target: [`whatif::fuzz::parse`] (its properties are documented there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| whatif::fuzz::parse(data));
