"""Tests for python/turtle.py, PyGuide's recording turtle (stdlib unittest only).

Run from the repository root:
    python3 -m unittest discover -s python/tests -v

Each test loads a fresh copy of the module, with a fake `_pyguide_pictures` that keeps the
drawings sent. Where the standard turtle module can be imported (it needs tkinter, not a
display), its own geometry (TNavigator: the heading vector and circle arithmetic) is the
reference the positions are compared with.
"""

import importlib.util
import json
import math
import os
import subprocess
import sys
import sysconfig
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
TURTLE = os.path.join(PYTHON_DIR, "turtle.py")


def load_turtle():
    """A fresh PyGuide turtle module, and the list the fake picture channel appends to."""
    sent = []
    fake = types.ModuleType("_pyguide_pictures")
    fake.send_drawing = lambda drawing, alt: sent.append((json.loads(json.dumps(drawing)), alt))
    sys.modules["_pyguide_pictures"] = fake
    spec = importlib.util.spec_from_file_location("pyguide_turtle_under_test", TURTLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, sent


def load_standard_turtle():
    """The standard library's turtle module, or None where tkinter is missing."""
    try:
        import tkinter  # noqa: F401  (the standard module imports it first)
    except ImportError:
        return None
    path = os.path.join(sysconfig.get_paths()["stdlib"], "turtle.py")
    spec = importlib.util.spec_from_file_location("standard_turtle", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STANDARD = load_standard_turtle()


def lines(ops):
    return [(tuple(op["from"]), tuple(op["to"])) for op in ops if op["op"] == "line"]


class TurtleTest(unittest.TestCase):
    def setUp(self):
        self.turtle, self.sent = load_turtle()
        self.addCleanup(sys.modules.pop, "_pyguide_pictures", None)
        # Each copy registers its own exit function: drop it, this process is not a run.
        self.addCleanup(__import__("atexit").unregister, self.turtle._at_exit)

    def drawing(self):
        self.turtle.done()
        self.assertEqual(len(self.sent), 1, "one picture per done()")
        return self.sent[0][0]

    def test_square_is_four_lines(self):
        t = self.turtle
        for _ in range(4):
            t.forward(100)
            t.left(90)
        d = self.drawing()
        self.assertEqual(lines(d["ops"]),
                         [((0, 0), (100, 0)), ((100, 0), (100, 100)), ((100, 100), (0, 100)), ((0, 100), (0, 0))])
        for op in d["ops"][:4]:
            self.assertEqual((op["color"], op["width"]), ("black", 1))
            # Speed 3 (the default): the standard module's 1 + int(100 / (3 * 1.1**3 * 3)) = 9
            # frames of 10 ms.
            self.assertEqual(op["ms"], 90)
        self.assertEqual(d["ops"][-1], {"op": "turtle", "at": [0, 0], "heading": 0, "visible": True, "ms": 0})
        self.assertEqual((d["width"], d["height"], d["bgcolor"]), (400, 400, "white"))
        self.assertEqual(self.sent[0][1], "Turtle drawing: 4 lines")

    def test_aliases_and_turtle_objects(self):
        t = self.turtle
        bob = t.Turtle()
        bob.fd(50)
        bob.rt(90)
        bob.bk(20)
        bob.pu()
        bob.setpos(-10, -10)
        bob.pd()
        bob.seth(180)
        bob.back(5)
        self.assertEqual(bob.pos(), (-5, -10))
        self.assertEqual(repr(bob.position()), "(-5.00,-10.00)")
        self.assertEqual((bob.xcor(), bob.ycor(), bob.heading(), bob.isdown()), (-5, -10, 180, True))
        self.assertEqual(lines(self.drawing()["ops"]), [((0, 0), (50, 0)), ((50, 0), (50, 20)), ((-10, -10), (-5, -10))])

    def test_pen_up_moves_are_not_lines(self):
        t = self.turtle
        t.penup()
        t.goto(30, 40)
        t.pendown()
        t.goto((60, 40))
        t.up()
        t.home()
        self.assertEqual(lines(self.drawing()["ops"]), [((30, 40), (60, 40))])

    def test_circle_matches_the_standard_polygon(self):
        t = self.turtle
        t.circle(50)
        ops = [op for op in self.drawing()["ops"] if op["op"] == "line"]
        # 1 + int(min(11 + 50 / 6, 59)) chords of a polygon whose corners lie on the circle
        # around (0, 50).
        self.assertEqual(len(ops), 20)
        for op in ops:
            for x, y in (op["from"], op["to"]):
                self.assertAlmostEqual(math.hypot(x, y - 50), 50, delta=0.01)
        self.assertEqual(ops[-1]["to"], [0, 0])
        self.assertAlmostEqual(t.heading() % 360, 0, places=6)

    def test_arc_ends_where_the_standard_arc_ends(self):
        t = self.turtle
        t.circle(100, 180)  # 1 + int(min(11 + 100/6, 59) * 0.5) = 14 chords
        self.assertAlmostEqual(t.xcor(), 0, places=6)
        self.assertAlmostEqual(t.ycor(), 200, places=6)
        self.assertAlmostEqual(t.heading(), 180, places=6)
        t.circle(-30, 90, steps=3)  # clockwise, three chords
        self.assertAlmostEqual(t.xcor(), -30, places=6)
        self.assertAlmostEqual(t.ycor(), 230, places=6)
        self.assertAlmostEqual(t.heading(), 90, places=6)
        self.assertEqual(len(lines(self.drawing()["ops"])), 17)

    @unittest.skipIf(STANDARD is None, "the standard turtle module needs tkinter")
    def test_same_positions_as_the_standard_module(self):
        mine = self.turtle.Turtle()
        theirs = STANDARD.TNavigator()
        theirs.speed = lambda s=None: 0  # TNavigator.circle asks; speed is TPen's
        theirs._tracer = lambda *a: 0
        theirs._delay = lambda *a: 0
        moves = [("forward", 73.5), ("left", 33), ("circle", 40, 250), ("right", 117.25),
                 ("backward", 12), ("circle", -25), ("setheading", 300), ("forward", 10),
                 ("goto", 17, -4), ("circle", 60, -120, 7), ("left", 720.5), ("forward", 3)]
        for name, *args in moves:
            getattr(mine, name)(*args)
            getattr(theirs, name)(*args)
            self.assertEqual(tuple(mine.position()), tuple(theirs.position()), name)
            self.assertEqual(mine.heading(), theirs.heading(), name)
        # One line per move: circle(40, 250) is 1 + int(min(11 + 40/6, 59) * 250/360) = 13
        # chords, circle(-25) 1 + int(11 + 25/6) = 16, and the last circle its 7 steps.
        recorded = [tuple(op["to"]) for op in self.drawing()["ops"] if op["op"] == "line"]
        self.assertEqual(len(recorded), 1 + 13 + 1 + 16 + 1 + 1 + 7 + 1)
        self.assertEqual(recorded[-1], (round(theirs.xcor(), 2) + 0.0, round(theirs.ycor(), 2) + 0.0))

    def test_colours(self):
        t = self.turtle
        t.pencolor("Light Blue")
        self.assertEqual(t.pencolor(), "lightblue")
        t.color("#F80", (0.0, 0.5, 1.0))
        self.assertEqual(t.color(), ((1.0, 0x88 / 255, 0.0), (0.0, 128 / 255, 1.0)))
        t.colormode(255)
        t.fillcolor(10, 20, 30)
        self.assertEqual(t.fillcolor(), (10, 20, 30))
        t.forward(10)
        t.bgcolor("black")
        for bad in ("blurple", "#12345", (300, 0, 0), (1, 2)):
            with self.assertRaises(t.TurtleGraphicsError):
                t.pencolor(bad)
        d = self.drawing()
        self.assertEqual(d["ops"][0]["color"], "#ff8800")
        self.assertEqual(d["bgcolor"], "black")

    def test_fill_dot_and_write(self):
        t = self.turtle
        t.color("red", "yellow")
        t.pensize(3)
        t.begin_fill()
        self.assertTrue(t.filling())
        for _ in range(3):
            t.forward(60)
            t.left(120)
        t.end_fill()
        t.dot()
        t.dot(20, "blue")
        t.write("Hi!", align="center", font=("Arial", 24, "bold"))
        ops = self.drawing()["ops"]
        kinds = [op["op"] for op in ops]
        self.assertEqual(kinds, ["line", "line", "line", "fill", "dot", "dot", "text", "turtle"])
        fill = ops[3]
        self.assertEqual(fill["color"], "yellow")
        self.assertEqual(len(fill["points"]), 4)
        self.assertEqual(fill["points"][0], [0, 0])
        self.assertEqual([ops[4]["size"], ops[4]["color"]], [3 + 4, "red"])
        self.assertEqual([ops[5]["size"], ops[5]["color"]], [20, "blue"])
        self.assertEqual({k: ops[6][k] for k in ("text", "color", "size", "align")},
                         {"text": "Hi!", "color": "red", "size": 32, "align": "center"})
        self.assertIn("3 lines, 1 filled shape, 2 dots, text 'Hi!'", self.sent[0][1])

    def test_speed(self):
        t = self.turtle
        t.speed(0)
        t.forward(100)
        t.speed("fast")
        self.assertEqual(t.speed(), 10)
        t.forward(100)  # 1 + int(100 / (3 * 1.1**10 * 10)) = 2 frames
        t.speed(11)
        self.assertEqual(t.speed(), 0)
        t.tracer(0)
        t.speed(1)
        t.forward(100)
        self.assertEqual([op["ms"] for op in self.drawing()["ops"] if op["op"] == "line"], [0, 20, 0])

    def test_hidden_turtle_and_screen(self):
        t = self.turtle
        screen = t.Screen()
        self.assertIs(screen, t.Screen())
        screen.setup(300, 200)
        screen.title("Hi")
        screen.bgcolor("lightgreen")
        t.hideturtle()
        t.shape("turtle")
        t.forward(10)
        screen.exitonclick()
        d = self.sent[0][0]
        self.assertEqual((d["width"], d["height"], d["bgcolor"]), (300, 200, "lightgreen"))
        self.assertFalse(d["ops"][-1]["visible"])

    def test_size_grows_to_hold_the_drawing(self):
        t = self.turtle
        t.forward(300)
        d = self.drawing()
        self.assertEqual((d["width"], d["height"]), (640, 400))

    def test_a_drawing_past_the_servers_bounds_is_cut_to_fit(self):
        t = self.turtle
        t.speed(0)
        t.pensize(5000)
        for _ in range(10050):
            t.forward(1)
        t.goto(1e9, 0)
        t.dot(-30)
        d = self.drawing()
        self.assertEqual(len(d["ops"]), 10000, "the server's MAX_OPS, the turtle's end included")
        self.assertEqual(d["ops"][0]["width"], 1000)
        self.assertEqual(d["ops"][-1]["op"], "turtle")
        self.assertEqual(d["ops"][-1]["at"], [100000.0, 0.0])
        self.assertEqual((d["width"], d["height"]), (4096, 400))
        self.assertEqual(self.sent[0][1], "Turtle drawing: 9999 lines (the first 9999 of its 10052 moves)")
        self.assertEqual(len(t.Screen()._ops), 10000, "what no picture can hold is not kept")
        t.forward(1)
        t.done()
        self.assertEqual(len(self.sent), 2, "a move past the limit is still a move not shown")

    def test_one_picture_per_done_with_something_new(self):
        t = self.turtle
        t.forward(10)
        t.done()
        t.done()
        self.assertEqual(len(self.sent), 1)
        t.forward(10)
        t.mainloop()
        self.assertEqual(len(self.sent), 2)
        self.assertEqual(len(lines(self.sent[1][0]["ops"])), 2)  # the screen as it is now

    def test_unsupported_calls_say_what_is_supported(self):
        t = self.turtle
        for name in ("onkey", "stamp", "undo"):
            with self.assertRaisesRegex(AttributeError, "has no %s.*It supports: Turtle\\(\\), Screen\\(\\), forward" % name):
                getattr(t, name)
        with self.assertRaisesRegex(AttributeError, "no stamp"):
            t.Turtle().stamp()
        with self.assertRaisesRegex(AttributeError, "no ontimer"):
            t.Screen().ontimer
        with self.assertRaisesRegex(AttributeError, "has no attribute 'nonsense'"):
            t.nonsense
        with self.assertRaises(t.TurtleGraphicsError):
            t.forward("ten")
        with self.assertRaises(t.TurtleGraphicsError):
            t.shape("dragon")


class ProgramTest(unittest.TestCase):
    """`import turtle` in a program run as the sandbox runs it: python/ ahead of the standard
    library, a picture channel beside it."""

    def run_program(self, code):
        with tempfile.TemporaryDirectory() as lib, tempfile.TemporaryDirectory() as work:
            with open(os.path.join(lib, "_pyguide_pictures.py"), "w") as f:
                f.write("import json\n"
                        "def send_drawing(drawing, alt):\n"
                        "    print('PICTURE', json.dumps([drawing, alt]))\n")
            with open(os.path.join(work, "main.py"), "w") as f:
                f.write(code)
            env = {"PYTHONPATH": os.pathsep.join([PYTHON_DIR, lib])}
            out = subprocess.run([sys.executable, "-s", "main.py"], cwd=work, env=env, capture_output=True,
                                 text=True, timeout=60)
        self.assertEqual(out.stderr, "")
        return out.stdout.splitlines()

    def test_moves_not_shown_are_sent_at_the_end(self):
        out = self.run_program("import turtle\nprint(turtle.__doc__.split(':')[0])\nturtle.forward(5)\nprint('bye')\n")
        self.assertEqual(out[:2], ["PyGuide's turtle", "bye"])
        picture, alt = json.loads(out[2].split(" ", 1)[1])
        self.assertEqual(lines(picture["ops"]), [((0, 0), (5, 0))])
        self.assertEqual(len(out), 3)

    def test_done_sends_once(self):
        out = self.run_program("from turtle import *\nfd(5)\ndone()\nprint('after')\n")
        self.assertEqual([line.split(" ")[0] for line in out], ["PICTURE", "after"])


if __name__ == "__main__":
    unittest.main()
