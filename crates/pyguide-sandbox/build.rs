//! Builds the sandbox's one native helper, `src/linux/fork_into.c`, into a shared object that
//! the binary embeds (see `linux/init.rs`): the interpreter loads it to fork into a unit.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let src = "src/linux/fork_into.c";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-env-changed=CC");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return; // the sandbox (and this helper) is Linux-only
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("fork_into.so");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&out)
        .arg(src)
        .status()
        .unwrap_or_else(|e| panic!("cannot run the C compiler {cc:?} for {src}: {e} (install gcc, or set CC)"));
    assert!(status.success(), "{cc} failed to build {src}");
}
