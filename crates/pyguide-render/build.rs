//! Rebuild when the embedded frontend bundle changes.
fn main() {
    println!("cargo:rerun-if-changed=../../frontend/dist");
    println!("cargo:rerun-if-changed=templates");
}
