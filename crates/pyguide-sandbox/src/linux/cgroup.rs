//! A cgroup per run, with memory (no swap) and pids limits, on cgroup v2 or v1.
//!
//! The server makes one parent group `pyguide-<pid>` under its own cgroup (in each v1
//! hierarchy, or once in v2) and one child per run. The run's first process joins the child
//! itself (it is handed open `tasks` files on v1, `cgroup.procs` on v2); the server kills the
//! whole group on a timeout and removes it when the run is over.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
enum Mode {
    /// v1: separate memory and pids hierarchies, and cpu when mounted.
    V1 { memory: PathBuf, pids: PathBuf, cpu: Option<PathBuf> },
    /// v2: one unified hierarchy.
    V2 { base: PathBuf },
}

/// The server's parent cgroups.
#[derive(Debug)]
pub struct Cgroups {
    mode: Mode,
}

/// The cgroup(s) of one run.
#[derive(Debug)]
pub struct RunCgroup {
    id: u64,
    dirs: Vec<PathBuf>,
    /// The file of every hierarchy that a process joins through (`tasks` on v1, `cgroup.procs`
    /// on v2), opened for writing: the run's first process writes `0` into each to join.
    pub procs: Vec<File>,
    /// Where the run's processes are listed (the pids group on v1).
    list: PathBuf,
    v2: bool,
    /// The [`Weight`] last set.
    weight: AtomicU8,
}

/// A run's share of the CPU against the server, the units warming up and other runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// That of the server: a run starts with it.
    Full = 0,
    /// A thirty-second of it, for a run still going after its first moments: a long run still
    /// has the CPU nobody else wants, but a hostile one (a spin, a thread bomb) cannot slow the
    /// short runs that make up nearly every press of Run.
    GiveWay = 1,
    /// A quarter of it, for a unit warming up: the runs under way come first, hostile runs
    /// that gave way still come after.
    Warming = 2,
}

fn mountinfo() -> io::Result<Vec<(PathBuf, String, String)>> {
    // (mount point, fs type, super options)
    let text = fs::read_to_string("/proc/self/mountinfo")?;
    Ok(text
        .lines()
        .filter_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            let mount_point = left.split(' ').nth(4)?;
            let mut r = right.split(' ');
            let fstype = r.next()?.to_string();
            let _source = r.next()?;
            let opts = r.next().unwrap_or("").to_string();
            Some((PathBuf::from(unescape(mount_point)), fstype, opts))
        })
        .collect())
}

fn unescape(s: &str) -> String {
    s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
}

/// This process's cgroup path in the hierarchy with `controller` (`""` for v2).
fn own_path(controller: &str) -> io::Result<PathBuf> {
    let text = fs::read_to_string("/proc/self/cgroup")?;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, ctrls, path) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let hit = if controller.is_empty() { ctrls.is_empty() } else { ctrls.split(',').any(|c| c == controller) };
        if hit {
            return Ok(PathBuf::from(path.trim_start_matches('/')));
        }
    }
    Ok(PathBuf::new())
}

fn write(path: &Path, value: &str) -> io::Result<()> {
    fs::write(path, value).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn make_parent(dir: &Path) -> io::Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io::Error::new(e.kind(), format!("cannot create {}: {e}", dir.display()))),
    }
}

impl Cgroups {
    /// Finds memory and pids controllers and makes this server's parent groups. The error
    /// names what is missing.
    pub fn setup() -> Result<Cgroups, String> {
        let mounts = mountinfo().map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
        let v1 = |ctrl: &str| {
            mounts.iter().find(|(_, t, o)| t == "cgroup" && o.split(',').any(|x| x == ctrl)).map(|(m, _, _)| m.clone())
        };
        let tag = format!("pyguide-{}", std::process::id());
        if let (Some(mem), Some(pids)) = (v1("memory"), v1("pids")) {
            let memory = mem.join(own_path("memory").unwrap_or_default()).join(&tag);
            let pids = pids.join(own_path("pids").unwrap_or_default()).join(&tag);
            for d in [&memory, &pids] {
                remove_stale(d.parent().unwrap_or(Path::new("/")));
                make_parent(d).map_err(|e| format!("cgroup v1: {e}"))?;
            }
            // The cpu controller is optional: it makes runs share the cores fairly, so one run's
            // hundred processes cannot starve another run (or the server).
            let cpu = v1("cpu").map(|c| c.join(own_path("cpu").unwrap_or_default()).join(&tag)).filter(|d| {
                remove_stale(d.parent().unwrap_or(Path::new("/")));
                make_parent(d).is_ok()
            });
            return Ok(Cgroups { mode: Mode::V1 { memory, pids, cpu } });
        }
        let unified = mounts.iter().find(|(_, t, _)| t == "cgroup2").map(|(m, _, _)| m.clone());
        if let Some(root) = unified {
            let controllers = fs::read_to_string(root.join("cgroup.controllers")).unwrap_or_default();
            let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
            if has("memory") && has("pids") {
                return Self::setup_v2(&root, &tag).map(|base| Cgroups { mode: Mode::V2 { base } });
            }
        }
        let v1_missing: Vec<&str> = ["memory", "pids"].into_iter().filter(|c| v1(c).is_none()).collect();
        Err(format!(
            "no cgroup memory and pids controllers: cgroup v1 lacks {} and cgroup v2 does not offer both",
            v1_missing.join(" and ")
        ))
    }

    fn setup_v2(root: &Path, tag: &str) -> Result<PathBuf, String> {
        let own = root.join(own_path("").unwrap_or_default());
        remove_stale(&own);
        let base = own.join(tag);
        make_parent(&base).map_err(|e| format!("cgroup v2: {e}"))?;
        // A v2 group with processes cannot hand controllers to children: move this server into
        // a leaf of its own first, then enable memory and pids below its old group.
        if write(&own.join("cgroup.subtree_control"), "+memory +pids").is_err() {
            let leaf = own.join(format!("{tag}-server"));
            make_parent(&leaf).map_err(|e| format!("cgroup v2: {e}"))?;
            write(&leaf.join("cgroup.procs"), "0").map_err(|e| format!("cgroup v2: {e}"))?;
            write(&own.join("cgroup.subtree_control"), "+memory +pids").map_err(|e| format!("cgroup v2: {e}"))?;
        }
        write(&base.join("cgroup.subtree_control"), "+memory +pids").map_err(|e| format!("cgroup v2: {e}"))?;
        // Optional, as on v1.
        let _ = write(&own.join("cgroup.subtree_control"), "+cpu")
            .and_then(|_| write(&base.join("cgroup.subtree_control"), "+cpu"));
        Ok(base)
    }

    /// Makes the cgroup of run `id` with its limits.
    pub fn create_run(&self, id: u64, memory_bytes: u64, max_pids: u64) -> io::Result<RunCgroup> {
        let name = format!("run-{id}");
        let open_as =
            |dir: &Path, file: &str| OpenOptions::new().write(true).custom_flags(libc::O_CLOEXEC).open(dir.join(file));
        match &self.mode {
            Mode::V1 { memory, pids, cpu } => {
                // v1 joins through `tasks`, which moves one thread: the unit's first process
                // is single-threaded and writes `0` (itself), so the kernel skips its global
                // threadgroup lock, whose taking waits for an RCU grace period and stops every
                // fork and exit on the machine meanwhile (`cgroup.procs` takes it).
                let open = |dir: &Path| open_as(dir, "tasks");
                let (m, p) = (memory.join(&name), pids.join(&name));
                fs::create_dir(&m)?;
                let mut cg = RunCgroup::new(id, m.clone(), p.clone(), false);
                fs::create_dir(&p)?;
                cg.dirs.push(p.clone());
                write(&m.join("memory.limit_in_bytes"), &memory_bytes.to_string())?;
                let memsw = m.join("memory.memsw.limit_in_bytes");
                if memsw.exists() {
                    write(&memsw, &memory_bytes.to_string())?;
                }
                let _ = write(&m.join("memory.swappiness"), "0");
                write(&p.join("pids.max"), &max_pids.to_string())?;
                cg.procs = vec![open(&m)?, open(&p)?];
                if let Some(cpu) = cpu {
                    let c = cpu.join(&name);
                    if fs::create_dir(&c).is_ok() {
                        cg.dirs.push(c.clone());
                        // No CPU quota: a throttled group's processes stop wherever they are,
                        // kernel locks held, for the rest of the period.
                        cg.procs.push(open(&c)?);
                    }
                }
                cg.set_weight(Weight::Warming);
                Ok(cg)
            }
            Mode::V2 { base } => {
                let d = base.join(&name);
                fs::create_dir(&d)?;
                let mut cg = RunCgroup::new(id, d.clone(), d.clone(), true);
                write(&d.join("memory.max"), &memory_bytes.to_string())?;
                let _ = write(&d.join("memory.swap.max"), "0");
                write(&d.join("pids.max"), &max_pids.to_string())?;

                cg.procs = vec![open_as(&d, "cgroup.procs")?];
                cg.set_weight(Weight::Warming);
                Ok(cg)
            }
        }
    }

    /// Parent groups, for tests that check nothing is left behind.
    pub fn parents(&self) -> Vec<PathBuf> {
        match &self.mode {
            Mode::V1 { memory, pids, cpu } => {
                [Some(memory.clone()), Some(pids.clone()), cpu.clone()].into_iter().flatten().collect()
            }
            Mode::V2 { base } => vec![base.clone()],
        }
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for p in self.parents() {
            let _ = fs::remove_dir(p);
        }
    }
}

/// Removes `pyguide-<pid>` groups left by servers that are gone.
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) =
            name.strip_prefix("pyguide-").and_then(|p| p.split('-').next()).and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            if let Ok(runs) = fs::read_dir(e.path()) {
                for r in runs.flatten().filter(|r| r.path().is_dir()) {
                    let _ = fs::remove_dir(r.path());
                }
            }
            let _ = fs::remove_dir(e.path());
        }
    }
}

impl RunCgroup {
    /// A group whose first folder is `dir` and whose processes are listed in `list`; more
    /// folders (v1 hierarchies) and the files to join through are added by the caller.
    fn new(id: u64, dir: PathBuf, list: PathBuf, v2: bool) -> RunCgroup {
        RunCgroup { id, dirs: vec![dir], procs: Vec::new(), list, v2, weight: AtomicU8::new(Weight::Full as u8) }
    }

    /// The id the group was made with (its folders are named `run-<id>`).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The group's folders, one per hierarchy.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Sets the run's CPU weight (written only when it changes).
    pub fn set_weight(&self, weight: Weight) {
        if self.weight.swap(weight as u8, Ordering::Relaxed) == weight as u8 {
            return;
        }
        let (v2, v1) = match weight {
            Weight::Full => ("100", "1024"),
            Weight::GiveWay => ("3", "32"),
            Weight::Warming => ("25", "256"),
        };
        if self.v2 {
            let _ = write(&self.list.join("cpu.weight"), v2);
        } else if let Some(c) = self.dirs.get(2) {
            let _ = write(&c.join("cpu.shares"), v1);
        }
    }

    /// Host pids of the run's processes.
    pub fn pids(&self) -> Vec<i32> {
        fs::read_to_string(self.list.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// Kills every process of the run. Its weight goes back up first: a killed process still
    /// has to be scheduled to die, and at a low weight one that holds a kernel lock (a fork
    /// bomb is always in the middle of a fork) would keep every other fork waiting.
    pub fn kill_all(&self) {
        self.set_weight(Weight::Full);
        if self.v2 && write(&self.list.join("cgroup.kill"), "1").is_ok() {
            return;
        }
        // v1: the run's pid-namespace init (G) is among these; its death makes the kernel kill
        // everything else in the namespace, including what forked after this read. So one pass
        // is enough; `remove` waits until the group is empty.
        for pid in self.pids() {
            // SAFETY: plain syscall on a pid read from the run's own cgroup.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }

    /// How many times a fork or thread start of this run was refused at the pids limit.
    pub fn forks_refused(&self) -> u64 {
        let file = if self.v2 {
            self.list.join("pids.events")
        } else {
            self.dirs.get(1).map(|d| d.join("pids.events")).unwrap_or_default()
        };
        fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("max ").and_then(|v| v.trim().parse().ok()))
            .unwrap_or(0)
    }

    /// Did the kernel's OOM killer kill a process of this run?
    pub fn oom_killed(&self) -> bool {
        let (file, key) = if self.v2 { ("memory.events", "oom_kill") } else { ("memory.oom_control", "oom_kill") };
        let text = fs::read_to_string(self.dirs[0].join(file)).unwrap_or_default();
        text.lines().any(|l| l.strip_prefix(key).and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > 0))
    }

    /// Kills what is left of the run, waits until the group is empty, then removes it (giving
    /// up after five seconds). Blocking: the kernel's cgroup lock can be held for long.
    pub fn remove_blocking(mut self) -> io::Result<()> {
        self.procs.clear();
        let started = Instant::now();
        loop {
            if self.pids().is_empty() {
                let mut last = Ok(());
                for d in self.dirs.iter().rev() {
                    match fs::remove_dir(d) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => last = Err(e),
                        _ => {}
                    }
                }
                match last {
                    Ok(()) => return Ok(()),
                    Err(e) if started.elapsed() > Duration::from_secs(5) => return Err(e),
                    Err(_) => {}
                }
            } else {
                self.kill_all();
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
