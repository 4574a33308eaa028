# outcome: success
# stdout: SAFE kernel
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
# bpf, keyctl, add_key, perf_event_open, kexec_load, init_module, io_uring_setup, userfaultfd, process_vm_readv
for nr, name in [(321, "bpf"), (250, "keyctl"), (248, "add_key"), (298, "perf_event_open"), (246, "kexec_load"),
                 (175, "init_module"), (425, "io_uring_setup"), (323, "userfaultfd"), (310, "process_vm_readv"),
                 (103, "syslog"), (169, "reboot"), (167, "swapon"), (163, "acct"), (319, "memfd_create")]:
    r = libc.syscall(nr, 0, 0, 0, 0, 0)
    if r >= 0:
        print("ESCAPED:", name, "returned", r)
print("SAFE kernel")
