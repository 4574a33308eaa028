//! `pyguide packages`: installs the curated packages (numpy, pandas, matplotlib, pytest) from
//! the lock into the data folder if they are missing, and shows what is installed.

use anyhow::Context;
use pyguide_content::Curriculum;
use pyguide_sandbox::discover_python;
use pyguide_sandbox::packages::{self, Action, Packages, CURATED};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// PyGuide's data folder (the packages go in its `packages/` folder).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Only show what is installed; never download.
    #[arg(long, conflicts_with_all = ["verify", "reinstall"])]
    pub status: bool,
    /// Also check every installed file against its wheel's RECORD.
    #[arg(long)]
    pub verify: bool,
    /// Remove the install and download it again.
    #[arg(long)]
    pub reinstall: bool,
    /// Where the packages are installed (default: the data folder's `packages/`).
    #[arg(long, value_name = "DIR", env = "PYGUIDE_PACKAGES_DIR")]
    pub packages_dir: Option<PathBuf>,
    /// The CPython the packages are for (default: $PYGUIDE_PYTHON, else python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let python = discover_python(args.python.as_deref()).map_err(anyhow::Error::msg).context("finding Python")?;
    let action = match (args.status, args.verify, args.reinstall) {
        (true, _, _) => Action::Status,
        (_, _, true) => Action::Reinstall,
        (_, true, _) => Action::Verify,
        _ => Action::Install,
    };
    let root = args.packages_dir.clone().unwrap_or_else(|| args.data_dir.join("packages"));
    let (exe, dir) = (python.executable.clone(), root.clone());
    let found = tokio::task::spawn_blocking(move || packages::packages(&exe, &dir, action)).await?;
    match found {
        Ok(Some(p)) => {
            println!("{}", describe(&p, &python.version));
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => {
            println!(
                "The packages ({}) are not installed for CPython {} in {}: run `pyguide packages` to install them.",
                CURATED.join(", "),
                python.version,
                root.display()
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => anyhow::bail!("{e}"),
    }
}

/// The installed packages as a table: the curated ones first, then what they need.
pub fn describe(p: &Packages, python_version: &str) -> String {
    let mut out = format!("Packages for CPython {python_version} in {}:\n", p.dir.display());
    let curated = |name: &str| CURATED.iter().any(|c| c.eq_ignore_ascii_case(name));
    let mut rows: Vec<_> = p.packages.iter().collect();
    rows.sort_by_key(|i| (!curated(&i.name), i.name.to_lowercase()));
    for i in rows {
        let role = if curated(&i.name) { "" } else { "  (needed by the others)" };
        out.push_str(&format!("  {:<16} {}{role}\n", i.name, i.version));
    }
    out.trim_end().to_string()
}

/// The packages for the server: installed on the first start (progress on stderr). A machine
/// that cannot install them serves without them and says which pages need them.
pub fn for_server(python: Option<&Path>, root: &Path, curriculum: &Curriculum) -> Option<Packages> {
    let python = discover_python(python).ok()?;
    match packages::packages(&python.executable, root, Action::Install) {
        Ok(p) => {
            if let Some(p) = &p {
                tracing::info!(dir = %p.dir.display(), "packages ready: {}", CURATED.join(", "));
            }
            p
        }
        Err(e) => {
            let pages = pages_needing_packages(curriculum);
            let pages = if pages.is_empty() { "none".to_string() } else { pages.join(", ") };
            tracing::warn!(
                "serving without {}: {e}. Programs that import them fail with a message saying so. Pages whose \
                 examples need them: {pages}",
                CURATED.join(", ")
            );
            None
        }
    }
}

/// The URLs of tutorials whose programs import a curated package, with the packages.
pub fn pages_needing_packages(curriculum: &Curriculum) -> Vec<String> {
    curriculum
        .tutorials
        .iter()
        .filter_map(|t| {
            let names = t.curated_imports();
            (!names.is_empty()).then(|| format!("/tutorials/{} ({})", t.slug, names.join(", ")))
        })
        .collect()
}
