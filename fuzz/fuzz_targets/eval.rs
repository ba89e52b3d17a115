//! libFuzzer target: [`whatif::fuzz::eval`] (its properties are documented there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| whatif::fuzz::eval(data));
