"""pictures.py, the learner's side of the picture channel, against a stand-in server on a socket
pair: what it sends (checked against the schema generated from the Rust types), the limit,
and that nothing it meets raises into the program."""
import json
import os
import socket
import subprocess
import sys
import threading
import unittest

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.dirname(HERE)
sys.path.insert(0, PYTHON)

import pictures  # noqa: E402

with open(os.path.join(PYTHON, "protocol.schema.json"), encoding="utf-8") as f:
    VALIDATOR = jsonschema.Draft202012Validator(json.load(f))

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


class StandIn:
    """The server's end: reads each picture, answers picture_taken; keeps what it read."""

    def __init__(self, answer=True):
        self.ours, theirs = socket.socketpair()
        pictures._configure(theirs.detach(), 2)
        pictures._sent = 0
        self.messages = []
        self.thread = threading.Thread(target=self.serve, args=(answer,), daemon=True)
        self.thread.start()

    def serve(self, answer):
        stream = self.ours.makefile("rb")
        while True:
            line = stream.readline()
            if not line:
                return
            message = json.loads(line)
            body = stream.read(message.get("bytes", 0))
            self.messages.append((message, body))
            if answer:
                self.ours.sendall(b'{"v":1,"type":"picture_taken"}\n')

    def close(self):
        os.close(pictures._FD)
        self.thread.join(5)
        self.ours.close()


class Pictures(unittest.TestCase):
    def test_pictures_go_whole_up_to_the_limit_then_are_counted(self):
        server = StandIn()
        pictures.send_png(PNG, 1, 1, "Figure 1: a")
        pictures.send_drawing({"width": 10, "height": 10, "bgcolor": "white", "ops": []}, "A drawing")
        pictures.send_png(PNG, 1, 1, "Figure 3: past the limit")
        server.close()
        kinds = [m["type"] for m, _ in server.messages]
        self.assertEqual(kinds, ["picture", "picture", "picture_dropped"])
        for message, _ in server.messages:
            VALIDATOR.validate(message)
        (png, png_body), (drawing, drawing_body) = server.messages[:2]
        self.assertEqual((png["format"], png["bytes"], png_body), ("png", len(PNG), PNG))
        self.assertEqual(drawing["format"], "drawing")
        self.assertEqual(json.loads(drawing_body)["width"], 10)

    def test_nothing_raises_into_the_program(self):
        server = StandIn(answer=False)
        server.ours.shutdown(socket.SHUT_RDWR)  # the server closed the channel
        pictures.send_png(PNG, 1, 1, "x")
        pictures.send_drawing({"width": float("nan")}, "not JSON")
        pictures.send_drawing("not a dict", "x")
        pictures.send_png(None, "wide", 1, "x")
        self.assertIsNone(pictures._FD, "a closed channel is forgotten")

    def test_importing_it_imports_no_matplotlib(self):
        code = "import sys; sys.path.insert(0, %r); import pictures; print('matplotlib' in sys.modules)" % PYTHON
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout, "False\n")


if __name__ == "__main__":
    unittest.main()
