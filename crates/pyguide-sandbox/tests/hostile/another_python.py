# outcome: success
# stdout: SAFE another python 42
# stdout: SAFE argv ['main.py'] ['python3', 'main.py']
# stdout: SAFE flags 0 0
# stdout: SAFE spawn [1, 4, 9]
# A program can start another Python, as it could on the learner's machine: sys.executable
# names the interpreter, and the new one runs under the same limits (its cgroup, its seccomp
# filter and its user). It sees what a fresh `python3 main.py` would see, not the sandbox's own
# command line.
import multiprocessing
import subprocess
import sys

out = subprocess.run([sys.executable, "-c", "import os; print(6 * 7, os.getuid())"], capture_output=True, text=True)
answer, uid = out.stdout.split()
print("SAFE another python", answer)
if uid != "1000":
    print("ESCAPED: the other Python runs as", uid)
print("SAFE argv", sys.argv, sys.orig_argv)
print("SAFE flags", sys.flags.ignore_environment, sys.flags.no_user_site)


def square(x):
    return x * x


if __name__ == "__main__":
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        print("SAFE spawn", pool.map(square, [1, 2, 3]))
