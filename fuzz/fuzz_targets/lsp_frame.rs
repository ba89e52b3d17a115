//! libFuzzer target: [`whatif::fuzz::lsp_frame`] (its properties are documented there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| whatif::fuzz::lsp_frame(data));
