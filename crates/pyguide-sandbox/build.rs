//! Builds the sandbox's one native helper, `src/linux/fork_into.c`, into a shared object that
//! the binary embeds (see `linux/init.rs`): the interpreter loads it to fork into a unit.
//! The `cc` crate finds the C compiler (the one Rust links with, or `$CC`) and its flags; it
//! builds static archives only, so the shared object is linked with the compiler it found.

use std::path::PathBuf;

fn main() {
    let src = "src/linux/fork_into.c";
    println!("cargo:rerun-if-changed={src}");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return; // the sandbox (and this helper) is Linux-only
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("fork_into.so");
    let compiler = cc::Build::new().opt_level(2).pic(true).warnings(true).extra_warnings(true).get_compiler();
    let mut cmd = compiler.to_command();
    cmd.args(["-shared", "-Werror", "-o"]).arg(&out).arg(src);
    let status = cmd.status().unwrap_or_else(|e| {
        panic!("cannot run the C compiler {:?} for {src}: {e} (install gcc, or set CC)", compiler.path())
    });
    assert!(status.success(), "{:?} failed to build {src}", compiler.path());
}
