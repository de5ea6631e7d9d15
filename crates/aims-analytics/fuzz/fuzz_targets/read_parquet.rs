#![no_main]
mod common;

libfuzzer_sys::fuzz_target!(init: common::init(), |data: &[u8]| common::run(data, "f.parquet"));
