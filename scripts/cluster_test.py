"""Two `pyguide serve` replicas on one PostgreSQL database behind nginx (deploy/nginx.conf).

Run by scripts/cluster-test (which installs nginx and PostgreSQL and starts the database);
`--bench SECONDS` runs the load bench instead (one replica behind nginx, pages and hello-world
runs, p50/p99 per route, the server's RSS at the start and the end).

Every request of this script comes from one address, so the replicas are given per-client
shares large enough for the whole load (availability.* through PYGUIDE_ environment variables).
"""

import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELLO = {"code": "print('hello')"}
SLOW = {"code": "import time\nprint('begun', flush=True)\ntime.sleep(1.5)\nprint('done')"}
PAGES = ["/", "/tutorials/modules", "/playground"]

# All load comes from this script's one address: let it have what a crowd would.
ONE_CLIENT_FITS = {
    "PYGUIDE_AVAILABILITY__RUNS_PER_CLIENT": "64",
    "PYGUIDE_AVAILABILITY__QUEUE_PER_CLIENT": "256",
    "PYGUIDE_AVAILABILITY__QUEUE_TOTAL": "256",
    "PYGUIDE_AVAILABILITY__CONNECTIONS_PER_CLIENT": "1024",
    "PYGUIDE_AVAILABILITY__SHARES_PER_MINUTE": "100000",
    "PYGUIDE_AVAILABILITY__SHARES_PER_DAY": "1000000",
    "PYGUIDE_AVAILABILITY__TRUSTED_PROXIES": '["127.0.0.1/32"]',
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_nginx(rundir, listen, replicas):
    """deploy/nginx.conf with its placeholders filled in, written to RUNDIR/nginx.conf."""
    with open(os.path.join(ROOT, "deploy", "nginx.conf")) as f:
        text = f.read()
    upstreams = "\n        ".join(f"server {r} max_fails=1 fail_timeout=2s;" for r in replicas)
    text = text.replace("@UPSTREAMS@", upstreams).replace("@LISTEN@", listen).replace("@RUNDIR@", rundir)
    path = os.path.join(rundir, "nginx.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def request(addr, method, path, body=None, timeout=30):
    """(status, parsed JSON or text) of one request on a new connection; raises on I/O errors."""
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = {"Host": addr}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        kind = resp.getheader("Content-Type") or ""
        return resp.status, (json.loads(raw) if kind.startswith("application/json") else raw.decode("utf-8", "replace"))
    finally:
        conn.close()


class Replica:
    def __init__(self, name, binary, database_url, logdir, extra_env=None):
        self.name = name
        self.binary = binary
        self.database_url = database_url
        self.addr = f"127.0.0.1:{free_port()}"
        self.log = os.path.join(logdir, f"replica-{name}.log")
        self.extra_env = extra_env or {}
        self.proc = None

    def start(self):
        env = dict(os.environ, **ONE_CLIENT_FITS, **self.extra_env)
        env["PYGUIDE_DATABASE_URL"] = self.database_url
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--addr", self.addr, "--log-format", "json", "--drain", "15s"],
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"replica {self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                if request(self.addr, "GET", "/readyz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        sys.exit(f"replica {self.name} was not ready within 60 s; see {self.log}")

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def runs_counted(self):
        _, text = request(self.addr, "GET", "/metrics")
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith('pyguide_runs_total{entry="run"')
        )

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            return self.proc.wait(timeout)
        return self.proc.returncode if self.proc else None


def start_nginx(rundir, replicas):
    listen = f"127.0.0.1:{free_port()}"
    conf = render_nginx(rundir, listen, [r.addr for r in replicas])
    proc = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"], stderr=open(os.path.join(rundir, "nginx.log"), "ab"))
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(listen.rsplit(":", 1), timeout=1).close()
            return proc, listen
        except OSError:
            time.sleep(0.05)
    sys.exit("nginx did not start; see nginx.log")


class Load:
    """Worker threads sending a mix of requests until stopped; every answer recorded."""

    def __init__(self, addr, workers, mix):
        self.addr, self.mix = addr, mix
        self.results = []  # (route, status or exception name, seconds, started at, answer)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.work, args=(i,)) for i in range(workers)]

    def work(self, i):
        n = i
        while not self.stopping.is_set():
            route, method, path, body = self.mix[n % len(self.mix)]
            n += 1
            t0 = time.time()
            try:
                status, answer = request(self.addr, method, path, body)
            except OSError as e:
                status, answer = type(e).__name__, None
            with self.lock:
                self.results.append((route, status, time.time() - t0, t0, answer))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join()

    def failures(self):
        return [r for r in self.results if not (isinstance(r[1], int) and r[1] < 500)]


def left_behind(pid):
    """Cgroup folders named after the server pid (pyguide-<pid>) still present."""
    found = []
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        if dirpath.count("/") > 8:
            dirnames[:] = []
            continue
        found += [os.path.join(dirpath, d) for d in dirnames if d == f"pyguide-{pid}"]
    return found


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except OSError:
                pass
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def pyguide_processes(binary):
    """Pids of processes running the pyguide binary (servers and their sandboxes)."""
    target = os.path.realpath(binary)
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.path.realpath(f"/proc/{entry}/exe") == target:
                    pids.add(int(entry))
            except OSError:
                pass
    return pids


def summary(results):
    """How many of each status or error, in words."""
    counts = {}
    for r in results:
        counts[str(r[1])] = counts.get(str(r[1]), 0) + 1
    return ", ".join(f"{n} x {status}" for status, n in sorted(counts.items())) or "none"


def check(cond, what):
    print(("  ok   " if cond else "  FAIL ") + what, flush=True)
    if not cond:
        check.failed = True


check.failed = False


def cluster(binary, database_url, rundir):
    a = Replica("A", binary, database_url, rundir).start()
    b = Replica("B", binary, database_url, rundir).start()
    nginx, lb = start_nginx(rundir, [a, b])
    try:
        print("== a share made through nginx opens on each replica directly", flush=True)
        status, share = request(lb, "POST", "/api/share", {"code": "print('shared through nginx')"})
        check(status == 201, f"POST /api/share through nginx: {status}")
        for r in (a, b):
            status, page = request(r.addr, "GET", share["url"])
            check(status == 200 and "shared through nginx" in page, f"{share['url']} on replica {r.name}: {status}")

        print("== about 20 s of load through nginx; SIGKILL replica A at 8 s", flush=True)
        mix = [("page", "GET", p, None) for p in PAGES] + [
            ("run", "POST", "/api/run", HELLO),
            ("share", "POST", "/api/share", {"code": "print('load')"}),
        ]
        workers = 6
        with Load(lb, workers, mix) as load:
            time.sleep(8)
            killed_at = time.time()
            a.proc.kill()
            a.proc.wait()
            time.sleep(12)
        failures = load.failures()
        after = [r for r in load.results if r[3] > killed_at + 2]
        shares = [r[4]["id"] for r in load.results if r[0] == "share" and r[1] == 201]
        lost = [i for i in shares if request(lb, "GET", f"/s/{i}")[0] != 200]
        print(f"  {len(load.results)} requests, {len(failures)} failed: {summary(failures)}")
        check(len(failures) <= workers, f"only requests in flight on A failed ({len(failures)} <= {workers} workers)")
        check(all(f[3] < killed_at + 1 for f in failures), "every failure started before A was killed (+1 s)")
        check(after and all(r[1] in (200, 201) for r in after), f"nginx routes to B: {len(after)} answers after the kill, all good")
        check(not lost, f"{len(shares)} shares made, none lost ({len(lost)} missing)")

        print("== A again; SIGTERM B while its runs are in flight", flush=True)
        a.start()  # on its old address, the one nginx knows
        # nginx marked A down after the kill: wait until it sends A traffic again.
        time.sleep(2.5)
        b_pid = b.proc.pid
        with Load(lb, 6, [("slow run", "POST", "/api/run", SLOW), ("page", "GET", "/", None)]) as load:
            time.sleep(3)
            termed_at = time.time()
            b.proc.send_signal(signal.SIGTERM)
            time.sleep(4)
        code = b.proc.wait(30)
        runs = [r for r in load.results if r[0] == "slow run"]
        bad = [r for r in load.results if not (isinstance(r[1], int) and r[1] < 500)]
        wrong = [r for r in runs if r[1] == 200 and (r[4]["stdout"] != "begun\ndone\n" or r[4]["outcome"] != "success")]
        in_flight = [r for r in runs if r[3] < termed_at < r[3] + r[2]]
        print(f"  {len(load.results)} requests, {len(in_flight)} runs in flight at SIGTERM")
        check(not bad, f"no client saw a 5xx or a dropped connection ({summary(bad)})")
        check(not wrong, "every run finished with its real output")
        check(code == 0, f"B exited {code}")
        check(not left_behind(b_pid), "no cgroup of B is left")
        mine = {a.proc.pid} | descendants(a.proc.pid) | {os.getpid()}
        strays = pyguide_processes(binary) - mine
        check(not strays, f"no process of B is left ({sorted(strays)})")

        print("== quiet phase: runs sent straight to A are what its /metrics counts", flush=True)
        before = a.runs_counted()
        for _ in range(5):
            request(a.addr, "POST", "/api/run", HELLO)
        check(a.runs_counted() - before == 5, f"/metrics counted {a.runs_counted() - before} of 5 runs")

        with open(a.log) as f:
            lines = [json.loads(line) for line in f if line.startswith("{") and '"route"' in line]
        check(
            any(l.get("route") == "/api/run" and l.get("request_id") and l.get("client") for l in lines),
            "A logs JSON lines with the request id, route and client hash",
        )
    finally:
        for r in (a, b):
            r.stop()
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(10)
    return 1 if check.failed else 0


def measure(addr, workers, mix, secs, label):
    """`workers` clients on `mix` for `secs`: prints the rate, 5xx and p50/p99 per route;
    returns (requests/s, failures)."""
    with Load(addr, workers, mix) as load:
        time.sleep(secs)
    failures = len(load.failures())
    rate = len(load.results) / secs
    print(f"-- {label}, {workers} clients: {rate:.0f} requests/s, {failures} 5xx or dropped", flush=True)
    for route in ("page", "run"):
        times = sorted(x[2] for x in load.results if x[0] == route)
        if times:
            p50 = statistics.median(times) * 1000
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
            print(f"   {route:5} {len(times) / secs:6.0f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms", flush=True)
    return rate, failures


def bench(binary, database_url, rundir, seconds):
    """Pages and hello-world runs through nginx to one replica, at rising concurrency, for about
    `seconds` in all: for each step the rate, p50/p99 per route and the 5xx; the server's RSS at
    the start and the end. The start is taken after a warm-up at the highest concurrency, so that
    the threads, pools and allocator arenas a busy server keeps are counted once: what grows
    after that is what the load leaves behind. Then the best step again straight to the replica:
    the baseline, in the same run, that shows what nginx costs."""
    r = Replica("bench", binary, database_url, rundir).start()
    nginx, lb = start_nginx(rundir, [r])
    try:
        mix = [("page", "GET", p, None) for p in PAGES] + [("run", "POST", "/api/run", HELLO)] * 3
        steps = [2, 4, 8, 16]
        measure(lb, steps[-1], mix, 5, "warm-up")
        rss_start = r.rss_kib()
        secs = seconds / len(steps)
        best = None
        for workers in steps:
            rate, failures = measure(lb, workers, mix, secs, "through nginx")
            print(f"   server RSS {r.rss_kib() / 1024:.1f} MiB", flush=True)
            if failures == 0 and (best is None or rate > best[1]):
                best = (workers, rate)
        rss_end = r.rss_kib()
        if best is None:
            print("-- every step had 5xx")
            return 1
        print(f"-- highest rate with no 5xx through nginx: {best[1]:.0f} requests/s with {best[0]} clients")
        print(f"-- server RSS: {rss_start / 1024:.1f} MiB at the start, {rss_end / 1024:.1f} MiB at the end "
              f"({(rss_end - rss_start) * 100 / rss_start:+.1f}%)")
        direct, _ = measure(r.addr, best[0], mix, min(secs, 15), "baseline: straight to the replica")
        print(f"-- through nginx / straight: {best[1] / direct:.2f}")
    finally:
        r.stop()
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(10)
    return 0


def main():
    if sys.argv[1:2] == ["--render-nginx"]:
        rundir, listen, *replicas = sys.argv[2:]
        print(render_nginx(rundir, listen, replicas))
        return 0
    binary = os.environ.get("PYGUIDE_BIN") or os.path.join(ROOT, "target", "debug", "pyguide")
    database_url = os.environ["DATABASE_URL"]
    rundir = os.environ.get("CLUSTER_RUNDIR") or "/tmp"
    if sys.argv[1:2] == ["--bench"]:
        return bench(binary, database_url, rundir, float(sys.argv[2]) if len(sys.argv) > 2 else 120)
    return cluster(binary, database_url, rundir)


if __name__ == "__main__":
    sys.exit(main())
