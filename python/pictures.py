# PyGuide's pictures, in the learner's process: the module `_pyguide_pictures`.
#
# send_png and send_drawing each send one picture on the run's picture channel (a stream
# socket of its own, not stdout): a `picture` line (crates/pyguide-sandbox/src/linux/protocol.rs),
# the picture's bytes, then a wait for the server's `picture_taken` line, so that the picture
# lands after what the program printed before it (supervise.rs). Past the run's limit only a
# `picture_dropped` line goes (the server counts them), answered the same way: when the program
# ends, the server has taken everything it sent. Nothing here raises into the learner's
# program: a closed channel only stops the pictures.
#
# This module is also matplotlib's backend (MPLBACKEND=module://_pyguide_pictures): figures are
# drawn by Agg; plt.show() sends each open figure as a PNG and closes it, and the figures still
# open when the program ends are sent too. matplotlib is imported only by a program that uses it.
#
# The sandbox's interpreter loads this file once and tells it its channel in each run
# (zygote.py); the plain runner gives it in PYGUIDE_PICTURES ("fd,max").
import _thread
import json as _json
import os as _os
import sys as _sys

_FD = None  # the picture channel's descriptor, when this process has one
_PID = None  # only the process given the channel sends (a forked child's writes would mix in)
_MAX = 8  # pictures sent whole in a run (the server's MAX_PICTURES)
_sent = 0  # pictures sent whole so far
_figures = 0  # matplotlib figures shown so far: "Figure N" in their alt text
_at_exit_registered = False
_LOCK = _thread.allocate_lock()  # one picture at a time on the channel, whichever thread sends


def _configure(fd, max_pictures):
    """This process's channel is `fd`; at most `max_pictures` go whole."""
    global _FD, _PID, _MAX
    _FD, _PID, _MAX = fd, _os.getpid(), max_pictures


def _from_environment():
    """The plain runner's channel, from PYGUIDE_PICTURES."""
    setting = _os.environ.get("PYGUIDE_PICTURES", "")
    try:
        fd, max_pictures = (int(part) for part in setting.split(","))
        _os.set_inheritable(fd, False)  # not for the programs this one starts
    except (ValueError, OSError):
        return
    _configure(fd, max_pictures)


def send_png(png, width, height, alt):
    """Shows the PNG image `png` (bytes), `width` x `height` pixels, described by `alt`."""
    try:
        header = {"format": "png", "width": int(width), "height": int(height), "alt": str(alt)}
        _send(header, bytes(png))
    except Exception:
        pass


def send_drawing(drawing, alt):
    """Shows a turtle drawing (a dict: width, height, bgcolor, ops), described by `alt`."""
    try:
        if not _room():
            _send(None, b"")
            return
        body = _json.dumps(drawing, separators=(",", ":"), allow_nan=False).encode()
        header = {"format": "drawing", "width": int(drawing["width"]), "height": int(drawing["height"]),
                  "alt": str(alt)}
        _send(header, body)
    except Exception:
        pass


def _room():
    """Whether the next picture goes whole (else it is only counted)."""
    return _sent < _MAX


def _line(kind, **fields):
    message = {"v": 1, "type": kind}
    message.update(fields)
    return _json.dumps(message, separators=(",", ":")).encode() + b"\n"


def _send(header, body):
    """Sends a picture (`header` is its `picture` message's fields), or counts one past the
    limit (or when `header` is None), after the text printed so far."""
    global _sent
    if _FD is None or _os.getpid() != _PID:
        return
    for stream in (_sys.stdout, _sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    with _LOCK:
        if header is None or not _room():
            if _write(_line("picture_dropped")):
                _wait_taken()
            return
        if _write(_line("picture", bytes=len(body), **header) + body):
            _sent += 1
            _wait_taken()


def _write(data):
    """Writes all of `data` to the channel; False (and the channel forgotten) when it is closed."""
    global _FD
    view = memoryview(data)
    try:
        while view:
            view = view[_os.write(_FD, view):]
    except OSError:
        _FD = None
        return False
    return True


def _wait_taken():
    """Waits for the server's answer (one short line)."""
    global _FD
    answer = b""
    try:
        while not answer.endswith(b"\n") and len(answer) < 256:
            chunk = _os.read(_FD, 256)
            if not chunk:
                _FD = None
                return
            answer += chunk
    except OSError:
        _FD = None


# ---------------------------------------------------------------- matplotlib's backend

def __getattr__(name):
    """matplotlib asks for the canvas when it loads this module as its backend: Agg's. (It then
    copies this module's names, the canvas with them.)"""
    if name == "FigureCanvas":
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        globals()["FigureCanvas"] = FigureCanvasAgg
        _send_figures_at_exit()
        return FigureCanvasAgg
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def show(*args, **kwargs):
    """plt.show(): sends every open figure, then closes it."""
    _show_figures()


def _send_figures_at_exit():
    """The figures still open when the program ends are sent too (before matplotlib's own exit
    function closes them: exit functions run last registered first)."""
    global _at_exit_registered
    if not _at_exit_registered:
        import atexit

        atexit.register(_show_figures)
        _at_exit_registered = True


def _show_figures():
    try:
        from matplotlib import _pylab_helpers
        import matplotlib.pyplot as plt
        managers = _pylab_helpers.Gcf.get_all_fig_managers()
    except Exception:
        return
    for manager in managers:
        figure = manager.canvas.figure
        try:
            _send_figure(figure)
        except Exception:
            pass
        plt.close(figure)


def _send_figure(figure):
    global _figures
    _figures += 1
    if _FD is None:
        return
    if not _room():
        _send(None, b"")
        return
    alt = "Figure %d" % _figures
    described = _describe(figure)
    if described:
        alt += ": " + described
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    png = buffer.getvalue()
    # The size, from the PNG's header.
    send_png(png, int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"), alt)


def _describe(figure):
    """The figure's titles, or else its axis labels ("y against x")."""
    titles = []
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        titles.append(suptitle.get_text())
    titles += [ax.get_title() for ax in figure.axes if ax.get_title()]
    if titles:
        return "; ".join(titles)
    labels = []
    for ax in figure.axes:
        x, y = ax.get_xlabel(), ax.get_ylabel()
        if x and y:
            labels.append("%s against %s" % (y, x))
        elif x or y:
            labels.append(x or y)
    return "; ".join(labels)


_from_environment()
