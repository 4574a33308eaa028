//! A cgroup per run, with memory (no swap) and pids limits, on cgroup v2 or v1.
//!
//! The server makes one parent group `pyguide-<pid>` under its own cgroup (in each v1
//! hierarchy, or once in v2) and one child per run. The run's first process joins the child
//! itself (it is handed open `tasks` files on v1, `cgroup.procs` on v2); the server kills the
//! whole group on a timeout and removes it when the run is over.

use crate::SandboxError;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// A cgroup controller the sandbox uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Controller {
    /// The memory limit (no swap) and the OOM killer's count.
    Memory,
    /// The process and thread limit, and the count of forks refused at it.
    Pids,
    /// CPU weights (optional: runs share the cores fairly with it).
    Cpu,
    /// CPU time used by the run's processes together (optional on v1, where it may be a
    /// hierarchy of its own; v2's `cpu.stat` always has it).
    CpuAcct,
}

impl Controller {
    /// Its name in `/proc/self/cgroup` and in mount options.
    fn name(self) -> &'static str {
        match self {
            Controller::Memory => "memory",
            Controller::Pids => "pids",
            Controller::Cpu => "cpu",
            Controller::CpuAcct => "cpuacct",
        }
    }
}

/// Where the server's parent cgroups are.
#[derive(Debug, Clone)]
enum Layout {
    /// v1: one parent folder per controller's hierarchy (memory and pids always; cpu and cpuacct
    /// when mounted, possibly as one hierarchy).
    V1(BTreeMap<Controller, PathBuf>),
    /// v2: one parent folder in the unified hierarchy.
    V2(PathBuf),
}

impl Layout {
    /// One folder per hierarchy (cpu and cpuacct may share one).
    fn folders(&self) -> Vec<PathBuf> {
        match self {
            Layout::V1(dirs) => {
                let mut all: Vec<PathBuf> = dirs.values().cloned().collect();
                all.dedup();
                all
            }
            Layout::V2(dir) => vec![dir.clone()],
        }
    }
}

/// The server's parent cgroups.
#[derive(Debug)]
pub struct Cgroups {
    layout: Layout,
}

/// The cgroup(s) of one run.
#[derive(Debug)]
pub struct RunCgroup {
    id: u64,
    layout: Layout,
    /// The file of every hierarchy that a process joins through (`tasks` on v1, `cgroup.procs`
    /// on v2), opened for writing: the run's first process writes `0` into each to join.
    pub procs: Vec<File>,
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
    pub fn setup() -> Result<Cgroups, SandboxError> {
        let mounts = mountinfo().map_err(SandboxError::io("reading /proc/self/mountinfo"))?;
        let v1 = |ctrl: Controller| {
            mounts
                .iter()
                .find(|(_, t, o)| t == "cgroup" && o.split(',').any(|x| x == ctrl.name()))
                .map(|(m, _, _)| m.join(own_path(ctrl.name()).unwrap_or_default()))
        };
        let tag = format!("pyguide-{}", std::process::id());
        if let (Some(memory), Some(pids)) = (v1(Controller::Memory), v1(Controller::Pids)) {
            let mut parents = BTreeMap::new();
            for (ctrl, dir) in [(Controller::Memory, memory), (Controller::Pids, pids)] {
                remove_stale(&dir);
                let dir = dir.join(&tag);
                make_parent(&dir).map_err(|e| missing("cgroup v1", e.to_string()))?;
                parents.insert(ctrl, dir);
            }
            // cpu and cpuacct are optional: fair shares of the cores, and CPU time counted over
            // the whole run. Where they share a hierarchy, one folder serves both.
            for ctrl in [Controller::Cpu, Controller::CpuAcct] {
                let Some(dir) = v1(ctrl) else { continue };
                remove_stale(&dir);
                let dir = dir.join(&tag);
                if make_parent(&dir).is_ok() {
                    parents.insert(ctrl, dir);
                }
            }
            return Ok(Cgroups { layout: Layout::V1(parents) });
        }
        let unified = mounts.iter().find(|(_, t, _)| t == "cgroup2").map(|(m, _, _)| m.clone());
        if let Some(root) = unified {
            let controllers = fs::read_to_string(root.join("cgroup.controllers")).unwrap_or_default();
            let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
            if has("memory") && has("pids") {
                let base = Self::setup_v2(&root, &tag).map_err(|e| missing("cgroup v2", e.to_string()))?;
                return Ok(Cgroups { layout: Layout::V2(base) });
            }
        }
        let v1_missing: Vec<&str> = [Controller::Memory, Controller::Pids]
            .into_iter()
            .filter(|c| v1(*c).is_none())
            .map(Controller::name)
            .collect();
        Err(missing(
            "cgroup memory and pids controllers",
            format!("cgroup v1 lacks {} and cgroup v2 does not offer both", v1_missing.join(" and ")),
        ))
    }

    fn setup_v2(root: &Path, tag: &str) -> io::Result<PathBuf> {
        let own = root.join(own_path("").unwrap_or_default());
        remove_stale(&own);
        let base = own.join(tag);
        make_parent(&base)?;
        // A v2 group with processes cannot hand controllers to children: move this server into
        // a leaf of its own first, then enable memory and pids below its old group.
        if write(&own.join("cgroup.subtree_control"), "+memory +pids").is_err() {
            let leaf = own.join(format!("{tag}-server"));
            make_parent(&leaf)?;
            write(&leaf.join("cgroup.procs"), "0")?;
            write(&own.join("cgroup.subtree_control"), "+memory +pids")?;
        }
        write(&base.join("cgroup.subtree_control"), "+memory +pids")?;
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
        let (layout, join_file) = match &self.layout {
            Layout::V1(parents) => (
                Layout::V1(parents.iter().map(|(c, p)| (*c, p.join(&name))).collect()),
                // v1 joins through `tasks`, which moves one thread: the unit's first process is
                // single-threaded and writes `0` (itself), so the kernel skips its global
                // threadgroup lock, whose taking waits for an RCU grace period and stops every
                // fork and exit on the machine meanwhile (`cgroup.procs` takes it).
                "tasks",
            ),
            Layout::V2(base) => (Layout::V2(base.join(&name)), "cgroup.procs"),
        };
        let mut cg = RunCgroup { id, layout, procs: Vec::new(), weight: AtomicU8::new(Weight::Full as u8) };
        // Folders are made one by one; if one fails, dropping `cg` is not enough (it removes
        // nothing), so the ones made are removed here.
        let mut made = Vec::new();
        for dir in cg.folders() {
            if made.contains(&dir) {
                continue; // cpu and cpuacct in one hierarchy
            }
            if let Err(e) = fs::create_dir(&dir) {
                made.iter().rev().for_each(|d| drop(fs::remove_dir(d)));
                return Err(e);
            }
            made.push(dir);
        }
        let limits = || -> io::Result<()> {
            let v2 = matches!(cg.layout, Layout::V2(_));
            let memory = cg.folder(Controller::Memory);
            if v2 {
                write(&memory.join("memory.max"), &memory_bytes.to_string())?;
                let _ = write(&memory.join("memory.swap.max"), "0");
            } else {
                write(&memory.join("memory.limit_in_bytes"), &memory_bytes.to_string())?;
                let memsw = memory.join("memory.memsw.limit_in_bytes");
                if memsw.exists() {
                    write(&memsw, &memory_bytes.to_string())?;
                }
                let _ = write(&memory.join("memory.swappiness"), "0");
            }
            write(&cg.folder(Controller::Pids).join("pids.max"), &max_pids.to_string())
        };
        let joined = limits().and_then(|()| made.iter().map(|d| open_as(d, join_file)).collect::<io::Result<Vec<_>>>());
        match joined {
            Ok(files) => cg.procs = files,
            Err(e) => {
                made.iter().rev().for_each(|d| drop(fs::remove_dir(d)));
                return Err(e);
            }
        }
        // No CPU quota: a throttled group's processes stop wherever they are, kernel locks
        // held, for the rest of the period.
        cg.set_weight(Weight::Warming);
        Ok(cg)
    }

    /// Parent groups, for tests that check nothing is left behind.
    pub fn parents(&self) -> Vec<PathBuf> {
        self.layout.folders()
    }

    /// Removes every run cgroup left under the parents (each emptied first): what a server
    /// that stops leaves of runs and warm units it could not remove one by one.
    pub fn remove_runs(&self) {
        for parent in self.parents() {
            for run in fs::read_dir(&parent).into_iter().flatten().flatten() {
                if run.path().is_dir() {
                    empty_and_remove(&run.path());
                }
            }
        }
    }
}

/// Kills the processes in `dir` until it can be removed (five seconds at most).
fn empty_and_remove(dir: &Path) {
    let started = Instant::now();
    while fs::remove_dir(dir).is_err() && dir.exists() && started.elapsed() < Duration::from_secs(5) {
        for pid in pids_in(dir) {
            // SAFETY: plain syscall on a pid read from one of the server's own cgroups.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn pids_in(dir: &Path) -> Vec<i32> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn missing(feature: &'static str, detail: String) -> SandboxError {
    SandboxError::KernelFeatureMissing {
        feature,
        detail,
        hint: "run PyGuide as root on a Linux kernel with cgroup memory and pids controllers (v1 or v2)",
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        self.remove_runs();
        for p in self.parents() {
            let _ = fs::remove_dir(p);
        }
    }
}

/// Removes `pyguide-<pid>` groups (in the folder `parent`) left by servers that are gone.
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
    /// The id the group was made with (its folders are named `run-<id>`).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The group's folder in the hierarchy of `controller` (on v2, the one folder). Memory and
    /// pids always have one.
    fn folder(&self, controller: Controller) -> PathBuf {
        self.try_folder(controller).unwrap_or_default()
    }

    fn try_folder(&self, controller: Controller) -> Option<PathBuf> {
        match &self.layout {
            Layout::V1(dirs) => dirs.get(&controller).cloned(),
            Layout::V2(dir) => Some(dir.clone()),
        }
    }

    /// The group's folders, one per hierarchy.
    pub fn folders(&self) -> Vec<PathBuf> {
        self.layout.folders()
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
        match &self.layout {
            Layout::V2(dir) => drop(write(&dir.join("cpu.weight"), v2)),
            Layout::V1(dirs) => {
                if let Some(cpu) = dirs.get(&Controller::Cpu) {
                    let _ = write(&cpu.join("cpu.shares"), v1);
                }
            }
        }
    }

    /// Host pids of the run's processes.
    pub fn pids(&self) -> Vec<i32> {
        pids_in(&self.folder(Controller::Pids))
    }

    /// CPU time used by every process of the run so far, those gone included; None when the
    /// kernel does not count it per cgroup here.
    pub fn cpu_used(&self) -> Option<Duration> {
        match &self.layout {
            Layout::V2(dir) => fs::read_to_string(dir.join("cpu.stat"))
                .ok()?
                .lines()
                .find_map(|l| l.strip_prefix("usage_usec "))
                .and_then(|v| v.trim().parse().ok())
                .map(Duration::from_micros),
            Layout::V1(dirs) => fs::read_to_string(dirs.get(&Controller::CpuAcct)?.join("cpuacct.usage"))
                .ok()?
                .trim()
                .parse()
                .ok()
                .map(Duration::from_nanos),
        }
    }

    /// Kills every process of the run. Its weight goes back up first: a killed process still
    /// has to be scheduled to die, and at a low weight one that holds a kernel lock (a fork
    /// bomb is always in the middle of a fork) would keep every other fork waiting.
    pub fn kill_all(&self) {
        self.set_weight(Weight::Full);
        if let Layout::V2(dir) = &self.layout {
            if write(&dir.join("cgroup.kill"), "1").is_ok() {
                return;
            }
        }
        // v1: the run's unit init is among these; its death makes the kernel kill everything
        // else in the namespace, including what forked after this read. So one pass is
        // enough; `remove` waits until the group is empty.
        for pid in self.pids() {
            // SAFETY: plain syscall on a pid read from the run's own cgroup.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }

    /// How many times a fork or thread start of this run was refused at the pids limit.
    pub fn forks_refused(&self) -> u64 {
        fs::read_to_string(self.folder(Controller::Pids).join("pids.events"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("max ").and_then(|v| v.trim().parse().ok()))
            .unwrap_or(0)
    }

    /// Did the kernel's OOM killer kill a process of this run?
    pub fn oom_killed(&self) -> bool {
        let file = match self.layout {
            Layout::V2(_) => "memory.events",
            Layout::V1(_) => "memory.oom_control",
        };
        let text = fs::read_to_string(self.folder(Controller::Memory).join(file)).unwrap_or_default();
        text.lines()
            .any(|l| l.strip_prefix("oom_kill").and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > 0))
    }

    /// Kills what is left of the run, waits until the group is empty, then removes it (giving
    /// up after five seconds). Blocking: the kernel's cgroup lock can be held for long.
    pub fn remove_blocking(mut self) -> io::Result<()> {
        self.procs.clear();
        let started = Instant::now();
        loop {
            if self.pids().is_empty() {
                let mut last = Ok(());
                for d in self.folders().iter().rev() {
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
