//! Rebuild when the embedded curriculum changes.
fn main() {
    println!("cargo:rerun-if-changed=../../content");
}
