# outcome: success
# stdout: SAFE read
for path in ["/etc/shadow", "/etc/ssh/ssh_host_rsa_key", "/root/.bash_history", "/home", "/proc/1/environ",
             "/proc/self/environ", "/proc/1/cmdline", "/sys/kernel", "{PROJECT}/Cargo.toml", "{PROJECT}/README.md"]:
    try:
        with open(path, "rb") as f:
            f.read(10)
        print("ESCAPED: read", path)
    except OSError:
        pass
print("SAFE read")
