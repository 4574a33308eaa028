//! Every message between the Rust side of the sandbox and the interpreter (`python/zygote.py`,
//! with `python/protocol.py`), as one serde enum with a version.
//!
//! Each message is one JSON object, `{"v": 1, "type": "...", ...}`: one SOCK_SEQPACKET message
//! (descriptors ride along as SCM_RIGHTS), one line on a run's status pipe or picture channel
//! (where a picture's raw bytes follow its line), or the whole of a run's payload pipe. `python/protocol.schema.json` is generated from these types (a test
//! keeps it current) and the Python side's tests check what it sends and accepts against it.

use crate::PictureFormat;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever a message changes shape; both sides refuse other versions.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message with its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    /// Always [`PROTOCOL_VERSION`].
    pub v: u32,
    #[serde(flatten)]
    pub message: Message,
}

/// What travels between the processes of the sandbox (see the process tree in `linux/mod.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Message {
    // ---- the sandbox init and the server, while the sandbox starts
    /// Sandbox init → server: map the ids of my new user namespace, please.
    MapIds,
    /// Server → sandbox init: the ids are mapped.
    IdsMapped,
    /// Server → sandbox init: the ids could not be mapped.
    MapFailed { error: String },
    /// Sandbox init → server: the sandbox could not be built, at this step.
    StartFailed { step: SetupStep, error: String },
    /// Interpreter → server: ready for spare cgroups.
    InterpreterReady,

    // ---- making units
    /// Server → interpreter → unit maker, with the cgroup's join files as descriptors: make a
    /// unit in this cgroup.
    Spare { cgroup: u64 },
    /// Unit maker → interpreter → server, with the sockets to the unit init and to the
    /// program's process: a unit is ready.
    UnitReady { cgroup: u64 },
    /// The cgroup's unit could not be made (the server removes the cgroup).
    UnitLost { cgroup: u64, error: String },
    /// A unit init could not be made at all (logged by the server).
    UnitError { error: String },
    /// Unit maker → init maker, with the socket the new unit init is to use: make one.
    MakeInit,
    /// Init maker → unit maker, with the new init's pidfd.
    InitMade,
    /// Unit init → unit maker: its folders are mounted.
    InitMounted,
    /// Init maker or unit init → unit maker: the init could not be made or mounted.
    InitFailed { error: String },
    /// Unit maker → unit init: the pid (in the unit) of the program's process to watch.
    ProgramPid { pid: i32 },
    /// Program's process → interpreter: rehearsed and ready for a run.
    ProgramReady,

    // ---- a run
    /// Server → program's process, with stdin, stdout, stderr, the status pipe, the payload
    /// pipe and the picture channel (a stream socket) as descriptors.
    Start,
    /// Server → unit init, with the run's status pipe.
    StatusPipe,
    /// Server → program's process, on the payload pipe: what to run.
    Program {
        code: String,
        files: BTreeMap<String, String>,
        /// A PyGuide tool (the inspector, the exercise checker) that runs `main.py` itself.
        tool: Option<Tool>,
    },
    /// Status pipe: the program exited with this code; after an uncaught exception, with what
    /// it means (`python/explain.py`'s answer, checked by [`crate::Explanation::from_untrusted`]).
    Exited {
        code: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        explanation: Option<serde_json::Value>,
    },
    /// Status pipe (unit init): the program's process was ended by this signal.
    Signalled { signal: i32 },
    /// Status pipe: the run could not be set up.
    SetupFailed { error: String },

    // ---- a run's picture channel (`python/pictures.py`; read by `supervise.rs`)
    /// Program's process → server: a picture of `bytes` raw bytes follows (a PNG, or a turtle
    /// drawing's JSON), `width` x `height` pixels. Checked by [`crate::Picture::from_untrusted`].
    Picture { format: PictureFormat, width: u32, height: u32, alt: String, bytes: u64 },
    /// Program's process → server: one more picture past [`crate::MAX_PICTURES`], counted and
    /// not sent.
    PictureDropped,
    /// Server → program's process, after each `picture` (placed in the output after the text
    /// printed before it) and each `picture_dropped` (counted): the program carries on.
    PictureTaken,
}

/// The step of building the sandbox that failed: what the kernel may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetupStep {
    /// Reading the plan the server passed.
    Plan,
    /// New mount, network, UTS, IPC or PID namespaces.
    Namespaces,
    /// The minimal root: mounts, device nodes, pivot_root.
    Root,
    /// A new user namespace, or becoming root in it.
    UserNamespace,
    /// The server mapping the namespace's ids.
    IdMap,
    /// Forking the interpreter and the init maker, or executing the interpreter.
    Start,
}

/// A PyGuide program run instead of `main.py`, with data files beside it; it lives outside the
/// learner's folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub source: String,
    pub files: BTreeMap<String, String>,
}

/// A message that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("not a sandbox message: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("protocol version {0}, expected {PROTOCOL_VERSION}")]
    Version(u32),
}

impl Message {
    /// The message as bytes, with its version.
    pub fn encode(&self) -> Vec<u8> {
        let envelope = Envelope { v: PROTOCOL_VERSION, message: self.clone() };
        serde_json::to_vec(&envelope).expect("a message always serialises")
    }

    /// The message as one line (for the status pipe).
    pub fn encode_line(&self) -> Vec<u8> {
        let mut line = self.encode();
        line.push(b'\n');
        line
    }

    /// Reads a message, checking its version.
    pub fn decode(bytes: &[u8]) -> Result<Message, ProtocolError> {
        let envelope: Envelope = serde_json::from_slice(bytes)?;
        if envelope.v != PROTOCOL_VERSION {
            return Err(ProtocolError::Version(envelope.v));
        }
        Ok(envelope.message)
    }
}

/// The JSON Schema of every message, as committed in `python/protocol.schema.json`.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Envelope);
    serde_json::to_string_pretty(&schema).expect("a schema always serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant: the round trip below, and the samples the Python side's tests
    /// read (`python/tests/protocol_samples.json`).
    pub(crate) fn samples() -> Vec<Message> {
        let files = BTreeMap::from([("helper.py".to_string(), "X = 1\n".to_string())]);
        vec![
            Message::MapIds,
            Message::IdsMapped,
            Message::MapFailed { error: "uid_map: permission denied".into() },
            Message::StartFailed { step: SetupStep::Root, error: "mount /proc: permission denied".into() },
            Message::InterpreterReady,
            Message::Spare { cgroup: 7 },
            Message::UnitReady { cgroup: 7 },
            Message::UnitLost { cgroup: 7, error: "forking into a unit: out of memory".into() },
            Message::UnitError { error: "mount /work: no space".into() },
            Message::MakeInit,
            Message::InitMade,
            Message::InitMounted,
            Message::InitFailed { error: "mount /tmp: no space".into() },
            Message::ProgramPid { pid: 2 },
            Message::ProgramReady,
            Message::Start,
            Message::StatusPipe,
            Message::Program { code: "print('hi')\n".into(), files: files.clone(), tool: None },
            Message::Program {
                code: "x = 1\n".into(),
                files: BTreeMap::new(),
                tool: Some(Tool { name: "inspector.py".into(), source: "pass\n".into(), files }),
            },
            Message::Exited { code: 0, explanation: None },
            Message::Exited {
                code: 1,
                explanation: Some(serde_json::json!({
                    "kind": "NameError",
                    "title": "Python does not know the name `scroe`; did you mean `score`?",
                    "text": "Line 2 uses `scroe`, but nothing by that name exists.",
                    "line": 2,
                    "fix": "Change `scroe` to `score`.",
                    "learn_more": "/tutorials/variables#name-error",
                })),
            },
            Message::Signalled { signal: 9 },
            Message::SetupFailed { error: "PyGuide sandbox error".into() },
            Message::Picture {
                format: PictureFormat::Png,
                width: 640,
                height: 480,
                alt: "Figure 1: squares".into(),
                bytes: 20_000,
            },
            Message::Picture {
                format: PictureFormat::Drawing,
                width: 400,
                height: 400,
                alt: "A turtle drawing".into(),
                bytes: 900,
            },
            Message::PictureDropped,
            Message::PictureTaken,
        ]
    }

    #[test]
    fn every_variant_round_trips() {
        for m in samples() {
            assert_eq!(Message::decode(&m.encode()).unwrap(), m);
            let line = m.encode_line();
            assert_eq!(line.last(), Some(&b'\n'));
            assert!(!line[..line.len() - 1].contains(&b'\n'), "one line: {}", String::from_utf8_lossy(&line));
        }
    }

    #[test]
    fn other_versions_and_garbage_are_refused() {
        assert!(matches!(Message::decode(br#"{"v": 2, "type": "exited", "code": 0}"#), Err(ProtocolError::Version(2))));
        assert!(matches!(Message::decode(b"{\"exit\": 0}"), Err(ProtocolError::Malformed(_))));
        assert!(matches!(
            Message::decode(br#"{"v": 1, "type": "exited", "code": 0, "extra": 1}"#),
            Err(ProtocolError::Malformed(_))
        ));
    }

    /// The committed schema and samples are what these types make; `PYGUIDE_BLESS=1` rewrites
    /// them.
    #[test]
    fn committed_schema_and_samples_are_current() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python");
        let samples: Vec<serde_json::Value> =
            samples().iter().map(|m| serde_json::from_slice(&m.encode()).expect("a message is JSON")).collect();
        let samples = serde_json::to_string_pretty(&samples).unwrap() + "\n";
        for (path, want) in
            [(root.join("protocol.schema.json"), schema()), (root.join("tests/protocol_samples.json"), samples)]
        {
            if std::env::var_os("PYGUIDE_BLESS").is_some() {
                std::fs::write(&path, &want).unwrap();
            }
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                have == want,
                "{} is stale: run PYGUIDE_BLESS=1 cargo test -p pyguide-sandbox protocol",
                path.display()
            );
        }
    }
}
