//! The settings of `pyguide serve`: defaults, then a TOML file (`--config`), then `PYGUIDE_…`
//! environment variables, then flags, each layer overriding the one before (figment does the
//! layering). `pyguide config` prints the result and where each value came from.
//!
//! Environment variables are named after the key: `PYGUIDE_DATA_DIR` sets `data_dir`, and a
//! double underscore steps into a table, so `PYGUIDE_AVAILABILITY__RUNS_PER_CLIENT` sets
//! `availability.runs_per_client` and `PYGUIDE_LIMITS__WALL` sets `limits.wall`.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider};
use ipnet::IpNet;
use pyguide_sandbox::Limits;
use pyguide_server::Availability;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Every setting of `pyguide serve`, as the config file spells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the site listens on.
    pub addr: SocketAddr,
    /// Serve `/metrics` on this address instead of on `addr` (so that it is not public).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_addr: Option<SocketAddr>,
    /// Serve the tutorials in this folder instead of the embedded curriculum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<PathBuf>,
    /// Folder for the SQLite database of shared programs (when no `database_url`).
    pub data_dir: PathBuf,
    /// Store shared programs in this PostgreSQL database instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// The CPython to run programs with (default: python3 on PATH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<PathBuf>,
    /// Programs run at once (default: four per core).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<usize>,
    /// Run programs as plain child processes, without the sandbox (an author's own machine only).
    #[serde(deserialize_with = "bool_or_01")]
    pub unsafe_no_sandbox: bool,
    /// Where the curated packages are installed (default: `data_dir`'s `packages/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packages_dir: Option<PathBuf>,
    /// `text` for people, `json` for a log collector (one JSON object a line).
    pub log_format: LogFormat,
    /// On SIGTERM, how long runs in flight may take to finish before they are stopped.
    #[serde(with = "humantime_serde")]
    pub drain: Duration,
    /// Every limit of a run.
    pub limits: Limits,
    /// How the server shares itself among clients.
    pub availability: Availability,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_addr: None,
            content: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            python: None,
            max_concurrent: None,
            unsafe_no_sandbox: false,
            packages_dir: None,
            log_format: LogFormat::Text,
            drain: Duration::from_secs(15),
            limits: Limits::default(),
            availability: Availability::default(),
        }
    }
}

/// `true`/`false`, or `1`/`0` as environment variables often say it (`PYGUIDE_UNSAFE_NO_SANDBOX=1`).
fn bool_or_01<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Number(u64),
    }
    match Flag::deserialize(d)? {
        Flag::Bool(b) => Ok(b),
        Flag::Number(0) => Ok(false),
        Flag::Number(1) => Ok(true),
        Flag::Number(n) => Err(serde::de::Error::custom(format!("found {n}, expected true, false, 1 or 0"))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The flags of `pyguide serve` and `pyguide config`: each one given overrides the file and the
/// environment.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Flags {
    /// Read settings from this TOML file (see deploy/pyguide.toml for every key).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// Serve /metrics on this address instead of the site's.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Serve the tutorials in this folder instead of the embedded curriculum.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// Folder for PyGuide's data (the SQLite database of shared programs) [default: data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Store shared programs in this PostgreSQL database instead (postgres://user@host/db).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// The CPython to run programs with (default: python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Programs run at once (default: four per core).
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<usize>,
    /// Run programs as plain child processes, without the Linux sandbox. Only for an author's
    /// own machine: anything a program does, it does as you.
    #[arg(long)]
    pub unsafe_no_sandbox: bool,
    /// Where the curated packages are installed (default: the data folder's `packages/`).
    #[arg(long, value_name = "DIR")]
    pub packages_dir: Option<PathBuf>,
    /// Log as text (for people) or JSON lines (for a log collector) [default: text].
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// On SIGTERM, how long runs in flight may take before they are stopped [default: 15s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub drain: Option<Duration>,
    /// A proxy whose X-Forwarded-For is believed (a CIDR block; repeat for more).
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<IpNet>,
}

/// The prefix of every environment variable that sets a value.
pub const ENV_PREFIX: &str = "PYGUIDE_";

/// Where a value can come from, lowest precedence first.
const DEFAULT: &str = "default";
const FLAG: &str = "command line";

/// A provider under a name of ours, so that `pyguide config` can say "default" or "command line"
/// rather than a Rust type name.
struct Named<P> {
    name: &'static str,
    inner: P,
}

impl<P: Provider> Provider for Named<P> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.inner.data()
    }
}

impl Flags {
    /// The layers, lowest precedence first.
    pub fn figment(&self) -> Figment {
        let mut f = Figment::from(Named { name: DEFAULT, inner: Serialized::defaults(Settings::default()) });
        if let Some(path) = &self.config {
            f = f.merge(Toml::file_exact(path));
        }
        f = f.merge(env_provider());
        let flag = |key: &str, v: figment::value::Value| Named { name: FLAG, inner: Serialized::default(key, v) };
        let mut given: Vec<(&str, figment::value::Value)> = Vec::new();
        if let Some(v) = &self.addr {
            given.push(("addr", value(&v.to_string())));
        }
        if let Some(v) = &self.metrics_addr {
            given.push(("metrics_addr", value(&v.to_string())));
        }
        if let Some(v) = &self.content {
            given.push(("content", value(v)));
        }
        if let Some(v) = &self.data_dir {
            given.push(("data_dir", value(v)));
        }
        if let Some(v) = &self.database_url {
            given.push(("database_url", value(v)));
        }
        if let Some(v) = &self.python {
            given.push(("python", value(v)));
        }
        if let Some(v) = &self.max_concurrent {
            given.push(("max_concurrent", value(v)));
        }
        if self.unsafe_no_sandbox {
            given.push(("unsafe_no_sandbox", value(&true)));
        }
        if let Some(v) = &self.packages_dir {
            given.push(("packages_dir", value(v)));
        }
        if let Some(v) = &self.log_format {
            given.push(("log_format", value(v)));
        }
        if let Some(v) = &self.drain {
            given.push(("drain", value(&humantime::format_duration(*v).to_string())));
        }
        if !self.trusted_proxies.is_empty() {
            let cidrs: Vec<String> = self.trusted_proxies.iter().map(ToString::to_string).collect();
            given.push(("availability.trusted_proxies", value(&cidrs)));
        }
        for (key, v) in given {
            f = f.merge(flag(key, v));
        }
        f
    }

    /// The effective settings, or an error naming where the bad value came from, its key and
    /// what is allowed.
    pub fn load(&self) -> Result<Settings, ConfigError> {
        self.figment().extract().map_err(ConfigError::from)
    }
}

/// A flag's value as figment holds it. Flags are strings, numbers and lists of strings, which
/// always serialize.
fn value<T: Serialize>(v: &T) -> figment::value::Value {
    figment::value::Value::serialize(v).unwrap_or_else(|_| figment::value::Value::from(String::new()))
}

/// `PYGUIDE_…` variables whose name starts with a setting's key. Other tools share the prefix
/// (`PYGUIDE_BLESS` for the tests, for example), so variables that name no setting are left
/// alone; a misspelt key inside a table (`PYGUIDE_LIMITS__WAL`) is still an error.
fn env_provider() -> Env {
    Env::prefixed(ENV_PREFIX).split("__").filter(|key| {
        let top = key.as_str().split('.').next().unwrap_or_default();
        Settings::KEYS.iter().any(|k| k.eq_ignore_ascii_case(top))
    })
}

impl Settings {
    /// The top-level keys.
    pub const KEYS: [&'static str; 13] = [
        "addr",
        "metrics_addr",
        "content",
        "data_dir",
        "database_url",
        "python",
        "max_concurrent",
        "unsafe_no_sandbox",
        "packages_dir",
        "log_format",
        "drain",
        "limits",
        "availability",
    ];
}

/// Settings that cannot be used, each with where it came from, its key and what is allowed.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct ConfigError(Vec<String>);

impl From<figment::Error> for ConfigError {
    fn from(errors: figment::Error) -> Self {
        ConfigError(errors.into_iter().map(|e| describe(&e)).collect())
    }
}

/// One error as "FILE: key `a.b`: what is wrong; what is allowed".
fn describe(e: &figment::Error) -> String {
    use figment::error::Kind;
    let mut key = e.path.join(".");
    let what = match &e.kind {
        Kind::UnknownField(field, allowed) => {
            if !key.ends_with(field.as_str()) {
                key = if key.is_empty() { field.clone() } else { format!("{key}.{field}") };
            }
            format!("there is no such setting; allowed here: {}", allowed.join(", "))
        }
        Kind::UnknownVariant(v, allowed) => format!("{v:?} is not allowed; use one of: {}", allowed.join(", ")),
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            format!("found {actual}, expected {expected}")
        }
        other => other.to_string(),
    };
    let source = match &e.metadata {
        Some(md) => source_of(md, &key),
        None => "the settings".to_string(),
    };
    let key = if key.is_empty() { String::new() } else { format!(" key `{key}`:") };
    format!("{source}:{key} {what}")
}

/// Where a value came from, in words: the file, the environment variable, a flag, the default.
fn source_of(md: &Metadata, key: &str) -> String {
    match (&md.source, md.name.as_ref()) {
        (Some(figment::Source::File(path)), _) => format!("{}", path.display()),
        (_, DEFAULT) => DEFAULT.to_string(),
        (_, FLAG) => format!("{FLAG} (--{})", flag_name(key)),
        _ => format!("environment {}", env_name(key)),
    }
}

/// `availability.runs_per_client` → `PYGUIDE_AVAILABILITY__RUNS_PER_CLIENT`.
pub fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "__").to_ascii_uppercase())
}

fn flag_name(key: &str) -> String {
    match key {
        "availability.trusted_proxies" => "trusted-proxy".to_string(),
        k => k.replace('_', "-"),
    }
}

/// The effective settings as TOML lines, each followed by where its value came from. A password
/// in the database URL is shown as `***`.
pub fn explain(figment: &Figment, settings: &Settings) -> Result<String, ConfigError> {
    let mut shown = settings.clone();
    shown.database_url = shown.database_url.as_deref().map(hide_password);
    let value = toml::Value::try_from(&shown).map_err(|e| ConfigError(vec![e.to_string()]))?;
    let mut out = String::new();
    let toml::Value::Table(table) = value else { return Ok(out) };
    write_table(&mut out, figment, "", &table);
    Ok(out)
}

fn write_table(out: &mut String, figment: &Figment, prefix: &str, table: &toml::Table) {
    let (tables, leaves): (Vec<_>, Vec<_>) = table.iter().partition(|(_, v)| v.is_table());
    if !prefix.is_empty() {
        let _ = writeln!(out, "\n[{prefix}]");
    }
    for (k, v) in leaves {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        let from = figment.find_metadata(&key).map_or_else(|| DEFAULT.to_string(), |md| source_of(md, &key));
        let _ = writeln!(out, "{k} = {v}  # {from}");
    }
    for (k, v) in tables {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        if let toml::Value::Table(t) = v {
            write_table(out, figment, &key, t);
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
// figment's Jail (a temporary folder and environment per test) fixes its closures' error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../deploy/pyguide.toml");

    #[test]
    fn the_example_file_parses_and_names_every_key() {
        let settings: Settings =
            Figment::from(Toml::string(EXAMPLE)).extract().unwrap_or_else(|e| panic!("{}", ConfigError::from(e)));
        assert_eq!(settings.availability.runs_per_client, Availability::default().runs_per_client);
        let defaults = toml::Value::try_from(Settings { content: Some("x".into()), ..Settings::default() }).unwrap();
        let mut keys = Vec::new();
        for (k, v) in defaults.as_table().unwrap() {
            match v.as_table() {
                Some(t) => keys.extend(t.keys().cloned()),
                None => keys.push(k.clone()),
            }
        }
        for key in
            keys.iter().chain(["metrics_addr", "database_url", "python", "max_concurrent"].map(String::from).iter())
        {
            assert!(EXAMPLE.contains(&format!("{key} =")), "deploy/pyguide.toml does not mention `{key}`");
        }
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("pyguide.toml", "addr = \"127.0.0.1:1\"\ndrain = \"3s\"\n[limits]\nwall = \"4s\"\n")?;
            jail.set_env("PYGUIDE_DRAIN", "7s");
            jail.set_env("PYGUIDE_LIMITS__CPU_SECS", "2");
            jail.set_env("PYGUIDE_AVAILABILITY__RUNS_PER_CLIENT", "9");
            jail.set_env("PYGUIDE_BLESS", "1"); // another tool's variable: not a setting, ignored
            jail.set_env("PYGUIDE_UNSAFE_NO_SANDBOX", "1");
            let flags = Flags {
                config: Some("pyguide.toml".into()),
                addr: Some("127.0.0.1:2".parse().unwrap()),
                trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
                ..Flags::default()
            };
            let s = flags.load().map_err(|e| e.to_string())?;
            assert_eq!(s.addr, "127.0.0.1:2".parse().unwrap());
            assert_eq!(s.drain, Duration::from_secs(7));
            assert_eq!(s.limits.wall, Duration::from_secs(4));
            assert_eq!(s.limits.cpu_secs, 2);
            assert_eq!(s.limits.memory_bytes, Limits::default().memory_bytes);
            assert_eq!(s.availability.runs_per_client, 9);
            assert!(s.unsafe_no_sandbox);
            assert_eq!(s.availability.trusted_proxies, vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]);
            let text = explain(&flags.figment(), &s).map_err(|e| e.to_string())?;
            assert!(text.contains("addr = \"127.0.0.1:2\"  # command line (--addr)"), "{text}");
            assert!(text.contains("drain = \"7s\"  # environment PYGUIDE_DRAIN"), "{text}");
            assert!(text.contains("wall = \"4s\"  # pyguide.toml") || text.contains("/pyguide.toml"), "{text}");
            assert!(
                text.contains("runs_per_client = 9  # environment PYGUIDE_AVAILABILITY__RUNS_PER_CLIENT"),
                "{text}"
            );
            assert!(text.contains("max_processes = 64  # default"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_names_the_file_the_key_and_what_is_allowed() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("pyguide.toml", "[limits]\nwal = \"4s\"\n")?;
            let flags = Flags { config: Some("pyguide.toml".into()), ..Flags::default() };
            let e = flags.load().unwrap_err().to_string();
            assert!(e.contains("pyguide.toml"), "{e}");
            assert!(e.contains("key `limits.wal`"), "{e}");
            assert!(e.contains("allowed here: wall, input_wait"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_names_the_file_the_key_and_what_is_allowed() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("pyguide.toml", "log_format = \"xml\"\n")?;
            let flags = Flags { config: Some("pyguide.toml".into()), ..Flags::default() };
            let e = flags.load().unwrap_err().to_string();
            assert_eq!(e, "pyguide.toml: key `log_format`: \"xml\" is not allowed; use one of: text, json");
            jail.create_file("pyguide.toml", "[availability]\nruns_per_client = \"two\"\n")?;
            let e = flags.load().unwrap_err().to_string();
            assert_eq!(e, "pyguide.toml: key `availability.runs_per_client`: found string \"two\", expected usize");
            jail.set_env("PYGUIDE_LIMITS__WALL", "soon");
            let e = Flags::default().load().unwrap_err().to_string();
            assert!(e.contains("environment PYGUIDE_LIMITS__WALL: key `limits.wall`"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let flags = Flags { config: Some("/nonexistent/pyguide.toml".into()), ..Flags::default() };
        let e = flags.load().unwrap_err().to_string();
        assert!(e.contains("/nonexistent/pyguide.toml"), "{e}");
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(hide_password("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(hide_password("postgres://u@h/db"), "postgres://u@h/db");
    }
}
