"""PyGuide's turtle: `import turtle` in a PyGuide run gives this module instead of the standard
one (which needs a window, tkinter and a display). It has the same names and arguments for the
calls a beginner's drawing uses, works out the same geometry as the standard module (the same
heading vector arithmetic, the same polygon for a circle), and records what the turtle draws.
At done(), exitonclick() or mainloop(), or when the program ends with moves not yet shown, the
drawing goes to the page as one picture (`_pyguide_pictures.send_drawing`, in the format of
PyGuide's pictures contract), which draws it as an animated SVG at the turtle's speed.

Calls of the standard module that need a window (clicks, keys, timers, stamps, undo) raise an
AttributeError that names what is supported."""

import atexit
import math
import sys

# Degrees to radians as the standard module of this Python computes it (3.10 changed it, and
# the last bits of a position with it).
if sys.version_info >= (3, 10):
    _radians = math.radians
else:
    def _radians(degrees):
        return degrees * math.pi / 180.0

# What this turtle has, for the error message about what it has not (and for the README).
SUPPORTED = (
    "Turtle(), Screen(), forward/fd, backward/bk/back, left/lt, right/rt, setheading/seth, "
    "goto/setpos/setposition, setx, sety, home, penup/pu/up, pendown/pd/down, isdown, "
    "pensize/width, pencolor, fillcolor, color, colormode, begin_fill, end_fill, filling, "
    "circle, dot, write, speed, hideturtle/ht, showturtle/st, isvisible, shape, bgcolor, "
    "position/pos, xcor, ycor, heading, distance, towards, setup, title, tracer, update, "
    "done, mainloop, exitonclick, bye"
)

# The standard module's names this one lacks: asking for one says what there is instead.
_STANDARD_ONLY = frozenset((
    "ScrolledCanvas TurtleScreen RawTurtle RawPen Shape addshape bgpic clearscreen delay "
    "getcanvas getshapes listen mode numinput onkey onkeypress onkeyrelease onscreenclick "
    "ontimer register_shape resetscreen screensize setworldcoordinates textinput turtles "
    "window_height window_width begin_poly clear clearstamp clearstamps clone degrees "
    "end_poly get_poly getpen getscreen get_shapepoly getturtle onclick ondrag onrelease pen "
    "radians reset resizemode settiltangle setundobuffer shapesize shapetransform "
    "shearfactor stamp teleport tilt tiltangle turtlesize undo undobufferentries "
    "write_docstringdict onkeyrelease"
).split())

_DELAY_MS = 10  # the standard module's screen delay: one animation frame
_SPEEDS = {"fastest": 0, "fast": 10, "normal": 6, "slow": 3, "slowest": 1}
_SHAPES = ("arrow", "turtle", "circle", "square", "triangle", "classic", "blank")
_ALIGNS = ("left", "center", "right")
_MARGIN = 20  # room around a drawing whose size the program did not set
# What the server accepts in a drawing (crates/pyguide-sandbox/src/drawing.rs): a drawing past
# them is cut to fit here, rather than refused there.
_MAX_OPS = 10000
_MAX_FILL_POINTS = 100000
_MAX_SIDE = 4096
_MAX_COORD = 100000.0
_MAX_SIZE = 1000.0
_MAX_MS = 60000
_MAX_TEXT = 1000

# The CSS colour names (letters only), which the page and the server understand. The standard
# module asks Tk; these are the Tk names a beginner's program uses, spelled the CSS way
# ("light blue" is "lightblue").
_COLOR_NAMES = frozenset((
    "aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue "
    "blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk "
    "crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki "
    "darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen "
    "darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue "
    "dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite "
    "gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki "
    "lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan "
    "lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen "
    "lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen "
    "magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen "
    "mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream "
    "mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid "
    "palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum "
    "powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown "
    "seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen "
    "steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow "
    "yellowgreen"
).split())


class TurtleGraphicsError(Exception):
    """A call the standard module would refuse too (a bad colour, a bad speed)."""


class Terminator(Exception):
    """In the standard module, raised when its window was closed; kept for programs that
    catch it."""


def _unsupported(name):
    return AttributeError(
        "PyGuide's turtle draws a picture in the page and has no %s (it has no window: no "
        "clicks, keys, timers, stamps or undo). It supports: %s." % (name, SUPPORTED))


class Vec2D(tuple):
    """A point or vector, as the standard module's (its arithmetic, so the same positions)."""

    def __new__(cls, x, y):
        return tuple.__new__(cls, (x, y))

    def __add__(self, other):
        return Vec2D(self[0] + other[0], self[1] + other[1])

    def __mul__(self, other):
        if isinstance(other, Vec2D):
            return self[0] * other[0] + self[1] * other[1]
        return Vec2D(self[0] * other, self[1] * other)

    def __rmul__(self, other):
        if isinstance(other, (int, float)):
            return Vec2D(self[0] * other, self[1] * other)
        return NotImplemented

    def __sub__(self, other):
        return Vec2D(self[0] - other[0], self[1] - other[1])

    def __neg__(self):
        return Vec2D(-self[0], -self[1])

    def __abs__(self):
        return math.hypot(*self)

    def rotate(self, angle):
        """Rotated counterclockwise by `angle` degrees."""
        perp = Vec2D(-self[1], self[0])
        angle = _radians(angle)
        c, s = math.cos(angle), math.sin(angle)
        return Vec2D(self[0] * c + perp[0] * s, self[1] * c + perp[1] * s)

    def __getnewargs__(self):
        return (self[0], self[1])

    def __repr__(self):
        return "(%.2f,%.2f)" % self


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TurtleGraphicsError("%s must be a number, not %r" % (what, value))
    if not math.isfinite(value):
        raise TurtleGraphicsError("%s must be a finite number, not %r" % (what, value))
    return value


class _Screen:
    """The one drawing surface every turtle draws on, and what was drawn, in order."""

    def __init__(self):
        self._ops = []
        self._turtles = []
        self._bgcolor = "white"
        self._size = None  # (width, height) once setup() set it; else it fits the drawing
        self._colormode = 1.0
        self._tracing = True
        self._title = "Python Turtle Graphics"
        self._moves = 0  # every op drawn, those past what a picture can hold included
        self._sent = 0  # how many ops the last picture showed
        self._shown = False  # whether a picture was sent at all

    # -- what programs call

    def bgcolor(self, *args):
        if not args:
            return _color_value(self._bgcolor, self._colormode)
        self._bgcolor = _color_string(args, self._colormode)
        if self._bgcolor == "":
            self._bgcolor = "white"

    def setup(self, width=None, height=None, startx=None, starty=None):
        """The drawing's size in pixels (a fraction below 1 is of an 800x600 window, as the
        standard module's is of the screen's)."""
        def pixels(value, whole):
            if value is None:
                return None
            value = _number(value, "the size")
            return int(value * whole) if 0 <= value <= 1 else int(value)
        w, h = pixels(width, 800), pixels(height, 600)
        old = self._size or (400, 400)
        self._size = (w if w and w > 0 else old[0], h if h and h > 0 else old[1])

    def title(self, titlestring):
        self._title = str(titlestring)

    def colormode(self, cmode=None):
        if cmode is None:
            return self._colormode
        if cmode == 1.0:
            self._colormode = float(cmode)
        elif cmode == 255:
            self._colormode = int(cmode)
        else:
            raise TurtleGraphicsError("colormode must be 1.0 or 255, not %r" % (cmode,))

    def tracer(self, n=None, delay=None):
        """tracer(0) draws at once (no animation), until tracer(1)."""
        if n is None:
            return 1 if self._tracing else 0
        self._tracing = bool(n)

    def update(self):
        pass  # the page draws the whole picture; there is no window to refresh

    def mainloop(self):
        self._show()

    done = mainloop

    def exitonclick(self):
        self._show()

    def bye(self):
        self._show()

    def __getattr__(self, name):
        if name in _STANDARD_ONLY:
            raise _unsupported(name)
        raise AttributeError("'_Screen' object has no attribute %r" % (name,))

    # -- recording and sending

    def _add(self, op):
        # Only what a picture can hold is kept: a long loop's memory stays bounded.
        self._moves += 1
        if len(self._ops) < _MAX_OPS:
            op["ms"] = min(op["ms"], _MAX_MS)
            self._ops.append(op)

    def _show(self):
        """Sends the drawing as one picture, unless nothing was drawn since the last one."""
        if self._shown and self._moves == self._sent:
            return
        if not self._ops and not self._turtles:
            return
        self._sent = self._moves
        self._shown = True
        drawing, kept = self._drawing()
        alt = _alt(self._ops[:kept])
        if kept < self._moves:
            alt += " (the first %d of its %d moves)" % (kept, self._moves)
        import _pyguide_pictures

        _pyguide_pictures.send_drawing(drawing, alt)

    def _drawing(self):
        """The drawing as the page takes it, and how many of the ops it holds (the first ones,
        up to the server's limits)."""
        turtles = [{"op": "turtle", "at": _point(t._position), "heading": round(t.heading(), 2),
                    "visible": t._shown, "ms": 0} for t in self._turtles]
        ops = self._ops[:_MAX_OPS - len(turtles)]
        points = 0
        for kept, op in enumerate(ops):
            points += len(op.get("points", ()))
            if points > _MAX_FILL_POINTS:
                ops = ops[:kept]
                break
        width, height = self._size or _fitting_size(ops, self._turtles)
        size = (max(1, min(width, _MAX_SIDE)), max(1, min(height, _MAX_SIDE)))
        return {"width": size[0], "height": size[1], "bgcolor": self._bgcolor, "ops": ops + turtles}, len(ops)


def _point(p):
    # Hundredths of a pixel are plenty for the page, and keep the message small; a point far
    # off the canvas is kept at the server's bound, in the same direction.
    return [round(max(-_MAX_COORD, min(c, _MAX_COORD)), 2) + 0.0 for c in p]


def _pixels(value):
    """A pen width, dot size or font size as the page takes it (0 to _MAX_SIZE pixels)."""
    return min(abs(value), _MAX_SIZE)


def _fitting_size(ops, turtles):
    """A size centred on the origin that holds everything drawn (at least 400x400)."""
    far_x, far_y = 200 - _MARGIN, 200 - _MARGIN
    for op in ops:
        points = op.get("points") or [p for p in (op.get("from"), op.get("to"), op.get("at")) if p]
        for x, y in points:
            far_x, far_y = max(far_x, abs(x)), max(far_y, abs(y))
    for t in turtles:
        far_x, far_y = max(far_x, abs(t._position[0])), max(far_y, abs(t._position[1]))
    return int(math.ceil(2 * (far_x + _MARGIN))), int(math.ceil(2 * (far_y + _MARGIN)))


def _alt(ops):
    """Words for the picture, for those who cannot see it."""
    counts = {}
    texts = []
    for op in ops:
        counts[op["op"]] = counts.get(op["op"], 0) + 1
        if op["op"] == "text":
            texts.append(op["text"])
    parts = []
    for kind, one, many in (("line", "line", "lines"), ("fill", "filled shape", "filled shapes"),
                            ("dot", "dot", "dots")):
        n = counts.get(kind, 0)
        if n:
            parts.append("%d %s" % (n, one if n == 1 else many))
    if texts:
        parts.append("text " + ", ".join(repr(t) for t in texts[:3]) + (" and more" if len(texts) > 3 else ""))
    return "Turtle drawing: " + (", ".join(parts) if parts else "nothing drawn")


def _color_string(args, colormode):
    """The colour that `args` (a name, "#rgb"/"#rrggbb", or r, g, b in the colour mode) names,
    as the page takes it: "#rrggbb" or a CSS name; "" is no colour, as in the standard module."""
    if len(args) == 1:
        args = args[0]
    if isinstance(args, str):
        if args == "":
            return ""
        if args.startswith("#"):
            digits = args[1:]
            if len(digits) in (3, 6) and all(c in "0123456789abcdefABCDEF" for c in digits):
                if len(digits) == 3:
                    digits = "".join(c * 2 for c in digits)
                return "#" + digits.lower()
            raise TurtleGraphicsError("bad color string: %s (a hex colour is #rgb or #rrggbb)" % args)
        name = args.replace(" ", "").lower()
        if name in _COLOR_NAMES:
            return name
        raise TurtleGraphicsError("bad color string: %s (use a colour name such as 'red' or "
                                  "'light blue', '#ff8800', or (r, g, b))" % args)
    try:
        r, g, b = args
    except (TypeError, ValueError):
        raise TurtleGraphicsError("bad color arguments: %s" % (args,)) from None
    for c in (r, g, b):
        _number(c, "a colour's red, green and blue")
    if colormode == 1.0:
        r, g, b = [round(255.0 * c) for c in (r, g, b)]
    if not (0 <= r <= 255 and 0 <= g <= 255 and 0 <= b <= 255):
        raise TurtleGraphicsError("bad color sequence: %s (each of r, g, b goes from 0 to %s in "
                                  "colormode %s)" % (args, colormode, colormode))
    return "#%02x%02x%02x" % (int(r), int(g), int(b))


def _color_value(cstr, colormode):
    """What pencolor() and the like return: the name, or (r, g, b) in the colour mode."""
    if not cstr.startswith("#"):
        return cstr
    return tuple(int(cstr[i:i + 2], 16) * colormode / 255 for i in (1, 3, 5))


class Turtle:
    """A turtle on the screen, which records what it draws."""

    _pen = None  # the turtle the module-level functions move, made on first use
    _screen = None

    def __init__(self, shape="classic", undobuffersize=1000, visible=True):
        self.screen = Screen()
        self._position = Vec2D(0.0, 0.0)
        self._orient = Vec2D(1.0, 0.0)
        self._drawing = True
        self._pensize = 1
        self._pencolor = "black"
        self._fillcolor = "black"
        self._speed = 3
        self._shown = bool(visible)
        self._shape = "classic"
        self._fillpath = None
        self.shape(shape)
        self.screen._turtles.append(self)

    def __getattr__(self, name):
        if name in _STANDARD_ONLY:
            raise _unsupported(name)
        raise AttributeError("'Turtle' object has no attribute %r" % (name,))

    # -- moving

    def _ms(self, distance):
        """How long the page takes to draw a move of `distance` pixels: as many frames as the
        standard module's animation takes at this speed."""
        if not self._speed or not self.screen._tracing:
            return 0
        hops = 1 + int(distance / (3 * (1.1 ** self._speed) * self._speed))
        return hops * _DELAY_MS

    def _goto(self, end):
        start = self._position
        if self._drawing and self._pencolor != "":
            self.screen._add({"op": "line", "from": _point(start), "to": _point(end),
                              "color": self._pencolor, "width": _pixels(self._pensize),
                              "ms": self._ms(abs(end - start))})
        if self._fillpath is not None:
            self._fillpath.append(end)
        self._position = end

    def _go(self, distance):
        self._goto(self._position + self._orient * distance)

    def _rotate(self, angle):
        self._orient = self._orient.rotate(angle)

    def forward(self, distance):
        self._go(_number(distance, "the distance"))

    def backward(self, distance):
        self._go(-_number(distance, "the distance"))

    def left(self, angle):
        self._rotate(_number(angle, "the angle"))

    def right(self, angle):
        self._rotate(-_number(angle, "the angle"))

    def goto(self, x, y=None):
        if y is None:
            try:
                x, y = x
            except (TypeError, ValueError):
                raise TurtleGraphicsError("goto takes x and y, or one (x, y) pair, not %r" % (x,)) from None
        self._goto(Vec2D(_number(x, "x"), _number(y, "y")))

    def setx(self, x):
        self._goto(Vec2D(_number(x, "x"), self._position[1]))

    def sety(self, y):
        self._goto(Vec2D(self._position[0], _number(y, "y")))

    def home(self):
        self.goto(0, 0)
        self.setheading(0)

    def heading(self):
        x, y = self._orient
        return round(math.atan2(y, x) * 180.0 / math.pi, 10) % 360.0

    def setheading(self, to_angle):
        angle = _number(to_angle, "the heading") - self.heading()
        angle = (angle + 180.0) % 360.0 - 180.0
        self._rotate(angle)

    def circle(self, radius, extent=None, steps=None):
        """The standard module's polygon: `steps` chords, the turtle turned half a step
        before the first and after the last."""
        radius = _number(radius, "the radius")
        if extent is None:
            extent = 360.0
        extent = _number(extent, "the extent")
        if steps is None:
            frac = abs(extent) / 360.0
            steps = 1 + int(min(11 + abs(radius) / 6.0, 59.0) * frac)
        elif isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise TurtleGraphicsError("steps must be a whole number of at least 1, not %r" % (steps,))
        w = 1.0 * extent / steps
        w2 = 0.5 * w
        length = 2.0 * radius * math.sin(_radians(w2))
        if radius < 0:
            length, w, w2 = -length, -w, -w2
        self._rotate(w2)
        for _ in range(steps):
            self._go(length)
            self._rotate(w)
        self._rotate(-w2)

    def position(self):
        return Vec2D(*self._position)

    def xcor(self):
        return self._position[0]

    def ycor(self):
        return self._position[1]

    def distance(self, x, y=None):
        if y is None:
            x, y = x.position() if isinstance(x, Turtle) else x
        return abs(Vec2D(x, y) - self._position)

    def towards(self, x, y=None):
        if y is None:
            x, y = x.position() if isinstance(x, Turtle) else x
        dx, dy = Vec2D(x, y) - self._position
        return round(math.atan2(dy, dx) * 180.0 / math.pi, 10) % 360.0

    # -- the pen

    def penup(self):
        self._drawing = False

    def pendown(self):
        self._drawing = True

    def isdown(self):
        return self._drawing

    def pensize(self, width=None):
        if width is None:
            return self._pensize
        if _number(width, "the pen size") < 0:
            raise TurtleGraphicsError("the pen size cannot be negative: %r" % (width,))
        self._pensize = width

    def speed(self, speed=None):
        if speed is None:
            return self._speed
        if speed in _SPEEDS:
            speed = _SPEEDS[speed]
        elif isinstance(speed, str):
            raise TurtleGraphicsError("speed is 0 to 10 or one of %s, not %r" % (", ".join(_SPEEDS), speed))
        elif 0.5 < _number(speed, "the speed") < 10.5:
            speed = int(round(speed))
        else:
            speed = 0
        self._speed = speed

    def pencolor(self, *args):
        if not args:
            return _color_value(self._pencolor, self.screen._colormode)
        self._pencolor = _color_string(args, self.screen._colormode)

    def fillcolor(self, *args):
        if not args:
            return _color_value(self._fillcolor, self.screen._colormode)
        self._fillcolor = _color_string(args, self.screen._colormode)

    def color(self, *args):
        if not args:
            return self.pencolor(), self.fillcolor()
        if len(args) == 1:
            pen = fill = args[0]
        elif len(args) == 2:
            pen, fill = args
        elif len(args) == 3:
            pen = fill = args
        else:
            raise TurtleGraphicsError("color takes a colour, a pen and a fill colour, or r, g, b; got %r" % (args,))
        pen = _color_string((pen,), self.screen._colormode)
        self._fillcolor = _color_string((fill,), self.screen._colormode)
        self._pencolor = pen

    def begin_fill(self):
        self._fillpath = [self._position]

    def filling(self):
        return self._fillpath is not None

    def end_fill(self):
        if self._fillpath is None:
            return
        if len(self._fillpath) > 2 and self._fillcolor != "":
            self.screen._add({"op": "fill", "points": [_point(p) for p in self._fillpath],
                              "color": self._fillcolor, "ms": 0})
        self._fillpath = None

    def dot(self, size=None, *color):
        if not color:
            if isinstance(size, (str, tuple)):
                color = _color_string((size,), self.screen._colormode)
                size = self._pensize + max(self._pensize, 4)
            else:
                color = self._pencolor
                if not size:
                    size = self._pensize + max(self._pensize, 4)
        else:
            if size is None:
                size = self._pensize + max(self._pensize, 4)
            color = _color_string(color, self.screen._colormode)
        size = _number(size, "the dot's size")
        if color != "":
            self.screen._add({"op": "dot", "at": _point(self._position), "size": _pixels(size), "color": color,
                              "ms": self._ms(0)})

    def write(self, arg, move=False, align="left", font=("Arial", 8, "normal")):
        align = str(align).lower()
        if align not in _ALIGNS:
            raise TurtleGraphicsError("align is 'left', 'center' or 'right', not %r" % (align,))
        try:
            points = _number(font[1], "the font size")
        except (TypeError, IndexError):
            raise TurtleGraphicsError("font is (name, size, style), such as ('Arial', 16, 'normal'), "
                                      "not %r" % (font,)) from None
        text = str(arg)
        px = round(abs(points) * 4 / 3, 1)  # Tk's points at its usual 96 pixels per inch
        if self._pencolor != "":
            self.screen._add({"op": "text", "at": _point(self._position), "text": text[:_MAX_TEXT],
                              "color": self._pencolor, "size": _pixels(px), "align": align, "ms": self._ms(0)})
        if move:
            # The page measures the text; this is an average glyph's width.
            width = 0.6 * px * len(text)
            end = {"left": width, "center": width / 2, "right": 0}[align]
            x, y = self._position
            self._goto(Vec2D(x + end, y))

    # -- the turtle itself

    def hideturtle(self):
        self._shown = False

    def showturtle(self):
        self._shown = True

    def isvisible(self):
        return self._shown

    def shape(self, name=None):
        if name is None:
            return self._shape
        if name not in _SHAPES:
            raise TurtleGraphicsError("There is no shape named %s (the shapes are %s)" % (name, ", ".join(_SHAPES)))
        self._shape = name

    def getscreen(self):
        return self.screen

    fd = forward
    bk = back = backward
    lt = left
    rt = right
    seth = setheading
    setpos = setposition = goto
    pos = position
    pu = up = penup
    pd = down = pendown
    width = pensize
    ht = hideturtle
    st = showturtle


Pen = Turtle


def Screen():
    """The one screen (the standard module's is a singleton too)."""
    if Turtle._screen is None:
        Turtle._screen = _Screen()
        atexit.register(_at_exit)
    return Turtle._screen


def _at_exit():
    # A drawing the program did not show with done() is shown when it ends.
    screen = Turtle._screen
    if screen is not None and screen._moves != screen._sent:
        screen._show()


def _pen():
    if Turtle._pen is None:
        Turtle._pen = Turtle()
    return Turtle._pen


def _turtle_function(name):
    def call(*args, **kwargs):
        return getattr(_pen(), name)(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = getattr(Turtle, name).__doc__
    return call


def _screen_function(name):
    def call(*args, **kwargs):
        return getattr(Screen(), name)(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = getattr(_Screen, name).__doc__
    return call


_TURTLE_FUNCTIONS = (
    "forward fd backward bk back left lt right rt goto setpos setposition setx sety home "
    "setheading seth heading circle position pos xcor ycor distance towards penup pu up pendown "
    "pd down isdown pensize width speed pencolor fillcolor color begin_fill end_fill filling dot "
    "write hideturtle ht showturtle st isvisible shape"
).split()
_SCREEN_FUNCTIONS = "bgcolor setup title colormode tracer update mainloop done exitonclick bye".split()

for _name in _TURTLE_FUNCTIONS:
    globals()[_name] = _turtle_function(_name)
for _name in _SCREEN_FUNCTIONS:
    globals()[_name] = _screen_function(_name)
del _name

__all__ = (["Turtle", "Pen", "Screen", "Vec2D", "Terminator", "TurtleGraphicsError"]
           + _TURTLE_FUNCTIONS + _SCREEN_FUNCTIONS)


def __getattr__(name):
    if name in _STANDARD_ONLY:
        raise _unsupported(name)
    raise AttributeError("module 'turtle' has no attribute %r" % (name,))
