//! Quickstart (work in progress).
fn main() {}
