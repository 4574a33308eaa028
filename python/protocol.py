# The Python side of the sandbox's messages (crates/pyguide-sandbox/src/linux/protocol.rs):
# every message is one JSON object {"v": 1, "type": ..., ...}; protocol.schema.json, generated
# from the Rust types, describes them all. The zygote is this file followed by zygote.py.
# The modules Python itself loads at start-up, taken before anything of the zygote's is
# imported: a run's sys.modules is reset to these (zygote.py, forget_modules).
BASELINE_MODULES = set(__import__("sys").modules)

import json as _json  # noqa: E402

PROTOCOL_VERSION = 1


class ProtocolError(Exception):
    """A message that is not one of the sandbox's."""


def encode(kind, **fields):
    """The message `kind` with its fields, as bytes."""
    message = {"v": PROTOCOL_VERSION, "type": kind}
    message.update(fields)
    return _json.dumps(message, separators=(",", ":")).encode()


def decode(data):
    """The message in `data` (a dict with its "type"), checking its version."""
    try:
        message = _json.loads(data)
    except ValueError as e:
        raise ProtocolError("not JSON: %s" % e)
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("not a sandbox message: %r" % (data[:80],))
    if message.get("v") != PROTOCOL_VERSION:
        raise ProtocolError("protocol version %r, expected %d" % (message.get("v"), PROTOCOL_VERSION))
    return message


# What this side sends, one function per message (the tests check each against the schema).
def interpreter_ready():
    return encode("interpreter_ready")


def unit_ready(cgroup):
    return encode("unit_ready", cgroup=cgroup)


def unit_lost(cgroup, error):
    return encode("unit_lost", cgroup=cgroup, error=error)


def unit_error(error):
    return encode("unit_error", error=error)


def make_init():
    return encode("make_init")


def program_pid(pid):
    return encode("program_pid", pid=pid)


def program_ready():
    return encode("program_ready")


def exited(code, explanation=None, max_explanation=8192):
    """The status line of a program that exited with `code`, with the explanation of the
    exception that ended it (explain.py's dict) when it takes at most `max_explanation` bytes."""
    if explanation is not None:
        if len(_json.dumps(explanation, separators=(",", ":")).encode()) <= max_explanation:
            return encode("exited", code=code, explanation=explanation) + b"\n"
    return encode("exited", code=code) + b"\n"


def setup_failed(error):
    return encode("setup_failed", error=error) + b"\n"

