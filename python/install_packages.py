# Installs PyGuide's curated packages (numpy, pandas, matplotlib, pytest and their
# dependencies) from packages/lock.json, with nothing but the interpreter's standard library:
# a fresh Debian has neither pip nor venv. Run by `pyguide packages` and `pyguide serve` on the
# host (never in the sandbox) with the interpreter the sandbox runs:
#
#   python3 -I install_packages.py PACKAGES_DIR status|install|verify|reinstall  < LOCK_JSON
#
# Each wheel is downloaded by its URL from PyPI, its SHA-256 checked against the lock, and
# unpacked (a wheel is a zip archive) into PACKAGES_DIR/<cpXY>-<digest of the lock>/site, each
# file checked against the wheel's RECORD. The folder is then byte-compiled (the sandbox mounts
# it read-only, so an import could never cache its bytecode) and matplotlib's font cache is
# built into mplconfig/ beside it. installed.json, written last, marks a finished install.
# Progress goes to stderr; the last line on stdout is one JSON object: the install, or
# {"error": ...}.
import base64
import compileall
import csv
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import urllib.request
import zipfile

TAG = "cp%d%d" % sys.version_info[:2]


class Failure(Exception):
    """Why the packages cannot be installed, in plain words; exit status 2 when the network is
    to blame, 3 when this interpreter or machine has no wheels in the lock."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def say(text):
    print(text, file=sys.stderr, flush=True)


def install_dir(lock, root):
    wheels = lock["interpreters"].get(TAG)
    if wheels is None or platform.machine() != "x86_64" or sys.platform != "linux":
        raise Failure("the lock has no wheels for CPython %s on %s %s (it covers %s on x86_64 Linux)" % (
            platform.python_version(), sys.platform, platform.machine(),
            ", ".join(sorted(lock["interpreters"]))), status=3)
    digest = hashlib.sha256(json.dumps(wheels, sort_keys=True).encode()).hexdigest()[:12]
    return wheels, os.path.join(root, "%s-%s" % (TAG, digest))


def describe(lock, folder):
    with open(os.path.join(folder, "installed.json"), encoding="utf-8") as f:
        installed = json.load(f)
    return {"python": TAG, "dir": folder, "site": os.path.join(folder, "site"),
            "mplconfig": os.path.join(folder, "mplconfig"), "curated": lock["curated"],
            "packages": installed["packages"]}


def download(wheel, number, total):
    name = wheel["url"].rsplit("/", 1)[1]
    try:
        with urllib.request.urlopen(wheel["url"], timeout=60) as response:
            data = response.read()
    except OSError as e:
        raise Failure("cannot download %s from PyPI: %s" % (name, e), status=2)
    say("  %2d/%d %s %s (%.1f MB)" % (number, total, wheel["name"], wheel["version"], len(data) / 1e6))
    if hashlib.sha256(data).hexdigest() != wheel["sha256"]:
        raise Failure("%s does not have the SHA-256 the lock pins: refusing it" % name)
    return data


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def unpack(data, site):
    """Unpacks one wheel into `site`, checking every file against its RECORD."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    records = [n for n in names if n.endswith(".dist-info/RECORD") and n.count("/") == 1]
    if len(records) != 1:
        raise Failure("a wheel without one RECORD")
    expected = {row[0]: row[1] for row in csv.reader(io.TextIOWrapper(archive.open(records[0]), "utf-8")) if row}
    data_dir = records[0].split("/")[0].replace(".dist-info", ".data")
    for name in names:
        if name.endswith("/"):
            continue
        if name.startswith("/") or ".." in name.split("/"):
            raise Failure("a wheel holds a path outside its folder: %s" % name)
        content = archive.read(name)
        if name != records[0] and expected.get(name) != record_hash(content):
            raise Failure("%s does not match its wheel's RECORD" % name)
        target = name
        if name.startswith(data_dir + "/"):
            # <name>.data/purelib and platlib go beside the rest; scripts, headers and data
            # files are of no use to a learner's program.
            parts = name.split("/", 2)
            if parts[1] not in ("purelib", "platlib") or len(parts) < 3:
                continue
            target = parts[2]
        path = os.path.join(site, target)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)


def font_cache(folder):
    """Builds matplotlib's font cache in mplconfig/ with the installed matplotlib, keeping only
    the fonts it ships (named relative to its data folder, so they are found wherever the
    sandbox mounts the install): the sandbox has no system fonts, and a font missing from disk
    makes matplotlib rebuild its cache (and say so on stderr) in a learner's run."""
    site, config = os.path.join(folder, "site"), os.path.join(folder, "mplconfig")
    os.makedirs(config, exist_ok=True)
    env = {"PYTHONPATH": site, "MPLCONFIGDIR": config, "MPLBACKEND": "Agg", "PATH": os.environ.get("PATH", "")}
    subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, %r); "
                    "import matplotlib.font_manager, matplotlib.pyplot" % site],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    for name in os.listdir(config):
        if name.startswith("fontlist-") and name.endswith(".json"):
            path = os.path.join(config, name)
            with open(path, encoding="utf-8") as f:
                fonts = json.load(f)
            for key in ("ttflist", "afmlist"):
                fonts[key] = [font for font in fonts[key] if not os.path.isabs(font["fname"])]
            with open(path, "w", encoding="utf-8") as f:
                json.dump(fonts, f, indent=1)


def install(lock, root):
    wheels, folder = install_dir(lock, root)
    if os.path.exists(os.path.join(folder, "installed.json")):
        return folder
    shutil.rmtree(folder, ignore_errors=True)  # an install that did not finish
    site = os.path.join(folder, "site")
    os.makedirs(site)
    say("Installing numpy, pandas, matplotlib and pytest for CPython %s into %s (%d wheels from PyPI)" % (
        platform.python_version(), folder, len(wheels)))
    for number, wheel in enumerate(wheels, 1):
        unpack(download(wheel, number, len(wheels)), site)
    say("  compiling to bytecode and building matplotlib's font cache")
    compileall.compile_dir(site, quiet=2, workers=0)
    font_cache(folder)
    # Readable by the sandbox's learner, whatever the umask.
    for parent, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(parent, name), 0o755)
        for name in files:
            os.chmod(os.path.join(parent, name), 0o644)
    with open(os.path.join(folder, "installed.json"), "w", encoding="utf-8") as f:
        json.dump({"packages": [{"name": w["name"], "version": w["version"]} for w in wheels]}, f, indent=1)
    # Installs of older locks are no longer used.
    for name in os.listdir(root):
        old = os.path.join(root, name)
        if name.startswith(TAG + "-") and old != folder:
            shutil.rmtree(old, ignore_errors=True)
    say("  done")
    return folder


def verify(folder):
    """Checks every installed file of every wheel against its RECORD."""
    site = os.path.join(folder, "site")
    checked = 0
    for entry in sorted(os.listdir(site)):
        if not entry.endswith(".dist-info"):
            continue
        with open(os.path.join(site, entry, "RECORD"), encoding="utf-8") as f:
            for row in csv.reader(f):
                if not row or not row[1] or ".data/" in row[0]:
                    continue
                try:
                    with open(os.path.join(site, row[0]), "rb") as g:
                        ok = record_hash(g.read()) == row[1]
                except OSError:
                    ok = False
                if not ok:
                    raise Failure("%s is missing or changed: run `pyguide packages --reinstall`" % row[0])
                checked += 1
    say("  %d files match their wheels' RECORD" % checked)


def main():
    root, mode = sys.argv[1:3]
    lock = json.load(sys.stdin)
    try:
        if mode in ("install", "reinstall"):
            os.makedirs(root, exist_ok=True)
        wheels, folder = install_dir(lock, root)
        if mode == "reinstall":
            shutil.rmtree(folder, ignore_errors=True)
        if mode in ("install", "reinstall"):
            install(lock, root)
        elif not os.path.exists(os.path.join(folder, "installed.json")):
            print(json.dumps({"missing": "not installed"}))
            return 0
        if mode == "verify":
            verify(folder)
        print(json.dumps(describe(lock, folder)))
        return 0
    except Failure as e:
        print(json.dumps({"error": str(e)}))
        return e.status


if __name__ == "__main__":
    sys.exit(main())
