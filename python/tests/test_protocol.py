"""The zygote's side of the sandbox's messages, checked against the schema generated from the
Rust types (python/protocol.schema.json): every message it sends, and every message it may
receive (python/tests/protocol_samples.json, one per Rust variant)."""
import json
import os
import re
import sys
import unittest

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.dirname(HERE)
sys.path.insert(0, PYTHON)

import pictures  # noqa: E402
import protocol  # noqa: E402


def load(name):
    with open(os.path.join(PYTHON, name), encoding="utf-8") as f:
        return json.load(f)


SCHEMA = load("protocol.schema.json")
SAMPLES = load("tests/protocol_samples.json")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Every message the zygote sends, made by protocol.py's functions.
SENT = {
    "interpreter_ready": protocol.interpreter_ready(),
    "unit_ready": protocol.unit_ready(7),
    "unit_lost": protocol.unit_lost(7, "could not make a unit: [Errno 12] out of memory"),
    "unit_error": protocol.unit_error("mount /work: no space left on device"),
    "make_init": protocol.make_init(),
    "program_pid": protocol.program_pid(2),
    "program_ready": protocol.program_ready(),
    "exited": protocol.exited(1, {"kind": "NameError", "title": "t", "text": "x", "line": 2, "fix": "f",
                                  "learn_more": None}),
    "setup_failed": protocol.setup_failed("KeyError('code')"),
    # The picture channel's messages, sent by pictures.py in the learner's process.
    "picture": pictures._line("picture", bytes=20000, format="png", width=640, height=480, alt="Figure 1: squares"),
    "picture_dropped": pictures._line("picture_dropped"),
}


def message_types(node):
    """The values of every `type` property the schema pins with `const`."""
    found = set()
    if isinstance(node, dict):
        const = node.get("properties", {}).get("type", {}).get("const")
        if isinstance(const, str):
            found.add(const)
        for value in node.values():
            found |= message_types(value)
    elif isinstance(node, list):
        for value in node:
            found |= message_types(value)
    return found


class Protocol(unittest.TestCase):
    def test_every_message_sent_matches_the_schema(self):
        for kind, data in SENT.items():
            with self.subTest(kind):
                message = json.loads(data)
                self.assertEqual(message["type"], kind)
                VALIDATOR.validate(message)

    def test_status_lines_are_one_line(self):
        for data in (protocol.exited(0), protocol.setup_failed("x\ny"), pictures._line("picture", alt="a\nb")):
            self.assertTrue(data.endswith(b"\n"))
            self.assertNotIn(b"\n", data[:-1])

    def test_every_rust_message_is_accepted(self):
        kinds = set()
        for sample in SAMPLES:
            with self.subTest(sample["type"]):
                VALIDATOR.validate(sample)
                self.assertEqual(protocol.decode(json.dumps(sample).encode()), sample)
                kinds.add(sample["type"])
        # The samples cover every message type the schema knows, and so does this side.
        self.assertEqual(kinds, message_types(SCHEMA))
        self.assertLessEqual(set(SENT), kinds)

    def test_an_explanation_too_large_is_left_out(self):
        explanation = {"kind": "NameError", "title": "t", "text": "x" * 9000, "line": 2, "fix": "f",
                       "learn_more": None}
        self.assertNotIn("explanation", json.loads(protocol.exited(1, explanation)))
        self.assertIn("explanation", json.loads(protocol.exited(1, explanation, max_explanation=10000)))

    def test_the_schema_rejects_what_rust_would(self):
        for bad in ({"v": 1, "type": "exited"}, {"v": 1, "type": "exited", "code": "0"},
                    {"v": 1, "type": "no_such_message"}):
            with self.subTest(bad):
                self.assertFalse(VALIDATOR.is_valid(bad))

    def test_other_versions_and_garbage_are_refused(self):
        for data in (b'{"v": 2, "type": "start"}', b"start", b"[]", b'{"v": 1}'):
            with self.subTest(data):
                with self.assertRaises(protocol.ProtocolError):
                    protocol.decode(data)

    def test_the_zygote_sends_only_protocol_messages(self):
        with open(os.path.join(PYTHON, "zygote.py"), encoding="utf-8") as f:
            source = f.read()
        # No message is spelled out by hand: a literal bytes or dict sent would bypass the schema.
        self.assertIsNone(re.search(r'\.send(msg)?\(\s*b"', source))
        self.assertIsNone(re.search(r'send_fds\([^,]+,\s*b"', source))
        self.assertNotIn("json.dumps", source)


if __name__ == "__main__":
    unittest.main()
