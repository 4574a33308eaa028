"""PyGuide's error explainer: the exception that ended a learner's program, in plain words.

    explain(exc, sources, anchors=None) -> {"kind", "title", "text", "line", "fix", "learn_more"}

`sources` maps the learner's file names (main.py, helper modules, data files) to their text.
`kind` is the exception's class name, or a finer kind for the syntax families
(`SyntaxError.missing_colon`, `IndentationError.unexpected_indent`, ...). `line` is the line in
the learner's own file: the innermost traceback frame in one of their files, or the line a
SyntaxError points at (the opening bracket's line for an unclosed bracket, whatever line the
interpreter noticed it on). `learn_more` is `/tutorials/<slug>#<anchor>` of the section of the
curriculum that teaches the fix; with `anchors` (the set of such links the served curriculum
has) a link it lacks becomes None.

It runs inside the sandbox, in the learner's process, after the program has ended, and it
never calls code the learner defined: no repr(), str(), ==, hash() or attribute access on an
object whose exact type is not a built-in one. Values are read from frames and containers only
when their exact type is a built-in scalar or container of such (`_safe_repr`); anything else
is left out. Names and attributes the learner may have misspelled are matched against the
frame's names, the learner's source text and the built-ins, never against dir() of their
objects. Every value shown is cut to MAX_VALUE characters.

It imports nothing beyond `builtins`, `sys` and `os`, which every Python has loaded at
start-up: explaining an error costs a fraction of a millisecond, and importing the module about
1.5 ms (tests/bench_explain.py measures both). Imported before the learner's program runs (the
zygote can do it once, before it forks units, without leaving it in sys.modules), it keeps the
real built-ins even if the program replaces them (see below).

As a command (the tests run it under each CPython):

    python explain.py FILE

runs FILE as main.py (compiled as <FILE's folder>/main.py and exec'd in a fresh `__main__`
namespace, from FILE's folder, whose other files are the example's files), sends the
program's own output and its traceback to stderr, and prints the explanation as JSON on stdout
(`null` when the program ends without an exception).
"""

import builtins
import os
import sys

# The built-ins and os functions this module calls, bound as its own globals when it is
# imported. In the sandbox it is imported before the learner's program runs, so a program that
# replaces `builtins.repr`, `builtins.len` or `os.path.basename` with a function of its own
# cannot get that function called by the explainer.
globals().update(
    (name, getattr(builtins, name))
    for name in (
        "any bool bytes complex dict dir enumerate float frozenset getattr int issubclass len list max min "
        "ord range repr set sorted str tuple type object BaseException Exception SyntaxError "
        "IndentationError TabError UnicodeDecodeError OSError"
    ).split()
)
_getcwd = os.getcwd  # posix.getcwd, in C


def _basename(path):
    # Not os.path.basename: posixpath's functions look up built-ins (len) at call time.
    return path.rpartition("/")[2]


def _dirname(path):
    return path.rpartition("/")[0]


_MODULES = sys.modules  # the interpreter's own dict, even if a program rebinds sys.modules
_DEBUG = bool(os.environ.get("PYGUIDE_EXPLAIN_DEBUG"))  # the tests want the explainer's own errors raised

# Third-party packages the sandbox offers besides the standard library.
CURATED_PACKAGES = ("numpy", "pandas", "matplotlib", "pytest")

MAX_VALUE = 60  # characters of any one value shown

# What each explanation links to: a topic (a kind, or a finer case of one) -> a section of the
# curriculum. tests/test_explain.py checks that every target is a real heading under content/.
# The topics in GENERIC_TOPICS are the fallbacks that restate the interpreter's message in plain
# words without anything specific to the learner's code.
LEARN_MORE = {
    "general": "/tutorials/exceptions#tracebacks",
    "general.raised": "/tutorials/exceptions#tracebacks",
    "NameError": "/tutorials/variables#name-error",
    "NameError.before_assignment": "/tutorials/variables#name-error",
    "NameError.function_before_def": "/tutorials/functions#defining-the-function-after-calling-it",
    "NameError.missing_quotes": "/tutorials/first-program#forgetting-the-quotes-around-text",
    "NameError.missing_import": "/tutorials/modules#import-forms",
    "NameError.free_variable": "/tutorials/scope-and-closures#closures",
    "UnboundLocalError": "/tutorials/scope-and-closures#unboundlocalerror",
    "TypeError.other": "/tutorials/exceptions#tracebacks",
    "TypeError.str_concat": "/tutorials/strings-basics#forgetting-to-convert-numbers",
    "TypeError.text_arithmetic": "/tutorials/input-and-output#doing-arithmetic-on-the-string-from-input",
    "TypeError.operand": "/tutorials/numbers#operators",
    "TypeError.not_callable": "/tutorials/functions#def",
    "TypeError.shadowed_builtin": "/tutorials/variables#shadowing-built-in-names",
    "TypeError.not_subscriptable": "/tutorials/lists#basics",
    "TypeError.not_iterable": "/tutorials/loops#range",
    "TypeError.arguments": "/tutorials/functions#wrong-arguments",
    "TypeError.missing_self": "/tutorials/classes#forgetting-self",
    "TypeError.method_on_class": "/tutorials/classes#calling-the-method-on-the-class-without-an-instance",
    "TypeError.unexpected_keyword": "/tutorials/function-arguments#positional-keyword",
    "TypeError.unhashable": "/tutorials/dictionaries#keys",
    "TypeError.str_immutable": "/tutorials/strings-basics#immutability",
    "TypeError.tuple_immutable": "/tutorials/tuples#immutability",
    "TypeError.indices": "/tutorials/lists#basics",
    "TypeError.no_len": "/tutorials/generators#sorting-or-len-on-a-generator",
    "None.in_place": "/tutorials/lists#x-x-sort",
    "None.no_return": "/tutorials/functions#printing-instead-of-returning",
    "None.no_match": "/tutorials/regular-expressions#calling-group-on-none",
    "None": "/tutorials/booleans-and-none#none",
    "ValueError.other": "/tutorials/exceptions#tracebacks",
    "ValueError.int_of_text": "/tutorials/input-and-output#bad-input",
    "ValueError.int_of_decimal": "/tutorials/input-and-output#converting-decimals-with-int",
    "ValueError.unpack": "/tutorials/tuples#unpacking-the-wrong-number-of-values",
    "ValueError.math_domain": "/tutorials/numbers#operators",
    "ValueError.not_found": "/tutorials/lists#modifying",
    "IndexError": "/tutorials/lists#basics",
    "IndexError.str": "/tutorials/strings-basics#indexing",
    "IndexError.loop": "/tutorials/loops#off-by-one-with-range",
    "KeyError": "/tutorials/dictionaries#using-d-key-when-the-key-may-be-missing",
    "AttributeError": "/tutorials/classes#class",
    "AttributeError.raised": "/tutorials/classes#class",
    "AttributeError.str": "/tutorials/string-methods#case",
    "AttributeError.list": "/tutorials/lists#modifying",
    "AttributeError.dict": "/tutorials/dictionaries#modifying",
    "AttributeError.module": "/tutorials/modules#exploring",
    "AttributeError.shadowed_module": "/tutorials/modules#naming-your-file-after-a-standard-module",
    "AttributeError.circular_import": "/tutorials/import-system#circular-imports",
    "ZeroDivisionError": "/tutorials/numbers#operators",
    "RecursionError": "/tutorials/recursion#missing-or-unreachable-base-case",
    "ModuleNotFoundError": "/tutorials/packages#sys-path",
    "ModuleNotFoundError.misspelled": "/tutorials/modules#import-forms",
    "ModuleNotFoundError.own_file": "/tutorials/modules#import",
    "ImportError": "/tutorials/modules#import-forms",
    "ImportError.other": "/tutorials/modules#import-forms",
    "FileNotFoundError": "/tutorials/files#errors",
    "StopIteration": "/tutorials/iterators#calling-next-on-an-iterable",
    "AssertionError": "/tutorials/raising-exceptions#assert",
    "OverflowError": "/tutorials/numbers#types",
    "UnicodeDecodeError": "/tutorials/unicode-and-bytes#decode-errors",
    "UnicodeEncodeError": "/tutorials/unicode-and-bytes#encode-decode",
    "EOFError": "/tutorials/input-and-output#reading-text",
    "SyntaxError.other": "/tutorials/first-program#errors",
    "SyntaxError.missing_colon": "/tutorials/if-statements#blocks",
    "SyntaxError.unclosed_bracket": "/tutorials/first-program#brackets",
    "SyntaxError.unclosed_string": "/tutorials/strings-basics#literals",
    "SyntaxError.unmatched_bracket": "/tutorials/first-program#brackets",
    "SyntaxError.assign_in_condition": "/tutorials/if-statements#using-instead-of",
    "SyntaxError.assign_to_literal": "/tutorials/variables#assignment",
    "SyntaxError.assign_to_call": "/tutorials/variables#confusing-with",
    "SyntaxError.print_statement": "/tutorials/first-program#using-python-2-syntax",
    "SyntaxError.missing_comma": "/tutorials/lists#basics",
    "SyntaxError.keyword_as_name": "/tutorials/variables#naming-rules",
    "SyntaxError.fstring": "/tutorials/f-strings#basics",
    "SyntaxError.else_without_if": "/tutorials/if-statements#elif-else",
    "SyntaxError.return_outside_function": "/tutorials/functions#return",
    "SyntaxError.break_outside_loop": "/tutorials/loops#break-continue",
    "SyntaxError.positional_after_keyword": "/tutorials/function-arguments#positional-argument-after-a-keyword-argument",
    "SyntaxError.try_without_except": "/tutorials/exceptions#try-except",
    "SyntaxError.invalid_character": "/tutorials/first-program#forgetting-the-quotes-around-text",
    "IndentationError.unexpected_indent": "/tutorials/first-program#indentation",
    "IndentationError.expected_indent": "/tutorials/if-statements#blocks",
    "IndentationError.unindent_mismatch": "/tutorials/first-program#indentation",
    "IndentationError.other": "/tutorials/first-program#indentation",
    "TabError": "/tutorials/first-program#mixing-tabs-and-spaces",
}

GENERIC_TOPICS = frozenset(
    (
        "general",
        "TypeError.other",
        "ValueError.other",
        "AttributeError.raised",
        "ImportError.other",
        "SyntaxError.other",
        "IndentationError.other",
    )
)

# Python's keywords (keyword.kwlist of 3.8-3.13, without importing keyword).
KEYWORDS = frozenset(
    (
        "False None True and as assert async await break class continue def del elif else except "
        "finally for from global if import in is lambda nonlocal not or pass raise return try while "
        "with yield"
    ).split()
)

# Top-level standard-library modules a learner may import (sys.stdlib_module_names, 3.10+, is
# used where it exists; this list stands in on 3.8 and 3.9 and names the common ones).
_COMMON_STDLIB = frozenset(
    (
        "abc argparse array ast asyncio base64 binascii bisect builtins calendar cmath codecs "
        "collections colorsys concurrent contextlib copy csv ctypes dataclasses datetime decimal "
        "difflib dis doctest email enum errno fractions functools gc getpass glob graphlib hashlib "
        "heapq hmac html http inspect io ipaddress itertools json keyword linecache locale logging "
        "lzma math mimetypes multiprocessing numbers operator os pathlib pickle platform pprint "
        "queue random re secrets select shelve shlex shutil signal socket sqlite3 statistics string "
        "struct subprocess sys tempfile textwrap threading time timeit tkinter token tokenize "
        "traceback turtle types typing unicodedata unittest urllib uuid warnings weakref zipfile "
        "zlib zoneinfo"
    ).split()
)

# Methods that change an object in place and return None: `x = x.sort()` keeps that None.
IN_PLACE_METHODS = frozenset(
    (
        "sort reverse append extend insert remove clear update add discard setdefault shuffle " "popitem"
    ).split()
)

# Attribute names learners bring from other languages, and what Python calls them.
ATTRIBUTE_HABITS = {
    ("str", "uppercase"): "upper",
    ("str", "lowercase"): "lower",
    ("str", "toUpperCase"): "upper",
    ("str", "toLowerCase"): "lower",
    ("str", "trim"): "strip",
    ("str", "length"): "len(...)",
    ("str", "contains"): "in",
    ("str", "reverse"): "[::-1]",
    ("list", "add"): "append",
    ("list", "push"): "append",
    ("list", "length"): "len(...)",
    ("list", "size"): "len(...)",
    ("list", "contains"): "in",
    ("list", "lenght"): "len(...)",
    ("dict", "has_key"): "in",
    ("dict", "length"): "len(...)",
    ("set", "append"): "add",
    ("set", "push"): "add",
    ("tuple", "append"): "+",
    ("str", "append"): "+",
    ("dict", "append"): "[key] = value",
    ("dict", "add"): "[key] = value",
}

_OPENERS = {")": "(", "]": "[", "}": "{"}
_BUILTIN_EXCEPTIONS = frozenset(
    v for v in vars(builtins).values() if type(v) is type and issubclass(v, BaseException)
)
# Descriptors of built-in types, read directly so that no class of the learner's (or its
# metaclass) can step in with a property or __getattribute__ of its own.
_EXC_ARGS = BaseException.__dict__["args"]
_EXC_TRACEBACK = BaseException.__dict__["__traceback__"]
_TYPE_NAME = type.__dict__["__name__"]
_TYPE_MRO = type.__dict__["__mro__"]
_TYPE_DICT = type.__dict__["__dict__"]
_MODULE_DICT = type(sys).__dict__["__dict__"]


# ---------------------------------------------------------------- reading values safely


def _cap(text, limit=MAX_VALUE):
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _safe_repr(value, limit=MAX_VALUE):
    """repr() of a value built only of built-in scalars and containers, cut to `limit`
    characters; None when the value holds anything else (its repr could run learner code)."""
    out = []
    if not _safe_repr_into(value, out, [limit + 1], 0):
        return None
    return _cap("".join(out), limit)


def _safe_repr_into(value, out, budget, depth):
    t = type(value)
    if value is None or t is bool or t is float or t is complex:
        piece = repr(value)
    elif t is int:
        # repr() of a huge int is slow and, from 3.11, refused past 4300 digits.
        piece = repr(value) if value.bit_length() <= 200 else "<a number with over 60 digits>"
    elif t is str or t is bytes:
        piece = repr(value[: budget[0]])
        if len(value) > budget[0]:
            piece = piece[:-1] + "\u2026" + piece[-1]
    elif t in (list, tuple, set, frozenset, dict) and depth < 3:
        if not value:
            out.append({list: "[]", tuple: "()", set: "set()", frozenset: "frozenset()", dict: "{}"}[t])
            budget[0] -= 2
            return True
        opening, closing = {list: "[]", tuple: "()", dict: "{}"}.get(t, "{}")
        if t is frozenset:
            opening, closing = "frozenset({", "})"
        out.append(opening)
        budget[0] -= len(opening)
        first = True
        for item in (value.items() if t is dict else value):
            if budget[0] <= 0:
                out.append(", \u2026")
                break
            if not first:
                out.append(", ")
                budget[0] -= 2
            first = False
            if t is dict:
                if not _safe_repr_into(item[0], out, budget, depth + 1):
                    return False
                out.append(": ")
                if not _safe_repr_into(item[1], out, budget, depth + 1):
                    return False
            elif not _safe_repr_into(item, out, budget, depth + 1):
                return False
        if t is tuple and len(value) == 1:
            out.append(",")
        out.append(closing)
        return True
    else:
        return False
    out.append(piece)
    budget[0] -= len(piece)
    return True


def _safe_len(value):
    """len() of a built-in container or string, else None (len() of a learner's object runs
    its __len__)."""
    if type(value) in (list, tuple, str, bytes, dict, set, frozenset, range):
        return len(value)
    return None


def _type_name(cls):
    try:
        name = _TYPE_NAME.__get__(cls)
    except Exception:
        return "object"
    return name if type(name) is str else "object"


def _a_type(value):
    """'a number (int)', 'text (str)', 'None', ... for a value, by its exact type."""
    return _describe_type(_type_name(type(value)))


def _describe_type(name):
    return {
        "int": "a whole number (int)",
        "float": "a decimal number (float)",
        "str": "text (str)",
        "list": "a list",
        "tuple": "a tuple",
        "dict": "a dictionary (dict)",
        "set": "a set",
        "NoneType": "None",
        "bool": "a boolean (True/False)",
        "function": "a function",
        "builtin_function_or_method": "a built-in function",
        "method": "a method",
        "module": "a module",
        "type": "a class",
        "bytes": "bytes",
        "range": "a range",
        "generator": "a generator",
    }.get(name, "%s `%s` object" % ("an" if name[:1].lower() in "aeiou" else "a", name))


_MAPPINGPROXY = type(type.__dict__)


def _items_of(mapping):
    """(str, value) pairs of a namespace: an exact dict, a class's mappingproxy, or 3.13's
    frame-locals proxy. Keys that are not exact str are skipped (comparing them could run
    learner code); the pairs are read in C, nothing is hashed."""
    t = type(mapping)
    if t is not dict and t is not _MAPPINGPROXY and _type_name(t) != "FrameLocalsProxy":
        return []
    try:
        return [(k, v) for k, v in list(mapping.items()) if type(k) is str]
    except Exception:
        return []


def _module_dict(module):
    if type(module) is not type(sys):
        return {}
    try:
        d = _MODULE_DICT.__get__(module)
    except Exception:
        return {}
    return dict(_items_of(d))


def _module_file(module):
    f = _module_dict(module).get("__file__")
    return f if type(f) is str else None


# ---------------------------------------------------------------- reading the learner's code


def _blank(source):
    """Follows strings and comments through a file, as the tokenizer would, roughly.

    Returns (code, unterminated): the lines with string contents and comments blanked out (same
    columns, quotes kept), and (line, col) of the first string that never ends, or None. It
    jumps from quote to quote with str.find: a whole file costs well under a millisecond."""
    code = []
    unterminated = None
    in_str = None  # (quote, triple, line, col) of the string the scan is inside
    for no, line in enumerate(source.split("\n"), 1):
        if in_str is None and "'" not in line and '"' not in line and "#" not in line:
            code.append(line)
            continue
        out = []
        i, n = 0, len(line)
        content = 0  # where the current string's content starts on this line
        while i < n:
            if in_str is not None:
                end = in_str[0] * 3 if in_str[1] else in_str[0]
                k = line.find(end, i)
                b = line.find("\\", i)
                if b != -1 and (k == -1 or b < k):  # an escaped character, quotes included
                    i = b + 2
                    continue
                if k == -1:
                    i = n
                    break
                out.append(" " * (k - content))
                out.append(end)
                i = k + len(end)
                in_str = None
                continue
            marks = [k for k in (line.find("'", i), line.find('"', i), line.find("#", i)) if k != -1]
            if not marks:
                out.append(line[i:])
                break
            k = min(marks)
            out.append(line[i:k])
            if line[k] == "#":
                out.append(" " * (n - k))
                break
            quote = line[k]
            triple = line.startswith(quote * 3, k)
            out.append(quote * 3 if triple else quote)
            i = content = k + (3 if triple else 1)
            in_str = (quote, triple, no, k)
        if in_str is not None:
            out.append(" " * (n - content))
            if not in_str[1] and not line.endswith("\\"):  # a one-line string reached the line's end
                if unterminated is None:
                    unterminated = (in_str[2], in_str[3])
                in_str = None
        code.append("".join(out))
    if in_str is not None and unterminated is None:
        unterminated = (in_str[2], in_str[3])
    return code, unterminated


def _brackets(code):
    """(open, unmatched) for blanked code lines: open is [(char, line, col)] still open at the
    end; unmatched is (char, line, col, opener or None) for the first closing bracket that
    closes nothing or the wrong kind."""
    stack = []
    unmatched = None
    for no, line in enumerate(code, 1):
        for col, c in enumerate(line):
            if c in "([{":
                stack.append((c, no, col))
            elif c in ")]}":
                if stack and stack[-1][0] == _OPENERS[c]:
                    stack.pop()
                elif unmatched is None:
                    unmatched = (c, no, col, stack[-1] if stack else None)
    return stack, unmatched


_WORDS = {}  # code line -> _words(line), for one explanation (lines are read many times)


def _words(code_line):
    """[(word, col, after_dot)] for the identifiers of a line whose strings are blanked."""
    got = _WORDS.get(code_line)
    if got is not None:
        return got
    out = _WORDS[code_line] = []
    i, n = 0, len(code_line)
    while i < n:
        c = code_line[i]
        if c.isalpha() or c == "_" or (ord(c) > 127 and c.isidentifier()):
            j = i + 1
            while j < n and (
                code_line[j].isalnum()
                or code_line[j] == "_"
                or (ord(code_line[j]) > 127 and ("a" + code_line[j]).isidentifier())
            ):
                j += 1
            k = i - 1
            while k >= 0 and code_line[k] == " ":
                k -= 1
            if not (
                j < n
                and code_line[j] in "'\""
                and code_line[i:j].lower() in ("r", "b", "u", "f", "rb", "br", "fr", "rf")
            ):
                out.append((code_line[i:j], i, k >= 0 and code_line[k] == "."))
            i = j
        elif c.isdigit():
            while i < n and (code_line[i].isalnum() or code_line[i] in "._"):
                i += 1
        else:
            i += 1
    return out


def _names(code_line):
    """The variable names a line reads or writes, in order, without attributes and keywords."""
    seen = []
    for word, _, after_dot in _words(code_line):
        if not after_dot and word not in KEYWORDS and word not in seen:
            seen.append(word)
    return seen


def _subscript_col(code_line, name):
    """The column of the `[` right after the variable `name` on a line (`name[...]`), or -1."""
    for word, col, after_dot in _words(code_line):
        if word == name and not after_dot:
            rest = code_line[col + len(word) :]
            if rest.lstrip().startswith("["):
                return col + len(word) + len(rest) - len(rest.lstrip())
    return -1


def _assign_split(code_line):
    """Column of the assignment's `=` (or augmented `+=` ...) at bracket depth 0, or -1."""
    depth = 0
    for i, c in enumerate(code_line):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "=" and depth == 0:
            nxt = code_line[i + 1 : i + 2]
            prev = code_line[i - 1 : i] if i else ""
            if nxt == "=" or prev in ("=", "!") or (prev in "<>" and code_line[i - 2 : i - 1] != prev):
                continue
            if prev == ":":  # the walrus
                continue
            return i
    return -1


def _bindings(code, name):
    """[(line, how)] of the lines that give `name` a value: def/class/import/for/with/assign."""
    out = []
    for no, line in enumerate(code, 1):
        if name not in line:  # most lines: a check in C instead of reading the line's words
            continue
        words = _words(line)
        if not words:
            continue
        first = words[0][0]
        plain = [w for w, _, dot in words if not dot]
        how = None
        if first in ("def", "class") and len(words) > 1 and words[1][0] == name:
            how = first
        elif first == "async" and len(words) > 2 and words[2][0] == name:
            how = "def"
        elif first in ("import", "from") and name in plain:
            after = line[line.find("import") + 6 :] if "import" in line else ""
            if name in _names(after.replace(" as ", " , ")) or (" as " + name) in line:
                how = "import"
        elif first == "for" and " in " in line and name in _names(line[: line.find(" in ")]):
            how = "for"
        elif first in ("with", "except") and (" as " + name) in line:
            how = first
        else:
            eq = _assign_split(line)
            if eq > 0 and first not in ("if", "elif", "while", "return", "assert", "print"):
                lhs = line[:eq]
                targets = []
                for word, col, dot in _words(lhs):
                    rest = lhs[col + len(word) :].lstrip()
                    if not dot and not rest.startswith(("[", "(", ".")):
                        targets.append(word)
                if name in targets:
                    how = "assign"
        if how:
            out.append((no, how))
    return out


def _block_end(code, start):
    """The last line (1-based) of the block that the line `start` opens (a def, a class)."""
    indent = _indent(code[start - 1])
    last = start
    for no in range(start + 1, len(code) + 1):
        line = code[no - 1]
        if not line.strip():
            continue
        if _indent(line) <= indent:
            break
        last = no
    return last


def _indent(line):
    return len(line) - len(line.lstrip())


def _enclosing_def(code, no):
    """The line of the def or class whose body holds line `no`, or None at module level."""
    indent = _indent(code[no - 1])
    for above in range(no - 1, 0, -1):
        line = code[above - 1]
        if not line.strip() or _indent(line) >= indent:
            continue
        indent = _indent(line)
        words = _words(line)
        if words and words[0][0] in ("def", "class", "async"):
            return above
        if indent == 0:
            return None
    return None


def _find_def(code, name):
    """The line of `def name(` in a file, or None."""
    for no, how in _bindings(code, name):
        if how == "def":
            return no
    return None


def _params(code_line):
    """Parameter names of a `def` line."""
    start = code_line.find("(")
    end = code_line.rfind(")")
    if start < 0:
        return []
    inner = code_line[start + 1 : end if end > start else len(code_line)]
    out = []
    depth = 0
    piece = ""
    for c in inner + ",":
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            words = _words(piece.split("=")[0].split(":")[0])
            if words:
                out.append(words[0][0])
            piece = ""
        else:
            piece += c
    return out


def _returns_value(code, def_line):
    """Whether the function defined on `def_line` has a `return <value>` or a `yield`."""
    for no in range(def_line + 1, _block_end(code, def_line) + 1):
        words = _words(code[no - 1])
        if words and words[0][0] == "return" and code[no - 1].strip() != "return":
            return True
        if any(w == "yield" for w, _, _ in words):
            return True
    return False


# ---------------------------------------------------------------- suggestions


def _distance(a, b, bound):
    """Edit distance between two names (a swap of neighbours counts 1, a change of case
    alone 0.5), or a number above `bound` once it is clearly above it."""
    if a == b:
        return 0
    la, lb = a.lower(), b.lower()
    if la == lb:
        return 0.5
    if abs(len(la) - len(lb)) > bound or len(set(la) ^ set(lb)) > 2 * bound:
        return bound + 1  # each edit changes the length by at most 1 and the letters used by at most 2
    # Only cells within `bound` of the diagonal can lead to a distance within `bound`.
    far = bound + 1
    n = len(lb)
    prev2 = None
    prev = [j if j <= bound else far for j in range(n + 1)]
    for i in range(1, len(la) + 1):
        cur = [far] * (n + 1)
        cur[0] = i if i <= bound else far
        lo, hi = max(1, i - int(bound)), min(n, i + int(bound))
        a = la[i - 1]
        for j in range(lo, hi + 1):
            best = prev[j - 1] + (a != lb[j - 1])
            if prev[j] + 1 < best:
                best = prev[j] + 1
            if cur[j - 1] + 1 < best:
                best = cur[j - 1] + 1
            if i > 1 and j > 1 and a == lb[j - 2] and la[i - 2] == lb[j - 1] and prev2[j - 2] + 1 < best:
                best = prev2[j - 2] + 1
            cur[j] = best
        if min(cur[lo - 1 : hi + 1]) > bound:
            return far
        prev2, prev = prev, cur
    return prev[n]


def _closest(word, candidates, limit=1):
    """Up to `limit` candidates near `word`, nearest first (earlier candidates win ties)."""
    if type(word) is not str or not word:
        return []
    bound = 0.5 if len(word) <= 2 else max(1, len(word) // 3)
    scored = []
    seen = set()
    for order, cand in enumerate(candidates):
        if type(cand) is not str or cand == word or cand in seen:
            continue
        seen.add(cand)
        d = _distance(word, cand, bound)
        if d <= bound:
            scored.append((d, order, cand))
    scored.sort()
    return [c for _, _, c in scored[:limit]]


def _quoted(msg):
    """The '...'-quoted pieces of an interpreter's message, in order."""
    out = []
    i = 0
    while True:
        a = msg.find("'", i)
        if a < 0:
            return out
        b = msg.find("'", a + 1)
        if b < 0:
            return out
        out.append(msg[a + 1 : b])
        i = b + 1


def _stdlib_names():
    names = getattr(sys, "stdlib_module_names", None)
    if type(names) is frozenset:
        return frozenset(n for n in names if not n.startswith("_"))
    return _COMMON_STDLIB


# ---------------------------------------------------------------- the context of an error


class _Context:
    """What an explanation may read: the exception's class and message, the traceback's frames,
    the learner's files and the innermost frame in one of them."""

    def __init__(self, exc, sources):
        self.exc = exc
        self.cls = type(exc)
        self.builtin = self.cls in _BUILTIN_EXCEPTIONS
        self.name = _type_name(self.cls)
        try:
            args = _EXC_ARGS.__get__(exc)
        except Exception:
            args = ()
        self.args = args if type(args) is tuple else ()
        self.msg = self.args[0] if self.args and type(self.args[0]) is str else ""
        self.sources = (
            {k: v for k, v in _items_of(sources) if type(v) is str} if type(sources) is dict else {}
        )
        self.frames = []  # (filename, line, frame), outermost first
        try:
            tb = _EXC_TRACEBACK.__get__(exc)
        except Exception:
            tb = None
        while tb is not None and len(self.frames) < 100000:
            code = tb.tb_frame.f_code
            self.frames.append((code.co_filename, tb.tb_lineno, tb.tb_frame))
            tb = tb.tb_next
        self.work = None
        for filename, _, _ in self.frames:
            if type(filename) is str and _basename(filename) == "main.py":
                self.work = _dirname(filename)
                break
        if self.work is None and self.builtin and issubclass(self.cls, SyntaxError):
            f = exc.filename
            if type(f) is str and _basename(f) == "main.py":
                self.work = _dirname(f)
        self._learner_files = {}  # filename -> is it one of the learner's (a RecursionError has ~1000 frames)
        self.learner = [f for f in self.frames if self.is_learner(f[0])]
        self.file = self.line = self.frame = None
        if self.learner:
            filename, self.line, self.frame = self.learner[-1]
            self.file = _basename(filename)
        self._code = {}
        self._ns = None

    def is_learner(self, filename):
        known = self._learner_files.get(filename) if type(filename) is str else False
        if known is None:
            base = _basename(filename)
            known = base in self.sources and (self.work is None or _dirname(filename) == self.work)
            self._learner_files[filename] = known
        return known

    def code(self, name=None):
        """The blanked-out code lines of a learner file (main.py by default)."""
        name = name or self.file or "main.py"
        if name not in self._code:
            self._code[name] = _blank(self.sources.get(name, ""))[0]
        return self._code[name]

    def source_line(self, no=None, name=None):
        """The learner's line as written (stripped), cut to a readable length."""
        no = no or self.line
        lines = self.sources.get(name or self.file or "main.py", "").split("\n")
        if not no or no > len(lines):
            return ""
        return _cap(lines[no - 1].strip(), 80)

    def code_line(self, no=None):
        code = self.code()
        no = no or self.line
        return code[no - 1] if no and 0 < no <= len(code) else ""

    def namespace(self):
        """{name: value} of the innermost learner frame: builtins, then globals, then locals."""
        if self._ns is None:
            ns = {}
            if self.frame is not None:
                f = self.frame
                for d in (f.f_builtins, f.f_globals, f.f_locals):
                    ns.update(_items_of(d))
            self._ns = ns
        return self._ns

    def value_of(self, name):
        """(True, value) when the name has a value in the failing frame, else (False, None)."""
        ns = self.namespace()
        if name in ns:
            return True, ns[name]
        return False, None

    def line_values(self):
        """[(name, value)] for the names on the failing line that have a value there."""
        out = []
        for name in _names(self.code_line()):
            found, value = self.value_of(name)
            if found:
                out.append((name, value))
        return out

    def where(self):
        """' in helpers.py' when the error is in a file other than main.py."""
        return " in %s" % self.file if self.file and self.file != "main.py" else ""


def _value_phrase(name, value):
    """'`age` is 12' / '`data` is a `Point` object' — never a repr of a learner's object."""
    shown = _safe_repr(value)
    if shown is not None:
        return "`%s` is %s" % (name, shown)
    return "`%s` is %s" % (name, _a_type(value))


class _Explanation:
    def __init__(self, topic, title, text, fix, kind=None, line=None):
        self.topic, self.title, self.text, self.fix = topic, title, text, fix
        self.kind, self.line = kind, line


# ---------------------------------------------------------------- runtime errors


def _name_error(ctx):
    name = ctx.exc.name if getattr(ctx.exc, "name", None) and type(ctx.exc.name) is str else None
    quoted = _quoted(ctx.msg)
    name = name or (quoted[0] if quoted else "")
    if "free variable" in ctx.msg:
        return _Explanation(
            "NameError.free_variable",
            "`%s` is used by an inner function before it has a value." % name,
            "An inner function reads `%s` from the function around it, but `%s` had not been given "
            "a value there yet when the inner function ran." % (name, name),
            "Give `%s` its value in the outer function before the inner function is called." % name,
        )
    code = ctx.code()
    later = [
        (no, how)
        for no, how in _bindings(code, name)
        if ctx.line and no > ctx.line and _enclosing_def(code, no) is None
    ]
    if later:
        no, how = later[0]
        if how == "def":
            return _Explanation(
                "NameError.function_before_def",
                "`%s` is called before its `def` has run." % name,
                "Python runs a program from the top down. Line %s calls `%s`, but the function is only "
                "defined by the `def` on line %s, which has not run yet at that point."
                % (ctx.line, name, no),
                "Move the `def %s` block above line %s (put all your functions at the top)."
                % (name, ctx.line),
            )
        return _Explanation(
            "NameError.before_assignment",
            "`%s` is used before it has a value." % name,
            "Python runs a program from the top down. Line %s uses `%s`, but `%s` is only given a "
            "value on line %s, which has not run yet at that point." % (ctx.line, name, name, no),
            "Give `%s` its value before line %s: move line %s above it." % (name, ctx.line, no),
        )
    ns = ctx.namespace()
    local = [k for k in ns if not k.startswith("__")]
    local.reverse()  # the frame's own names before the globals, the globals before builtins
    near = _closest(name, local)
    if not near:  # names the program has not run yet, or that live in other functions
        near = _closest(name, [w for line in code for w, _, dot in _words(line) if not dot])
    if near:
        found, value = ctx.value_of(near[0])
        what = ""
        if found and type(value) in (int, float, str, list, dict, tuple, bool):
            what = " (%s)" % _value_phrase(near[0], value)
        return _Explanation(
            "NameError",
            "Python does not know the name `%s`; did you mean `%s`?" % (name, near[0]),
            "Line %s%s uses `%s`, but nothing by that name exists. A name that does exist is `%s`%s: "
            "names must be spelled exactly the same each time, capitals included."
            % (ctx.line, ctx.where(), name, near[0], what),
            "Change `%s` to `%s`." % (name, near[0]),
        )
    if name in _stdlib_names() or name in CURATED_PACKAGES:
        return _Explanation(
            "NameError.missing_import",
            "`%s` is a module that has not been imported." % name,
            "Line %s uses `%s`, which is a module. A module's names can only be used after the program "
            "imports it." % (ctx.line, name),
            "Add `import %s` at the top of the program." % name,
        )
    return _Explanation(
        "NameError.missing_quotes" if name.isalpha() else "NameError",
        "Python does not know the name `%s`." % name,
        "Line %s%s uses `%s`, but nothing by that name has been defined: no variable, function or "
        "import gives it a value before this line." % (ctx.line, ctx.where(), name),
        'If `%s` is meant to be text, put it in quotes: "%s". If it is a variable, give it a value '
        "(`%s = ...`) on a line above, and check its spelling." % (name, name, name),
    )


def _unbound_local(ctx):
    quoted = _quoted(ctx.msg)
    name = quoted[0] if quoted else ""
    func = ctx.frame.f_code.co_name if ctx.frame is not None else "the function"
    first = ctx.frame.f_code.co_firstlineno if ctx.frame is not None else 1
    code = ctx.code()
    end = _block_end(code, first)
    assigns = [no for no, how in _bindings(code, name) if first < no <= end]
    where = "line %s" % assigns[0] if assigns else "a line in it"
    global_too = name in dict(_items_of(ctx.frame.f_globals)) if ctx.frame is not None else False
    text = (
        "Because %s assigns to `%s` inside `%s`, Python treats `%s` as a local name of `%s` "
        "in the whole function. Line %s reads `%s` before that local name has been given a value"
        % (where, name, func, name, func, ctx.line, name)
    )
    text += (" (the global `%s` outside the function is not used)." % name) if global_too else "."
    if global_too:
        fix = (
            "To change the global `%s`, write `global %s` as the first line of `%s`; better, pass it in "
            "as a parameter and return the new value." % (name, name, func)
        )
    else:
        fix = "Give `%s` a value in `%s` before line %s reads it." % (name, func, ctx.line)
    return _Explanation(
        "UnboundLocalError", "`%s` is a local name of `%s` that has no value yet." % (name, func), text, fix
    )


def _none_source(ctx, none_names):
    """Where a None came from: the line that stored it in one of `none_names`, or a call on
    the failing line itself. Returns (topic, sentence, fix) or None."""
    code = ctx.code()
    candidates = []
    for name in none_names:
        lines = [no for no, how in _bindings(code, name) if how == "assign" and ctx.line and no <= ctx.line]
        if lines:
            candidates.append((name, lines[-1]))
    for name, no in candidates:
        rhs = code[no - 1][_assign_split(code[no - 1]) + 1 :]
        got = _none_maker(ctx, rhs)
        if got:
            topic, what, fix = got
            return (
                topic,
                "`%s` is None because line %s stored the result of %s in it. %s"
                % (name, no, what[0], what[1]),
                fix.replace("{name}", name),
            )
    got = _none_maker(ctx, ctx.code_line())
    if got:
        topic, what, fix = got
        return topic, "The None comes from %s on this line. %s" % what, fix.replace("{name}", "the result")
    return None


def _none_maker(ctx, code_text):
    """(topic, (what, why), fix) when the code calls something known to give None."""
    words = _words(code_text)
    for i, (word, col, dot) in enumerate(words):
        after = code_text[col + len(word) :].lstrip()
        if not after.startswith("("):
            continue
        if dot and word in IN_PLACE_METHODS:
            prev = words[i - 1] if i > 0 else None
            adjacent = prev is not None and code_text[prev[1] + len(prev[0]) : col].strip() == "."
            obj = prev[0] if adjacent else None
            call = "`%s.%s()`" % (obj, word) if obj else "`.%s()`" % word
            fix = "Call %s on a line of its own, then keep using %s" % (
                "`%s.%s(...)`" % (obj, word) if obj else call,
                "`%s`" % obj if obj else "the list",
            )
            if word == "sort":
                fix += " (or use `sorted(%s)`, which returns a new list)" % (obj or "...")
            return (
                "None.in_place",
                (
                    call,
                    "`%s()` changes %s in place and returns None, like `sort`, `append` "
                    "and the other methods that change a list." % (word, "`%s`" % obj if obj else "the list"),
                ),
                fix + ".",
            )
        if dot and word in ("match", "search", "fullmatch") and i > 0 and words[i - 1][0] == "re":
            return (
                "None.no_match",
                (
                    "`re.%s(...)`" % word,
                    "`re.%s` returns None when the pattern is not found in the text." % word,
                ),
                "Check the match before using it: `if {name} is not None:` (or `if {name}:`).",
            )
        if word == "print" and not dot:
            return (
                "None.no_return",
                ("`print(...)`", "`print` shows text and returns None."),
                "Use the value itself, not the result of `print`.",
            )
        if not dot:
            for fname in [ctx.file or "main.py"] + [f for f in ctx.sources if f != ctx.file]:
                fcode = ctx.code(fname)
                def_line = _find_def(fcode, word)
                if def_line and not _returns_value(fcode, def_line):
                    return (
                        "None.no_return",
                        (
                            "`%s(...)`" % word,
                            "The function `%s` (line %s%s) has no `return` with a value, so calling it "
                            "gives back None."
                            % (word, def_line, "" if fname == ctx.file else " of " + fname),
                        ),
                        "End `%s` with `return` and the value it should give back "
                        "(printing a value inside a function does not return it)." % word,
                    )
    return None


def _none_case(ctx, what):
    """An explanation for an operation on None (`what` says which); None if nothing is None."""
    none_names = [name for name, value in ctx.line_values() if value is None]
    source = _none_source(ctx, none_names)
    named = " (`%s` is None)" % none_names[0] if none_names else ""
    if source:
        topic, sentence, fix = source
        return _Explanation(
            topic,
            "A value here is None, and None %s." % what,
            "Line %s%s%s: None %s. %s" % (ctx.line, ctx.where(), named, what, sentence),
            fix,
        )
    return _Explanation(
        "None",
        "A value here is None, and None %s." % what,
        "On line %s%s a value is None%s. None is what a function gives back when it has no "
        "`return` value, and what some lookups give when they find nothing; None %s."
        % (ctx.line, ctx.where(), named, what),
        "Find where %s was set and make sure it gets a real value (print it just before line %s to "
        "see)." % ("`%s`" % none_names[0] if none_names else "that value", ctx.line),
    )


def _type_error(ctx):
    msg = ctx.msg
    quoted = _quoted(msg)
    values = ctx.line_values()
    if "NoneType" in msg:
        what = {
            "subscriptable": "cannot be indexed with [...]",
            "iterable": "cannot be looped over",
            "callable": "cannot be called",
            "unsupported operand": "cannot be used in arithmetic",
            "len()": "has no length",
        }
        for key, phrase in what.items():
            if key in msg:
                return _none_case(ctx, phrase)
        return _none_case(ctx, "cannot be used this way")

    if msg.startswith("can only concatenate str"):
        other = msg[msg.find('"') + 1 : msg.rfind('"')] if '"' in msg else "int"
        other = other.replace("not ", "").strip()
        names = [n for n, v in values if _type_name(type(v)) == other]
        name = names[0] if names else None
        shown = " (%s)" % _value_phrase(name, ctx.value_of(name)[1]) if name else ""
        return _Explanation(
            "TypeError.str_concat",
            "Text can only be joined with `+` to other text, not to %s." % _describe_type(other),
            "Line %s%s uses `+` between text (str) and %s%s. Python does not turn a number into text by "
            "itself." % (ctx.line, ctx.where(), _describe_type(other), shown),
            'Turn it into text first: `str(%s)`, or write an f-string: `f"... {%s} ..."`.'
            % (name or "value", name or "value"),
        )

    if msg.startswith("unsupported operand type") or (msg.startswith("'") and "not supported between" in msg):
        op = msg[msg.find("for ") + 4 : msg.find(":")] if "for " in msg else msg.split("'")[1]
        types = quoted[-2:] if len(quoted) >= 2 else ["?", "?"]
        if "not supported between" in msg:
            op = quoted[0] if quoted else "<"
        text_side = "str" in types and any(t in ("int", "float") for t in types)
        names = [n for n, v in values if _type_name(type(v)) in types]
        shown = "; ".join(_value_phrase(n, ctx.value_of(n)[1]) for n in names[:2])
        text = "Line %s%s uses `%s` with %s and %s, which Python cannot combine%s." % (
            ctx.line,
            ctx.where(),
            op,
            _describe_type(types[0]),
            _describe_type(types[1]),
            " (%s)" % shown if shown else "",
        )
        if text_side:
            strs = [n for n in names if type(ctx.value_of(n)[1]) is str]
            from_input = [
                n for n in strs if any("input" in ctx.code()[no - 1] for no, how in _bindings(ctx.code(), n))
            ]
            target = strs[0] if strs else "the text"
            if from_input:
                text += " `input()` always returns text, even when the user types digits."
            return _Explanation(
                "TypeError.text_arithmetic",
                "A number and text (str) cannot be combined with `%s`." % op,
                text + " Text that holds digits is still text, not a number.",
                "Convert the text to a number first: `int(%s)` (or `float(%s)` for decimals)."
                % (target, target),
            )
        return _Explanation(
            "TypeError.operand",
            "`%s` does not work between %s and %s."
            % (op, _describe_type(types[0]), _describe_type(types[1])),
            text,
            "Check the type of each side (print `type(...)` of them) and convert one so both match.",
        )

    if msg.endswith("object is not callable") and quoted:
        tname = quoted[0]
        called = [
            w
            for w, col, dot in _words(ctx.code_line())
            if not dot and ctx.code_line()[col + len(w) :].lstrip().startswith("(")
        ]
        names = [n for n, v in values if _type_name(type(v)) == tname and n in called]
        name = names[0] if names else None
        builtins_ns = dict(_items_of(ctx.frame.f_builtins)) if ctx.frame is not None else {}
        if name and name in builtins_ns:
            assigned = [no for no, how in _bindings(ctx.code(), name)]
            return _Explanation(
                "TypeError.shadowed_builtin",
                "`%s` is no longer the built-in function: it holds %s." % (name, _describe_type(tname)),
                "Line %s calls `%s(...)`, but %s assigned %s to the name `%s`, which hides Python's own `%s`."
                % (
                    ctx.line,
                    name,
                    "line %s" % assigned[0] if assigned else "the program",
                    _describe_type(tname),
                    name,
                    name,
                ),
                "Rename your variable (for example `my_%s`) so that `%s` is the built-in again."
                % (name, name),
            )
        text = (
            "Line %s%s puts `(...)` after %s%s, which calls it like a function, but %s cannot be called."
            % (
                ctx.line,
                ctx.where(),
                "`%s`" % name if name else "a value",
                " (%s)" % _value_phrase(name, ctx.value_of(name)[1]) if name else "",
                _describe_type(tname),
            )
        )
        fix = "Remove the parentheses, or call the function you meant."
        if tname in ("int", "float") and name:
            fix = (
                "To multiply, write the `*`: `%s * (...)`. Python never multiplies by putting values side by side."
                % name
            )
        return _Explanation(
            "TypeError.not_callable",
            "%s is not a function and cannot be called." % _describe_type(tname).capitalize(),
            text,
            fix,
        )

    if msg.endswith("is not subscriptable") and quoted:
        tname = quoted[0]
        names = [n for n, v in values if _type_name(type(v)) == tname]
        name = names[0] if names else None
        return _Explanation(
            "TypeError.not_subscriptable",
            "%s cannot be indexed with `[...]`." % _describe_type(tname).capitalize(),
            "Line %s%s uses `[...]` on %s%s. Only sequences and mappings such as lists, strings and "
            "dictionaries have items to index."
            % (
                ctx.line,
                ctx.where(),
                "`%s`" % name if name else _describe_type(tname),
                " (%s)" % _value_phrase(name, ctx.value_of(name)[1]) if name else "",
            ),
            (
                "Index the list or string you meant; to get a digit of a number, turn it into text first: `str(%s)[0]`."
                % (name or "n")
                if tname == "int"
                else "Index the list, string or dictionary you meant, not %s." % _describe_type(tname)
            ),
        )

    if ("is not iterable" in msg or msg.startswith("cannot unpack non-iterable")) and (
        quoted or "non-iterable" in msg
    ):
        tname = quoted[0] if quoted else msg.split()[-2]
        names = [n for n, v in values if _type_name(type(v)) == tname]
        name = names[0] if names else None
        text = "Line %s%s loops over %s%s, but %s has no items to go through one by one." % (
            ctx.line,
            ctx.where(),
            "`%s`" % name if name else _describe_type(tname),
            " (%s)" % _value_phrase(name, ctx.value_of(name)[1]) if name else "",
            _describe_type(tname),
        )
        if tname == "int":
            fix = "To repeat something %s times, loop over `range(%s)`." % (
                (name,) * 2 if name else ("n", "n")
            )
            return _Explanation(
                "TypeError.not_iterable", "A number cannot be looped over; `range(n)` can.", text, fix
            )
        return _Explanation(
            "TypeError.not_iterable",
            "%s cannot be looped over." % _describe_type(tname).capitalize(),
            text,
            "Loop over a list, string, range or dictionary instead.",
        )

    if " missing " in msg and "required" in msg:
        func = msg.split("(")[0].split(".")[-1]
        missing = quoted
        if missing == ["self"]:
            cls_name = msg.split("(")[0].split(".")[0] if "." in msg.split("(")[0] else None
            words = _words(ctx.code_line())
            for i, (word, _, after_dot) in enumerate(words[1:], 1):
                if word == func and after_dot and not cls_name:
                    cls_name = words[i - 1][0]
            return _Explanation(
                "TypeError.method_on_class",
                "The method `%s` was called on the class, not on an object." % func,
                "Line %s%s calls `%s` through the class itself, so there is no object to pass as `self`. "
                "A method is called on an object made from the class." % (ctx.line, ctx.where(), func),
                "Make an object first and call the method on it: `thing = %s(...)`, then `thing.%s()`."
                % (cls_name or "ClassName", func),
            )
        return _arguments(
            ctx,
            func,
            "misses %s: %s"
            % ("an argument" if len(missing) == 1 else "arguments", ", ".join("`%s`" % m for m in missing)),
            "Pass a value for %s as well." % " and ".join("`%s`" % m for m in missing),
        )

    if "positional argument" in msg and " given" in msg:
        func = msg.split("(")[0].split(".")[-1]
        takes = msg[msg.find("takes ") + 6 : msg.find(" positional")]
        given = msg[msg.rfind("but ") + 4 :].split()[0]
        return _arguments(
            ctx,
            func,
            "takes %s positional argument%s but was given %s" % (takes, "" if takes == "1" else "s", given),
            "Call `%s` with %s argument%s, as its `def` line lists: remove the extra one%s, or add a "
            "parameter for it to the `def`."
            % (
                func,
                takes,
                "" if takes == "1" else "s",
                "s" if given.isdigit() and int(given) - int(takes if takes.isdigit() else 0) > 1 else "",
            ),
            given=given,
        )

    # A built-in function's own wording: "len() takes exactly one argument (0 given)",
    # "int() takes at most 2 arguments (3 given)" (3.8), "max expected at least 1 argument, got 0".
    if ("argument" in msg and ") takes " in msg and "given)" in msg) or (
        " expected " in msg and "argument" in msg and ", got " in msg
    ):
        func = msg.split("(")[0].split(" ")[0]
        return _Explanation(
            "TypeError.arguments",
            "`%s` was called with the wrong number of arguments." % func,
            "Line %s%s calls `%s`: %s." % (ctx.line, ctx.where(), func, _cap(msg, 100)),
            "Call `%s` with the number of arguments it takes; `help(%s)` shows them." % (func, func),
        )

    if "unexpected keyword argument" in msg and quoted:
        func = msg.split("(")[0].split(".")[-1]
        keyword = quoted[-1]
        return _arguments(
            ctx,
            func,
            "has no parameter called `%s`" % keyword,
            "Use one of the parameter names the `def` line lists.",
            keyword=keyword,
        )

    if msg.startswith("unhashable type") and quoted:
        tname = quoted[0]
        return _Explanation(
            "TypeError.unhashable",
            "%s cannot be a dictionary key or a set item." % _describe_type(tname).capitalize(),
            "Line %s%s uses %s as a dictionary key or puts it in a set. Keys and set items must never change, "
            "so only unchangeable values such as numbers, strings and tuples can be used."
            % (ctx.line, ctx.where(), _describe_type(tname)),
            (
                "Use a tuple instead of a list: `tuple(...)` or `(1, 2)` rather than `[1, 2]`."
                if tname == "list"
                else "Use an unchangeable value (a tuple, a string, a frozenset) as the key."
            ),
        )

    if "does not support item assignment" in msg and quoted:
        tname = quoted[0]
        names = [n for n, v in values if _type_name(type(v)) == tname]
        name = names[0] if names else "it"
        if tname == "str":
            return _Explanation(
                "TypeError.str_immutable",
                "A string cannot be changed in place.",
                "Line %s%s assigns to one character of `%s`, which is text (str). Strings never change; "
                "every string method returns a new string." % (ctx.line, ctx.where(), name),
                'Build a new string and assign it: `%s = "b" + %s[1:]`, or use `%s.replace(...)`.'
                % (name, name, name),
            )
        return _Explanation(
            "TypeError.tuple_immutable",
            "%s cannot be changed in place." % _describe_type(tname).capitalize(),
            "Line %s%s assigns to an item of `%s`, which is %s: its items are fixed once it is made."
            % (ctx.line, ctx.where(), name, _describe_type(tname)),
            "Use a list if the items need to change, or make a new %s." % tname,
        )

    if "indices must be integers" in msg:
        seq = "list" if msg.startswith("list") else "string" if msg.startswith("string") else "tuple"
        return _Explanation(
            "TypeError.indices",
            "A %s's positions are whole numbers." % seq,
            "Line %s%s indexes a %s with something that is not a whole number%s. Positions count 0, 1, 2 ..."
            % (ctx.line, ctx.where(), seq, " (%s)" % quoted[-1] if quoted else ""),
            "Use an int inside the brackets; to look things up by name, use a dictionary.",
        )

    if msg.startswith("can't multiply sequence by non-int"):
        texts = [n for n, v in values if type(v) is str]
        shown = " (%s)" % _value_phrase(texts[0], ctx.value_of(texts[0])[1]) if texts else ""
        return _Explanation(
            "TypeError.text_arithmetic",
            "Text or a list can only be repeated a whole number of times.",
            "Line %s%s multiplies a sequence (text or a list)%s by %s. Text read with `input()` is still text, "
            "even when it holds digits."
            % (ctx.line, ctx.where(), shown, _describe_type(msg.rsplit(" of type ", 1)[-1].strip("'"))),
            "Convert the text to a number first: `float(%s)` (or `int(...)` for whole numbers)."
            % (texts[0] if texts else "..."),
        )

    if "has no len()" in msg and quoted:
        return _Explanation(
            "TypeError.no_len",
            "%s has no length." % _describe_type(quoted[0]).capitalize(),
            "Line %s%s calls `len()` on %s. Only collections such as lists, strings and dictionaries have a length."
            % (ctx.line, ctx.where(), _describe_type(quoted[0])),
            "For a number's digits, use `len(str(n))`; for a generator, make a list first: `len(list(...))`.",
        )

    return _Explanation(
        "TypeError.other",
        "A value of the wrong type was used.",
        "Line %s%s: %s. The operation got a kind of value (a type) it cannot work with."
        % (ctx.line, ctx.where(), _cap(msg, 120)),
        "Print the values used on that line and their `type(...)`, and convert the one that is not what you expected.",
    )


def _arguments(ctx, func, problem, fix, given=None, keyword=None):
    """Wrong arguments to a function: show its def line when it is the learner's."""
    def_line = def_file = None
    for fname in [ctx.file or "main.py"] + [f for f in ctx.sources if f != ctx.file]:
        def_line = _find_def(ctx.code(fname), func)
        if def_line:
            def_file = fname
            break
    params = _params(ctx.code(def_file)[def_line - 1]) if def_line else []
    text = "Line %s%s calls `%s`, which %s." % (ctx.line, ctx.where(), func, problem)
    topic = "TypeError.arguments"
    if def_line:
        text += " Its `def` is on line %s%s: `%s`." % (
            def_line,
            "" if def_file == ctx.file else " of " + def_file,
            ctx.source_line(def_line, def_file),
        )
        in_class = _indent(ctx.code(def_file)[def_line - 1]) > 0 and any(
            _words(l) and _words(l)[0][0] == "class" for l in ctx.code(def_file)[:def_line]
        )
        if given and in_class and (not params or params[0] != "self"):
            return _Explanation(
                "TypeError.missing_self",
                "The method `%s` is missing its `self` parameter." % func,
                text
                + " When a method is called on an object, Python passes the object itself as the first argument.",
                "Add `self` as the first parameter: `def %s(self%s):`."
                % (func, ", " + ", ".join(params) if params else ""),
            )
    if keyword:
        near = _closest(keyword, params)
        topic = "TypeError.unexpected_keyword"
        if near:
            fix = "Did you mean `%s`? Write `%s=...`." % (near[0], near[0])
        elif params:
            fix = "Its parameters are %s: use one of those names, or add `%s` to the `def` line." % (
                ", ".join("`%s`" % p for p in params),
                keyword,
            )
    elif params and given is None:
        fix += " `%s` takes %s." % (func, ", ".join("`%s`" % p for p in params))
    return _Explanation(topic, "`%s` was called with the wrong arguments." % func, text, fix)


def _value_error(ctx):
    msg = ctx.msg
    if msg.startswith("invalid literal for int()") or msg.startswith("could not convert string to float"):
        text_value = msg[msg.find(": ") + 2 :] if ": " in msg else ""
        conv = "int" if "int()" in msg else "float"
        inner = text_value[1:-1] if len(text_value) >= 2 and text_value[0] in "'\"" else text_value
        decimal = conv == "int" and inner.replace(".", "", 1).strip().lstrip("-").isdigit() and "." in inner
        what = "empty text" if inner == "" else "the text %s" % _cap(text_value)
        text = "Line %s%s calls `%s()` on %s, which is not %s." % (
            ctx.line,
            ctx.where(),
            conv,
            what,
            "a whole number" if conv == "int" else "a number",
        )
        if decimal:
            return _Explanation(
                "ValueError.int_of_decimal",
                "`int()` cannot read a decimal number written as text.",
                text + " `int()` only reads whole numbers written with digits.",
                "Use `float(...)` to read %s (or `int(float(...))` to drop the decimals)." % text_value,
            )
        if inner != inner.strip():
            fix = "Remove the spaces first: `%s(text.strip())`." % conv
        elif inner == "":
            fix = "Check that the text is not empty before converting it (an empty line of input gives '')."
        else:
            fix = "Convert only text that holds a number; to cope with anything else, use try/except ValueError."
        return _Explanation(
            "ValueError.int_of_text", "%s is not a number." % (what[0].upper() + what[1:]), text, fix
        )
    if "values to unpack" in msg:
        numbers = [w.strip(",()") for w in msg.split() if w.strip(",()").isdigit()]
        expected = numbers[0] if numbers else "?"
        code_line = ctx.code_line()
        eq = _assign_split(code_line)
        targets = _names(code_line[:eq]) if eq > 0 else []
        rhs_names = _names(code_line[eq + 1 :]) if eq > 0 else []
        got = numbers[1] if len(numbers) > 1 else None
        source_desc = ""
        for name in rhs_names:
            found, value = ctx.value_of(name)
            n = _safe_len(value) if found else None
            if n is not None:
                got = got or str(n)
                shown = _safe_repr(value)
                source_desc = " `%s` holds %s value%s%s." % (
                    name,
                    n,
                    "" if n == 1 else "s",
                    ": " + shown if shown else "",
                )
                break
        many = msg.startswith("too many")
        text = "Line %s%s unpacks into %s name%s%s, but there %s %s value%s.%s" % (
            ctx.line,
            ctx.where(),
            expected,
            "" if expected == "1" else "s",
            " (%s)" % ", ".join("`%s`" % t for t in targets) if targets else "",
            "are" if got != "1" else "is",
            got or ("more" if many else "fewer"),
            "" if got == "1" else "s",
            source_desc,
        )
        return _Explanation(
            "ValueError.unpack",
            "%s values to unpack: %s name%s, %s value%s."
            % (
                "Too many" if many else "Not enough",
                expected,
                "" if expected == "1" else "s",
                got or ("more" if many else "fewer"),
                "" if got == "1" else "s",
            ),
            text,
            "Use as many names on the left of `=` as there are values on the right, or unpack the rest "
            "with a star: `first, *rest = ...`.",
        )
    if msg.endswith("not in list") or msg == "substring not found":
        return _not_found(ctx, text_kind=msg == "substring not found")
    if msg == "math domain error":
        numbers = [_value_phrase(n, v) for n, v in ctx.line_values() if type(v) in (int, float)]
        return _Explanation(
            "ValueError.math_domain",
            "This maths function cannot take that value.",
            "Line %s%s calls a function of `math` with a value outside what it accepts, such as the square "
            "root or logarithm of a negative number%s."
            % (ctx.line, ctx.where(), " (%s)" % ", ".join(numbers[:2]) if numbers else ""),
            "Check the value before the call (for example `if x >= 0:`).",
        )
    return _Explanation(
        "ValueError.other",
        "A value of the right type but the wrong content was used.",
        "Line %s%s: %s." % (ctx.line, ctx.where(), _cap(msg or ctx.name, 120)),
        "Print the value used on that line and check it is one the function accepts.",
    )


def _not_found(ctx, text_kind):
    """`items.remove(x)` / `items.index(x)` of an item the list lacks, `text.index(part)`."""
    code_line = ctx.code_line()
    obj = method = arg = None
    words = _words(code_line)
    for i, (word, col, after_dot) in enumerate(words):
        rest = code_line[col + len(word) :].lstrip()
        if after_dot and word in ("remove", "index") and rest.startswith("("):
            method = word
            obj = words[i - 1][0] if i > 0 else None
            # The argument as written: strings are blanked in `code_line`, so read the source.
            source = ctx.source_line()
            at = source.find(".%s(" % word)
            arg = source[at + len(word) + 2 :].split(")")[0].strip() if at >= 0 else None
            break
    what = "`%s`" % _cap(arg) if arg else ("a piece of text" if text_kind else "an item")
    where = "`%s`" % obj if obj else ("the string" if text_kind else "the list")
    if method == "remove":
        asks = "removes %s from %s" % (what, where)
    else:
        asks = "asks for the position of %s in %s" % (what, where)
    if text_kind:
        fix = (
            "Check first with `in` (`if %s in %s:`), or use `.find(...)`, which gives -1 instead of an error."
            % (
                arg or "part",
                obj or "text",
            )
        )
    else:
        fix = "Check first: `if %s in %s:`, then `%s.%s(%s)`." % (
            arg or "item",
            obj or "items",
            obj or "items",
            method or "remove",
            arg or "item",
        )
    return _Explanation(
        "ValueError.not_found",
        "The %s looked for is not in the %s."
        % ("text" if text_kind else "item", "string" if text_kind else "list"),
        "Line %s%s %s, but it is not there." % (ctx.line, ctx.where(), asks),
        fix,
    )


def _index_error(ctx):
    msg = ctx.msg
    seq = msg.split()[0] if msg else "list"
    code_line = ctx.code_line()
    for name, value in ctx.line_values():
        n = _safe_len(value)
        if n is None or type(value) in (dict, set, frozenset):
            continue
        col = _subscript_col(code_line, name)
        if col < 0:
            continue
        inside = code_line[col + 1 :].split("]")[0].strip()
        index, loop, loop_value = _simple_index(ctx, inside)
        kind = "item" if type(value) is not str else "character"
        text = (
            "`%s` has %s %s%s, at positions 0 to %s" % (name, n, kind, "" if n == 1 else "s", n - 1)
            if n
            else "`%s` is empty: it has no %ss at all" % (name, kind)
        )
        if index is not None:
            text += ", and line %s%s asked for position %s%s." % (
                ctx.line,
                ctx.where(),
                index,
                " (`%s` is %s)" % (loop, loop_value) if loop else "",
            )
        else:
            text += "; line %s%s asked for a position past the end." % (ctx.line, ctx.where())
        text += " Positions count from 0, so the last one is len - 1."
        topic = "IndexError.str" if type(value) is str else "IndexError"
        fix = (
            "The last %s is `%s[%s]` (or `%s[-1]`)." % (kind, name, n - 1, name)
            if n
            else "Check that `%s` is not empty before indexing it: `if %s:`." % (name, name)
        )
        # A loop variable from `for i in range(...)` over the lines above: an off-by-one.
        above = "".join(ctx.code()[max(0, ctx.line - 4) : ctx.line - 1])
        if loop and "range(" in above and "len(" in above:
            topic = "IndexError.loop"
            if "+" in inside:  # items[i + 1]: the last i has no next item
                fix = (
                    "Stop the loop one step earlier, `for %s in range(len(%s) - 1):`, so that `%s` stays inside."
                    % (
                        loop,
                        name,
                        inside,
                    )
                )
            else:  # range(len(items) + 1) and the like
                fix = (
                    "Loop over `range(len(%s))` (it stops at len - 1), or better loop over the items: "
                    "`for x in %s:`." % (name, name)
                )
        title = (
            "Position %s is past the end of `%s`." % (index, name)
            if n and index is not None
            else (
                "There is no position %s in `%s`." % ("like that", name)
                if n
                else "`%s` is empty, so it has no position %s."
                % (name, index if index is not None else "to read")
            )
        )
        return _Explanation(topic, title, text, fix)
    if msg.startswith("pop from empty"):
        return _Explanation(
            "IndexError",
            "There is nothing left to `pop()`.",
            "Line %s%s calls `pop()` on an empty %s." % (ctx.line, ctx.where(), seq),
            "Check the %s is not empty first: `if items:`." % seq,
        )
    return _Explanation(
        "IndexError.str" if seq == "string" else "IndexError",
        "A position past the end of a %s was used." % seq,
        "Line %s%s asks for a position that the %s does not have. Positions count from 0, so a %s of 3 items has "
        "positions 0, 1 and 2." % (ctx.line, ctx.where(), seq, seq),
        "Print `len(...)` of the %s before that line, and keep the position below it." % seq,
    )


def _simple_index(ctx, inside):
    """(value, name, the name's value) of an index written as a number, a name, or a name plus or
    minus a number (`i + 1`), when its names hold ints; else (None, None, None)."""
    parts = inside.replace("+", " + ").replace("-", " - ").split()
    sign = 1
    if parts[:1] == ["-"]:
        sign, parts = -1, parts[1:]
    if not parts or len(parts) % 2 == 0:
        return None, None, None
    total, name, name_value = 0, None, None
    for i, part in enumerate(parts):
        if i % 2 == 1:
            if part not in ("+", "-"):
                return None, None, None
            sign = 1 if part == "+" else -1
        elif part.isdigit():
            total += sign * int(part)
        else:
            found, value = ctx.value_of(part)
            if not found or type(value) is not int:
                return None, None, None
            total += sign * value
            if name is None:
                name, name_value = part, value
    return total, name, name_value


def _key_error(ctx):
    key = ctx.args[0] if ctx.args else None
    shown = _safe_repr(key)
    code_line = ctx.code_line()
    for name, value in ctx.line_values():
        col = _subscript_col(code_line, name)
        if type(value) is not dict or col < 0:
            continue
        # Keys are shown and compared only when every one is a built-in value (a tuple of
        # numbers, say); comparing a key of the learner's class would run its __eq__.
        keys = [k for k in value if _safe_repr(k, 20) is not None] if len(value) <= 10000 else []
        if len(keys) != len(value):
            keys = []
        key_reprs = [_safe_repr(k) for k in keys[:8]]
        near = []
        if type(key) is str:
            near = _closest(key, [k for k in keys if type(k) is str], limit=2)
        elif type(key) is int:
            near = [k for k in keys if type(k) is str and k.strip() == str(key)][:1]
        if not near and type(key) is str:
            near = [k for k in keys if type(k) is int and str(k) == key.strip()][:1]
        text = "Line %s%s looks up the key %s in `%s`, which has no such key." % (
            ctx.line,
            ctx.where(),
            shown or "asked for",
            name,
        )
        if keys:
            text += " Its keys are %s%s." % (", ".join(key_reprs), ", \u2026" if len(keys) > 8 else "")
        elif not value:
            text += " `%s` is empty." % name
        index_names = _names(code_line[col + 1 :].split("]")[0])
        if near and type(near[0]) is int and type(key) is str:
            fix = "The key is the number %s, and %s is text: convert it first, `%s[int(%s)]`." % (
                near[0],
                shown,
                name,
                index_names[0] if index_names else shown,
            )
        elif near:
            fix = (
                "Did you mean %s? Keys must match exactly, capitals, spaces and type included."
                % " or ".join(_safe_repr(k) for k in near)
            )
        else:
            fix = (
                "Add the key first, or look it up with `%s.get(%s)`, which gives None instead of an error; "
                "check with `if %s in %s:`." % (name, shown or "key", shown or "key", name)
            )
        return _Explanation("KeyError", "`%s` has no key %s." % (name, shown or "like that"), text, fix)
    return _Explanation(
        "KeyError",
        "A dictionary has no key %s." % (shown or "like that"),
        "Line %s%s looks up the key %s in a dictionary that does not have it."
        % (ctx.line, ctx.where(), shown or "asked for"),
        "Check the key's spelling, use `.get(key)` to get None when it is missing, or check `if key in d:` first.",
    )


def _attribute_error(ctx):
    msg = ctx.msg
    quoted = _quoted(msg)
    if "has no attribute" not in msg or len(quoted) < 2:
        # Raised by code (a __getattr__ of the learner's, a property with no setter, ...).
        return _Explanation(
            "AttributeError.raised",
            "An attribute could not be used.",
            "Line %s%s raised AttributeError%s. An object only has the attributes its class defines "
            "and the ones assigned to it." % (ctx.line, ctx.where(), ": " + _cap(msg, 100) if msg else ""),
            "Check the attribute's name and the object's type on that line (print `type(...)` of it).",
        )
    attr = quoted[1]
    if msg.startswith("'NoneType' object has no attribute"):
        return _none_case(ctx, "has no attribute `%s`" % attr)
    if msg.startswith("module ") or msg.startswith("partially initialized module"):
        module_name = quoted[0] if quoted else ""
        module = _MODULES.get(module_name) if type(module_name) is str else None
        mfile = _module_file(module)
        if mfile and ctx.is_learner(mfile) and module_name in _stdlib_names():
            base = _basename(mfile)
            return _Explanation(
                "AttributeError.shadowed_module",
                "Your file %s hides Python's own `%s` module." % (base, module_name),
                "Line %s%s uses `%s.%s`, but `import %s` found your own file %s first (Python looks in the "
                "program's folder before the standard library), and %s has no `%s`."
                % (ctx.line, ctx.where(), module_name, attr, module_name, base, base, attr),
                "Rename %s to something that is not a module's name (for example my_%s), so that "
                "`import %s` finds the standard module." % (base, base, module_name),
            )
        if msg.startswith("partially initialized"):
            return _Explanation(
                "AttributeError.circular_import",
                "`%s` was used before it finished importing." % module_name,
                "Line %s%s uses `%s.%s` while `%s` is still being imported: two modules import each other "
                "(a circular import)." % (ctx.line, ctx.where(), module_name, attr, module_name),
                "Move the shared code into a third module, or import inside the function that needs it.",
            )
        names = [k for k in _module_dict(module) if not k.startswith("_")]
        near = _closest(attr, names)
        return _Explanation(
            "AttributeError.module",
            "The module `%s` has no `%s`%s"
            % (module_name, attr, "; did you mean `%s`?" % near[0] if near else "."),
            "Line %s%s uses `%s.%s`, but `%s` has nothing called `%s`."
            % (ctx.line, ctx.where(), module_name, attr, module_name, attr),
            (
                "Change it to `%s.%s`." % (module_name, near[0])
                if near
                else "Check the spelling; `print(dir(%s))` lists what the module has." % module_name
            ),
        )
    tname = quoted[0] if quoted else "object"
    is_type = msg.startswith("type object")
    builtin_type = {
        "str": str,
        "list": list,
        "dict": dict,
        "int": int,
        "float": float,
        "set": set,
        "tuple": tuple,
        "bool": bool,
        "bytes": bytes,
    }.get(tname)
    habit = ATTRIBUTE_HABITS.get((tname, attr))
    names_on_line = [
        n for n, v in ctx.line_values() if _type_name(type(v)) == tname or (is_type and v is builtin_type)
    ]
    who = "`%s`" % names_on_line[0] if names_on_line else _describe_type(tname)
    if builtin_type is not None:
        candidates = [k for k in dir(builtin_type) if not k.startswith("_")]
        near = [habit] if habit else _closest(attr, candidates)
        topic = {
            "str": "AttributeError.str",
            "list": "AttributeError.list",
            "dict": "AttributeError.dict",
        }.get(tname, "AttributeError")
        text = "Line %s%s uses `.%s` on %s, which is %s; %s has no `%s`." % (
            ctx.line,
            ctx.where(),
            attr,
            who,
            _describe_type(tname),
            tname,
            attr,
        )
        if near:
            good = near[0]
            if good.endswith("(...)"):
                fix = "Python writes that as `len(%s)`." % (names_on_line[0] if names_on_line else "x")
            elif good == "in":
                fix = "Python checks membership with `in`: `item in %s`." % (
                    names_on_line[0] if names_on_line else "x"
                )
            elif good == "+" and tname == "str":
                fix = 'A string cannot grow in place: make a new one, `%s = %s + "..."`.' % (
                    (names_on_line[0],) * 2 if names_on_line else ("text", "text")
                )
            elif good == "+":
                fix = (
                    "A tuple cannot grow: make a new one, `%s = %s + (item,)`, or use a list if it must change."
                    % ((names_on_line[0],) * 2 if names_on_line else ("t", "t"))
                )
            elif good == "[key] = value":
                fix = "A dictionary stores a value under a key: `%s[key] = value`." % (
                    names_on_line[0] if names_on_line else "d"
                )
            elif good.startswith("["):
                fix = "Python writes that as `%s%s`." % (names_on_line[0] if names_on_line else "x", good)
            else:
                fix = "Use `.%s` instead: `%s.%s(...)`." % (
                    good,
                    names_on_line[0] if names_on_line else "x",
                    good,
                )
            title = "%s has no `%s`%s" % (
                _describe_type(tname).capitalize(),
                attr,
                "; did you mean `%s`?" % good if good.isidentifier() else ".",
            )
            return _Explanation(topic, title, text, fix)
        return _Explanation(
            topic,
            "%s has no `%s`." % (_describe_type(tname).capitalize(), attr),
            text,
            "`print(dir(%s))` lists what %s has." % (tname, tname),
        )
    # The learner's own class (or a library's): names from its class bodies and `self.x = ...`.
    candidates = []
    for fname in ctx.sources:
        code = ctx.code(fname)
        for no, how in _bindings(code, tname):
            if how != "class":
                continue
            body_indent = _indent(code[no]) if no < len(code) else 4
            for line in code[no : _block_end(code, no)]:
                words = _words(line)
                if words and words[0][0] == "def" and len(words) > 1:
                    candidates.append(words[1][0])
                for i, (w, col, dot) in enumerate(words):
                    if w == "self" and i + 1 < len(words) and words[i + 1][2]:
                        candidates.append(words[i + 1][0])
                eq = _assign_split(line)
                if eq > 0 and _indent(line) == body_indent:  # a class attribute: `colour = "red"`
                    candidates.extend(_names(line[:eq]))
    exc_obj = getattr(ctx.exc, "obj", None) if ctx.builtin else None
    if exc_obj is not None:
        for cls in _TYPE_MRO.__get__(type(exc_obj)):
            candidates.extend(k for k, _ in _items_of(_TYPE_DICT.__get__(cls)) if not k.startswith("__"))
    near = _closest(attr, candidates)
    text = "Line %s%s uses `.%s` on %s, %s `%s`, which has no attribute `%s`." % (
        ctx.line,
        ctx.where(),
        attr,
        who,
        "the class" if is_type else "an object of class",
        tname,
        attr,
    )
    if near:
        return _Explanation(
            "AttributeError",
            "`%s` has no attribute `%s`; did you mean `%s`?" % (tname, attr, near[0]),
            text,
            "Change `.%s` to `.%s`." % (attr, near[0]),
        )
    return _Explanation(
        "AttributeError",
        "`%s` has no attribute `%s`." % (tname, attr),
        text
        + " An object only has the attributes its class defines and the ones assigned to it (`self.%s = ...`)."
        % attr,
        "Check the spelling, or give the object that attribute in `__init__`: `self.%s = ...`." % attr,
    )


def _zero_division(ctx):
    code_line = ctx.code_line()
    divisor = ""
    for op in ("//", "/", "%"):
        col = code_line.find(op)
        if col >= 0:
            rest = code_line[col + len(op) :].strip()
            depth = 0
            end = len(rest)
            for i, c in enumerate(rest):
                if c in "([{":
                    depth += 1
                elif c in ")]}":
                    if depth == 0:
                        end = i
                        break
                    depth -= 1
                elif depth == 0 and c in "+-*/%,<>=!&|":
                    end = i
                    break
            source_rest = ctx.source_line()
            divisor = rest[:end].strip()
            scol = source_rest.find(divisor.split("(")[0]) if divisor else -1
            if scol >= 0 and "(" in divisor:
                divisor = source_rest[scol : scol + len(divisor)]
            break
    empties = [n for n, v in ctx.line_values() if _safe_len(v) == 0]
    text = "Line %s%s divides by %s, and it is 0. Dividing by zero has no answer." % (
        ctx.line,
        ctx.where(),
        "`%s`" % divisor if divisor else "a value",
    )
    if empties:
        text += (
            " `%s` is empty, so `len(%s)` is 0." % (empties[0], empties[0])
            if "len(" in divisor
            else " `%s` is empty." % empties[0]
        )
    return _Explanation(
        "ZeroDivisionError",
        "Division by zero%s." % (": `%s` is 0" % divisor if divisor else ""),
        text,
        "Check before dividing: `if %s != 0:` (or `if %s:` for a list), and decide what the answer should "
        "be when it is zero." % (divisor or "divisor", empties[0] if empties else "items"),
    )


def _recursion(ctx):
    calls = [(f, f_line, fr.f_code.co_name) for f, f_line, fr in ctx.learner]
    # The innermost frame stopped wherever the limit was hit (an `if` before the call, say),
    # so the repeating cycle of calls is looked for in the frames above it.
    calling = calls[:-1] if len(calls) > 3 else calls
    cycle = []
    for size in range(1, 6):
        if (
            len(calling) >= 3 * size
            and calling[-size:] == calling[-2 * size : -size] == calling[-3 * size : -2 * size]
        ):
            cycle = calling[-size:]
            break
    if not cycle:
        cycle = calls[-1:]
    # Start the cycle at its first line in the file, so that it reads the same whichever
    # function the limit happened to stop in.
    start = cycle.index(min(cycle, key=lambda c: (c[0], c[1])))
    cycle = cycle[start:] + cycle[:start]
    names = []
    for _, _, name in cycle:
        if name not in names:
            names.append(name)
    steps = " \u2192 ".join("`%s` (line %s)" % (name, line) for _, line, name in cycle)
    repeats = len(calls) // max(1, len(cycle))
    func = names[0] if names else "the function"
    base_case = None
    if cycle:
        code = ctx.code(_basename(cycle[0][0]))
        def_line = _find_def(code, func)
        if def_line:
            for no in range(def_line + 1, _block_end(code, def_line) + 1):
                words = _words(code[no - 1])
                if words and words[0][0] == "if":
                    base_case = no
                    break
    if base_case:
        return _Explanation(
            "RecursionError",
            (
                "`%s` never reaches its base case." % func
                if len(names) == 1
                else "%s call each other without reaching a base case."
                % " and ".join("`%s`" % n for n in names)
            ),
            "The traceback repeats the same calls about %s times: %s, then again. `%s` has a test on line %s "
            "meant to stop, but the calls never get there, so Python stopped the chain at about 1000 calls deep."
            % (repeats, steps, func, base_case),
            "Check that each call moves toward the test on line %s (for example with `n - 1` when it stops at 0) "
            "and that the test can become true for every starting value." % base_case,
        )
    return _Explanation(
        "RecursionError",
        (
            "`%s` calls itself without end." % func
            if len(names) == 1
            else "%s call each other without end." % " and ".join("`%s`" % n for n in names)
        ),
        "The traceback repeats the same calls about %s times: %s, then again. Python stops a chain of calls "
        "about 1000 deep, so some call must stop calling again: a base case." % (repeats, steps),
        "Give `%s` a base case: an `if` that returns without calling `%s` again (for example when n reaches 0), "
        "and make sure every call moves closer to it." % (func, func),
    )


def _module_not_found(ctx):
    quoted = _quoted(ctx.msg)
    full = quoted[0] if quoted else ""
    top = full.split(".")[0]
    own = [f[:-3] for f in ctx.sources if f.endswith(".py") and f != "main.py"]
    near_own = _closest(top, own)
    if near_own:
        return _Explanation(
            "ModuleNotFoundError.own_file",
            "There is no module `%s`; your file is %s.py." % (top, near_own[0]),
            "Line %s%s imports `%s`, but the example's files include %s.py, not %s.py."
            % (ctx.line, ctx.where(), top, near_own[0], top),
            "Write `import %s`." % near_own[0],
        )
    near = _closest(top, sorted(_stdlib_names()) + list(CURATED_PACKAGES))
    if near:
        return _Explanation(
            "ModuleNotFoundError.misspelled",
            "There is no module `%s`; did you mean `%s`?" % (top, near[0]),
            "Line %s%s imports `%s`, and no module has that name. `%s` is a module that exists."
            % (ctx.line, ctx.where(), top, near[0]),
            "Write `import %s`." % near[0],
        )
    if top in CURATED_PACKAGES:
        return _Explanation(
            "ModuleNotFoundError",
            "`%s` is not available in this run." % top,
            "Line %s%s imports `%s`, which PyGuide normally offers, but it could not be found here."
            % (ctx.line, ctx.where(), top),
            "Try again later, or run the program on your own computer.",
        )
    return _Explanation(
        "ModuleNotFoundError",
        "PyGuide does not offer the package `%s`." % top,
        "Line %s%s imports `%s`, a package that is not installed here, and programs on PyGuide cannot install "
        "packages. What you can import: the whole standard library (math, random, json, datetime, ...) and %s."
        % (ctx.line, ctx.where(), top, ", ".join(CURATED_PACKAGES)),
        "Use the standard library or one of %s, or run the program on your own computer after "
        "`pip install %s`." % (", ".join(CURATED_PACKAGES), top),
    )


def _import_error(ctx):
    msg = ctx.msg
    quoted = _quoted(msg)
    if msg.startswith("cannot import name") and len(quoted) >= 2:
        name, module_name = quoted[0], quoted[1]
        module = _MODULES.get(module_name)
        mfile = _module_file(module)
        if mfile and ctx.is_learner(mfile) and module_name in _stdlib_names():
            base = _basename(mfile)
            return _Explanation(
                "AttributeError.shadowed_module",
                "Your file %s hides Python's own `%s` module." % (base, module_name),
                "Line %s%s imports `%s` from `%s`, but `%s` is your own file %s (Python looks in the program's "
                "folder first), which has no `%s`."
                % (ctx.line, ctx.where(), name, module_name, module_name, base, name),
                "Rename %s to something that is not a module's name." % base,
            )
        if "circular import" in msg or "partially initialized" in msg:
            return _Explanation(
                "AttributeError.circular_import",
                "`%s` and another module import each other." % module_name,
                "Line %s%s imports `%s` from `%s` while `%s` is still being imported (a circular import)."
                % (ctx.line, ctx.where(), name, module_name, module_name),
                "Move the shared code into a third module, or import the module (`import %s`) instead of the name."
                % module_name,
            )
        names = [k for k in _module_dict(module) if not k.startswith("_")]
        near = _closest(name, names)
        return _Explanation(
            "ImportError",
            "`%s` has no `%s` to import%s"
            % (module_name, name, "; did you mean `%s`?" % near[0] if near else "."),
            "Line %s%s imports `%s` from `%s`, but the module has nothing called `%s`."
            % (ctx.line, ctx.where(), name, module_name, name),
            (
                "Write `from %s import %s`." % (module_name, near[0])
                if near
                else "Check the spelling; `import %s` then `print(dir(%s))` lists what it has."
                % (module_name, module_name)
            ),
        )
    return _Explanation(
        "ImportError.other",
        "An import failed.",
        "Line %s%s: %s." % (ctx.line, ctx.where(), _cap(msg, 120)),
        "Check the module's and the name's spelling.",
    )


def _file_not_found(ctx):
    exc = ctx.exc
    filename = exc.filename if type(exc.filename) is str else None
    files = sorted(ctx.sources)
    try:
        cwd = _getcwd()
    except OSError:
        cwd = None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1] if filename else ""
    near = ([base] if base in files and base != filename else _closest(base, files)) if base else []
    text = (
        "Line %s%s opens %s, but there is no such file in the working folder%s, the folder the program "
        "runs in. Its files are: %s."
        % (
            ctx.line,
            ctx.where(),
            "`%s`" % _cap(filename) if filename else "a file",
            " (%s)" % cwd if cwd else "",
            ", ".join(files) or "none",
        )
    )
    if filename and ("/" in filename or "\\" in filename):
        text += (
            " A path such as `%s` is looked up from that folder; the files of your own computer are not "
            "there." % _cap(filename)
        )
    if near and near[0] == base:  # the right file, with a folder in front that is not here
        fix = (
            'The example\'s file is `%s`, in the working folder: open it by its name alone, `open("%s")`.'
            % (
                base,
                base,
            )
        )
    elif near:
        fix = 'Did you mean `%s`? Write `open("%s")`.' % (near[0], near[0])
    else:
        fix = (
            "Open one of the example's files by its name (%s), or create the file first with "
            '`open(name, "w")`.' % ", ".join(f for f in files if f != "main.py")
            if len(files) > 1
            else 'Create the file first with `open(name, "w")`, or check the name.'
        )
    return _Explanation(
        "FileNotFoundError",
        "There is no file %s here." % ("`%s`" % _cap(filename) if filename else "by that name"),
        text,
        fix,
    )


def _stop_iteration(ctx):
    code_line = ctx.code_line()
    col = code_line.find("next(")
    names = _names(code_line[col + 5 :]) if col >= 0 else []
    it = names[0] if names else "it"
    return _Explanation(
        "StopIteration",
        "`next()` was called on an iterator with no items left.",
        "Line %s%s calls `next(%s)`, but every item of `%s` has already been taken. An iterator goes through "
        "its items once and is then used up." % (ctx.line, ctx.where(), it, it),
        "Give `next` a default to return at the end: `next(%s, None)`, or loop with `for item in %s:`, "
        "which stops by itself." % (it, it),
    )


def _assertion(ctx):
    line = ctx.source_line()
    condition = line[len("assert") :].split(",")[0].strip() if line.startswith("assert") else ""
    values = [_value_phrase(n, v) for n, v in ctx.line_values() if _safe_repr(v) is not None]
    text = "Line %s%s checks `%s`, and it was False, so the program stopped." % (
        ctx.line,
        ctx.where(),
        condition or "an assert",
    )
    if ctx.msg:
        text += ' Its message: "%s".' % _cap(ctx.msg)
    if values:
        text += " Here %s." % ", ".join(values[:3])
    return _Explanation(
        "AssertionError",
        "An `assert` found its condition false.",
        text,
        "Find where the values on that line got their value and why the condition does not hold; for checking "
        "input, use an `if` and raise a ValueError instead of `assert`.",
    )


def _overflow(ctx):
    msg = ctx.msg
    line = ctx.source_line()
    calls = [w for w, _, _ in _words(ctx.code_line())]
    call = ""
    for i, w in enumerate(calls[:-1]):
        if w == "math":
            call = "math.%s" % calls[i + 1]
            break
    if "int too large" in msg or "infinity to integer" in msg:
        return _Explanation(
            "OverflowError",
            "The number is too large to convert.",
            "Line %s%s turns a number into a float or an int that cannot hold it (%s)."
            % (ctx.line, ctx.where(), _cap(msg)),
            "Keep the number smaller, or stay with int (which has no limit) instead of float.",
        )
    return _Explanation(
        "OverflowError",
        "The result is too large for a decimal number (float).",
        "Line %s%s (`%s`) computes %s a result above about 1.8e308, the largest float."
        % (ctx.line, ctx.where(), line, "with `%s`" % call if call else "a float with"),
        "Use smaller numbers, or int arithmetic, which has no limit (for example `2 ** 5000` instead of `2.0 ** 5000`).",
    )


def _unicode_decode(ctx):
    exc = ctx.exc
    enc = exc.encoding if type(exc.encoding) is str else "utf-8"
    obj = exc.object if type(exc.object) is bytes else b""
    start = exc.start if type(exc.start) is int else 0
    byte = obj[start] if 0 <= start < len(obj) else None
    hexbyte = "0x%02x" % byte if byte is not None else "a byte"
    latin = ""
    if byte is not None and byte >= 0x80:
        try:
            latin = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            latin = ""
    text = "Line %s%s decodes bytes as %s, but byte %s at position %s is not valid %s." % (
        ctx.line,
        ctx.where(),
        enc,
        hexbyte,
        start,
        enc,
    )
    if latin:
        text += (
            " The bytes were probably written in another encoding, such as latin-1 or cp1252, where %s is %r."
            % (hexbyte, latin)
        )
    return _Explanation(
        "UnicodeDecodeError",
        "These bytes are not valid %s text." % enc,
        text,
        'Decode with the encoding the data was written in, for example `.decode("latin-1")` or '
        '`open(name, encoding="latin-1")`.',
    )


def _unicode_encode(ctx):
    exc = ctx.exc
    enc = exc.encoding if type(exc.encoding) is str else "ascii"
    obj = exc.object if type(exc.object) is str else ""
    start = exc.start if type(exc.start) is int else 0
    char = obj[start] if 0 <= start < len(obj) else None
    return _Explanation(
        "UnicodeEncodeError",
        "This text has a character that %s cannot encode." % enc,
        "Line %s%s turns text into bytes with the %s encoding, but %s at position %s has no form in %s."
        % (
            ctx.line,
            ctx.where(),
            enc,
            "the character %r (U+%04X)" % (char, ord(char)) if char else "a character",
            start,
            enc,
        ),
        'Encode with utf-8, which can encode every character: `.encode("utf-8")` (or `open(name, "w", '
        'encoding="utf-8")` for a file).',
    )


def _eof(ctx):
    return _Explanation(
        "EOFError",
        "`input()` found no input left to read.",
        "Line %s%s calls `input()`, but there was no line of input left. On PyGuide, what `input()` reads comes "
        "from the Input box under the editor: it was empty, or had fewer lines than the program asks for."
        % (ctx.line, ctx.where()),
        "Type the input into the Input box, one line for each `input()`, and run again.",
    )


def _general(ctx):
    """Any other exception: how to read the traceback, and, when the learner's own `raise`
    raised it, where and from which call."""
    name = ctx.name
    msg = _cap(ctx.msg, 120) if ctx.msg else ""
    article = "an" if name[:1].lower() in "aeiou" else "a"
    reading = (
        "Read the traceback from the bottom up: the last line names the error and its message, and the lines "
        "above show the chain of calls that led there, with the most recent call last."
    )
    learner = getattr(ctx, "learner", None) or []
    raised_here = ctx.line and ctx.source_line().startswith("raise")
    if raised_here and ctx.frame is not None:
        func = ctx.frame.f_code.co_name
        caller = learner[-2] if len(learner) > 1 else None
        where = "in `%s`, " % func if func != "<module>" else ""
        called = (
            "which line %s%s called"
            % (caller[1], "" if _basename(caller[0]) == ctx.file else " of " + _basename(caller[0]))
            if caller and func != "<module>"
            else ""
        )
        return _Explanation(
            "general.raised",
            "Your program raised %s itself%s." % (name, ": " + msg if msg else ""),
            "Line %s%s (`%s`) raised %s %s, %s%s, and nothing caught it, so the program stopped. %s"
            % (
                ctx.line,
                ctx.where(),
                ctx.source_line(),
                article,
                name,
                where,
                called or "at the top level",
                reading,
            ),
            (
                "If this can happen, catch it where `%s` is called: put the call in `try:` and handle it in "
                "`except %s:`; if it should not happen, look at the values that call passed." % (func, name)
                if called
                else "Catch it with `try:` / `except %s:` around the code that can raise it, or fix the condition "
                "that made line %s raise it." % (name, ctx.line)
            ),
        )
    return _Explanation(
        "general",
        "The program stopped with %s%s." % (name, ": " + msg if msg else ""),
        "Python raised %s %s on line %s%s and nothing caught it, so the program stopped. %s"
        % (article, name, ctx.line, ctx.where(), reading),
        "Look at line %s and the values it uses; to handle this error instead of stopping, wrap the code in "
        "`try:` / `except %s:`." % (ctx.line, name),
    )


_RUNTIME = {
    NameError: _name_error,
    UnboundLocalError: _unbound_local,
    TypeError: _type_error,
    ValueError: _value_error,
    IndexError: _index_error,
    KeyError: _key_error,
    AttributeError: _attribute_error,
    ZeroDivisionError: _zero_division,
    RecursionError: _recursion,
    ModuleNotFoundError: _module_not_found,
    ImportError: _import_error,
    FileNotFoundError: _file_not_found,
    StopIteration: _stop_iteration,
    AssertionError: _assertion,
    OverflowError: _overflow,
    UnicodeDecodeError: _unicode_decode,
    UnicodeEncodeError: _unicode_encode,
    EOFError: _eof,
}


# ---------------------------------------------------------------- syntax errors

_BLOCK_KEYWORDS = (
    "if",
    "elif",
    "else",
    "for",
    "while",
    "def",
    "class",
    "try",
    "except",
    "finally",
    "with",
    "async",
)


def _syntax(ctx):
    exc = ctx.exc
    msg = ctx.msg
    filename = exc.filename if type(exc.filename) is str else None
    if filename is None or not ctx.is_learner(filename):
        # Not a file of the learner's: text given to eval(), exec() or compile(), or a
        # SyntaxError raised by code. The line is the learner's line that ran it.
        return _Explanation(
            "SyntaxError.other",
            "Text given to Python as code is not valid Python.",
            "Line %s%s runs text as Python code (with `eval`, `exec` or `compile`, or a module that does), "
            "and that text is not valid Python: %s." % (ctx.line, ctx.where(), _cap(msg or ctx.name, 100)),
            "Print the text before it is run to see what Python was given.",
            kind="SyntaxError",
        )
    fname = _basename(filename)
    ctx.file = fname
    source = ctx.sources.get(fname, "")
    lineno = exc.lineno if type(exc.lineno) is int else None
    offset = exc.offset if type(exc.offset) is int else None
    code, unterminated = _blank(source)
    open_brackets, unmatched = _brackets(code)
    ctx._code[fname] = code
    ctx.line = lineno
    raw_lines = source.split("\n")

    def raw(no):
        return raw_lines[no - 1] if no and 0 < no <= len(raw_lines) else ""

    def cline(no):
        return code[no - 1] if no and 0 < no <= len(code) else ""

    text_line = raw(lineno).strip()
    code_line = cline(lineno)
    words = _words(code_line)
    first = words[0][0] if words else ""
    where = " in %s" % fname if fname != "main.py" else ""
    shown = "`%s`" % _cap(text_line, 70) if text_line else "it"

    def exp(kind, title, text, fix, line=None, topic=None):
        return _Explanation(topic or kind, title, text, fix, kind=kind, line=line or lineno)

    def expected_block():
        """A line ending with `:` and no indented body after it (the file may end there)."""
        opener_line = None
        if " on line " in msg:  # 3.10+: "expected an indented block after 'for' statement on line 5"
            tail = msg.rsplit(" on line ", 1)[1].split()[0].rstrip(".")
            opener_line = int(tail) if tail.isdigit() else None
        if opener_line is None:
            opener_line = min(lineno or len(code), len(code))
            while opener_line > 1 and not cline(opener_line).rstrip().endswith(":"):
                opener_line -= 1
        words = _words(cline(opener_line))
        opener = words[0][0] if words else "block"
        body = opener_line + 1
        while body <= len(code) and not cline(body).strip():
            body += 1
        if body > len(code) or not raw(body).strip():
            missing = "Nothing follows it: the file ends there."
            fix = (
                "Write the body under line %s, indented by four spaces; if it should be empty for now, write `pass`."
                % (opener_line)
            )
            line = opener_line
        else:
            missing = "Line %s%s is not indented." % (body, where)
            fix = (
                "Indent line %s by four spaces (and every other line that belongs to the `%s`); if the "
                "body should be empty for now, write `pass`." % (body, opener)
            )
            line = body
        return exp(
            "IndentationError.expected_indent",
            "The `%s` on line %s needs an indented block after it." % (opener, opener_line),
            "A line ending with `:` (here the `%s` on line %s) must be followed by at least one line "
            "indented further, its body. %s" % (opener, opener_line, missing),
            fix,
            line=line,
        )

    cls = ctx.cls
    if cls is TabError or "inconsistent use of tabs" in msg:
        return exp(
            "TabError",
            "This block mixes tabs and spaces for indenting.",
            "Line %s%s is indented with %s, but the lines around it use %s. Python cannot tell how wide a "
            "tab is, so it cannot tell which block the line belongs to."
            % (
                lineno,
                where,
                "a tab" if raw(lineno).startswith("\t") else "spaces",
                "spaces" if raw(lineno).startswith("\t") else "tabs",
            ),
            "Indent every line with spaces only (four per level); the editor's Tab key inserts spaces.",
        )
    if cls is IndentationError or issubclass(cls, IndentationError):
        if msg.startswith("unexpected indent"):
            return exp(
                "IndentationError.unexpected_indent",
                "This line is indented, but no block starts above it.",
                "Line %s%s (%s) starts further right than the line before it, and only the line after a "
                "`:` (an if, for, def ...) may start a new indented block." % (lineno, where, shown),
                "Remove the spaces at the start of line %s so it lines up with the line above." % lineno,
            )
        if msg.startswith("expected an indented block"):
            return expected_block()
        if msg.startswith("unindent does not match"):
            return exp(
                "IndentationError.unindent_mismatch",
                "This line's indentation matches no block above it.",
                "Line %s%s (%s) is indented by %s spaces, but no line above starts a block at that depth, so "
                "Python cannot tell which block it belongs to."
                % (lineno, where, shown, _indent(raw(lineno))),
                "Line it up exactly with the block it belongs to, counting the spaces (use four per level).",
            )
        return exp(
            "IndentationError",
            "The indentation here is not what Python expects.",
            "Line %s%s: %s." % (lineno, where, _cap(msg, 100)),
            "Indent the lines of each block by the same number of spaces (four per level), with spaces only.",
            topic="IndentationError.other",
        )

    # Families the message names outright.
    if msg.startswith("unmatched ") or msg.startswith("closing parenthesis"):
        q = _quoted(msg)
        return exp(
            "SyntaxError.unmatched_bracket",
            "A closing `%s` has no opening bracket to match." % (q[0] if q else ")"),
            "Line %s%s (%s) closes a bracket `%s` that %s."
            % (
                lineno,
                where,
                shown,
                q[0] if q else ")",
                (
                    "was never opened"
                    if msg.startswith("unmatched")
                    else "does not match the `%s` opened before it" % q[-1]
                ),
            ),
            "Remove the extra `%s`, or add the opening bracket it belongs to; count the brackets on the line in pairs."
            % (q[0] if q else ")"),
        )
    if "never closed" in msg or (
        open_brackets
        and (
            msg in ("invalid syntax", "unexpected EOF while parsing")
            or msg.startswith("invalid syntax. Perhaps")
        )
    ):
        if open_brackets and (lineno is None or open_brackets[0][1] <= lineno):
            char, bline, bcol = open_brackets[-1] if "never closed" not in msg else open_brackets[0]
            if "never closed" in msg and _quoted(msg):
                for b in open_brackets:
                    if b[0] == _quoted(msg)[0]:
                        char, bline, bcol = b
                        break
            closer = {"(": ")", "[": "]", "{": "}"}[char]
            return exp(
                "SyntaxError.unclosed_bracket",
                "The `%s` on line %s is never closed." % (char, bline),
                "Line %s%s opens a bracket `%s` (in `%s`) that has no matching `%s`, so Python reads on into the "
                "next lines looking for it%s."
                % (
                    bline,
                    where,
                    char,
                    _cap(raw(bline).strip(), 60),
                    closer,
                    " and only notices the problem at line %s" % lineno if lineno and lineno != bline else "",
                ),
                "Add the missing `%s` at the end of what the bracket holds, on line %s." % (closer, bline),
                line=bline,
            )
    if msg.startswith("unexpected EOF") and not open_brackets:
        last = len(code)
        while last > 1 and not cline(last).strip():
            last -= 1
        if cline(last).rstrip().endswith(":"):  # 3.8: a block with no body at the end of the file
            return expected_block()
    if "string literal" in msg:
        sline = unterminated[0] if unterminated else lineno
        triple = "triple-quoted" in msg
        return exp(
            "SyntaxError.unclosed_string",
            "The text (string) on line %s has no closing quote." % sline,
            "Line %s%s starts a string with %s but never closes it, so the rest of the %s is read as text."
            % (
                sline,
                where,
                'three quotes (`"""`)' if triple else "a quote mark",
                "file" if triple else "line",
            ),
            (
                'Close it with the same three quotes, `"""`, where the text should end.'
                if triple
                else "Put the same quote at the end of the text: `\"...\"` or `'...'`; to put a quote inside, "
                "use the other kind around it."
            ),
            line=sline,
        )
    if msg.startswith("cannot assign to") or msg.startswith("can't assign to"):
        target = msg.split(" to ", 1)[1].split(" here")[0].strip() if " to " in msg else "that"
        if target.startswith("function call"):
            return exp(
                "SyntaxError.assign_to_call",
                "A function call cannot be on the left of `=`.",
                "Line %s%s (%s) puts a call on the left of `=`. `=` stores the value on its right in the name "
                "on its left; to compare, Python uses `==`." % (lineno, where, shown),
                "To compare, write `==` (`%s`); to store a value, put a name on the left."
                % (_cap(text_line.replace(" = ", " == ", 1), 60)),
            )
        if target in ("True", "False", "None", "__debug__", "keyword", "Ellipsis"):
            return _keyword_name(exp, lineno, where, target, shown)
        return exp(
            "SyntaxError.assign_to_literal",
            "Only a name can be on the left of `=`.",
            "Line %s%s (%s) assigns to %s. `=` stores the value on its right in the name on its left, "
            "so the left side must be a name."
            % (lineno, where, shown, "a literal value" if "literal" in target else "an expression"),
            "Swap the two sides (`name = value`), or write `==` to compare.",
        )
    after_print = code_line.strip()[5:].strip() if first == "print" else ""
    if msg.startswith("Missing parentheses in call to 'print'") or (
        after_print and not after_print.startswith(("(", "=", ".", "[", ")", ",", ":"))
    ):
        arg = text_line[5:].strip()
        return exp(
            "SyntaxError.print_statement",
            "`print` needs parentheses in Python 3.",
            "Line %s%s (%s) is written like Python 2, where print was a statement. In Python 3 `print` is "
            "a function, and a function is called with parentheses." % (lineno, where, shown),
            "Write `print(%s)`." % _cap(arg, 50),
        )
    if msg.startswith("f-string") or "f-string" in msg:
        detail = msg.split(":", 1)[1].strip() if ":" in msg else msg
        return exp(
            "SyntaxError.fstring",
            "The f-string on line %s has a mistake inside its braces." % lineno,
            "In an f-string, each `{...}` must hold an expression, such as a name, and every `{` needs its `}`. "
            "Line %s%s (%s): %s." % (lineno, where, shown, _cap(detail, 80)),
            "Put a name or expression inside each pair of braces (`{name}`); to show a brace itself, double "
            "it: `{{` or `}}`.",
        )
    if "outside loop" in msg:  # 'break' outside loop, 'continue' not properly in loop
        kw = _quoted(msg)[0] if _quoted(msg) else "break"
        return exp(
            "SyntaxError.break_outside_loop",
            "`%s` can only be used inside a loop." % kw,
            "Line %s%s uses `%s` outside any `for` or `while` loop. `%s` acts on the loop around it, so it "
            "needs one; check that the line is indented inside the loop." % (lineno, where, kw, kw),
            "Indent the line into the loop it belongs to; to stop the whole program, use `sys.exit()`; to "
            "leave a function, use `return`.",
        )
    if msg.startswith("positional argument follows keyword argument"):
        return exp(
            "SyntaxError.positional_after_keyword",
            "A value without a name comes after a `name=value` argument.",
            "Line %s%s (%s) passes an argument by position after one passed by keyword (`name=value`). "
            "Python matches positional arguments first, in order, so they must all come before the keyword "
            "ones." % (lineno, where, shown),
            "Put the positional arguments first, or give that one its parameter's name too (`name=value`).",
        )
    if msg.startswith("expected 'except' or 'finally' block") or (
        msg in ("invalid syntax", "unexpected EOF while parsing") and _try_without_handler(code, lineno)
    ):
        try_line = _try_without_handler(code, lineno) or lineno
        return exp(
            "SyntaxError.try_without_except",
            "The `try` on line %s has no `except` or `finally`." % try_line,
            "A `try:` block must be followed, at the same indentation, by at least one `except ...:` (what "
            "to do when an error happens) or a `finally:` block. The `try` on line %s%s has neither."
            % (try_line, where),
            "Add `except ValueError:` (the error you expect) with an indented block under it, lined up with "
            "the `try`.",
            line=try_line,
        )
    if "outside function" in msg:
        kw = _quoted(msg)[0] if _quoted(msg) else "return"
        return exp(
            "SyntaxError.return_outside_function",
            "`%s` can only be used inside a function." % kw,
            "Line %s%s uses `%s` outside any `def`. `%s` ends a function, so it needs one around it; check "
            "that the line is indented under its `def`." % (lineno, where, kw, kw),
            "Indent the line into the function it belongs to, or remove the `%s`." % kw,
        )
    if (
        msg.startswith("invalid character")
        or msg.startswith("invalid non-printable")
        or "invalid character in identifier" in msg
    ):
        bad = [c for c in raw(lineno) if ord(c) > 127]
        return exp(
            "SyntaxError.invalid_character",
            "Line %s holds a character Python cannot read as code." % lineno,
            "Line %s%s (%s) contains %s, which is not part of Python's syntax. This often comes from text "
            "copied from a document: curly quotes, long dashes or special spaces."
            % (
                lineno,
                where,
                shown,
                "`%s` (U+%04X)" % (bad[0], ord(bad[0])) if bad else "a character like that",
            ),
            "Retype the character with the keyboard: straight quotes `\"` or `'`, a plain minus `-`.",
        )

    # "invalid syntax": read the line itself, as the message does not say more on 3.8 and 3.9.
    stripped = code_line.strip()
    if first in ("else", "elif") and stripped.startswith(first) and stripped.endswith(":"):
        return exp(
            "SyntaxError.else_without_if",
            "This `%s` has no `if` before it." % first,
            "Line %s%s starts with `%s`, which must directly follow the indented block of an `if` (or an `elif`) "
            "at the same indentation. Here the line before it is not part of such a block."
            % (lineno, where, first),
            "Put the `%s` right after the `if` block, lined up with the `if`, or change it to `if` if it starts "
            "a new choice." % first,
        )
    if first == "def" and "(" in code_line:
        bad = [
            p
            for p in _names_with_keywords(code_line[code_line.find("(") + 1 : code_line.rfind(")")])
            if p in KEYWORDS
        ]
        if bad:
            return _keyword_name(exp, lineno, where, bad[0], shown)
    if first in KEYWORDS and first not in ("True", "False", "None") and len(words) >= 1:
        after = stripped[len(first) :].lstrip()
        if after.startswith("=") and not after.startswith("=="):
            return _keyword_name(exp, lineno, where, first, shown)
    if "Maybe you meant '==' or ':='" in msg or (
        first in ("if", "elif", "while")
        and _assign_split(code_line[: code_line.rfind(":")] if ":" in code_line else code_line) > 0
    ):
        return exp(
            "SyntaxError.assign_in_condition",
            "`=` stores a value; to compare, write `==`.",
            "Line %s%s (%s) has a single `=` in its condition. `=` is assignment, which Python does not allow "
            "there; a comparison is written `==`." % (lineno, where, shown),
            "Write `%s`." % _cap(text_line.replace("=", "==", 1) if "==" not in text_line else text_line, 60),
        )
    if msg.startswith("expected ':'") or (
        first in _BLOCK_KEYWORDS and not stripped.endswith(":") and msg in ("invalid syntax", "expected ':'")
    ):
        return exp(
            "SyntaxError.missing_colon",
            "The `%s` line needs a colon `:` at its end." % (first or "block"),
            "Line %s%s (%s) starts a block with `%s`, and a line that starts a block must end with a colon `:`. "
            "The lines of the block follow it, indented." % (lineno, where, shown, first),
            "Add `:` at the end of line %s: `%s:`." % (lineno, _cap(text_line.split("#")[0].rstrip(), 60)),
        )
    comma_line = (
        lineno
        if "forgot a comma" in msg
        else _missing_comma(code, lineno, offset, _open_brackets_at(code, lineno, offset))
    )
    if comma_line:
        # 3.10+ point from the value before the missing comma to the one after it: on two lines
        # when the comma belongs at the end of a line.
        end_line = getattr(exc, "end_lineno", None)
        at_end = comma_line != lineno or (type(end_line) is int and end_line > comma_line)
        shown = "`%s`" % _cap(raw(comma_line).strip(), 70)
        return exp(
            "SyntaxError.missing_comma",
            "A comma is missing between two items.",
            "Line %s%s (%s) has two values side by side with no comma between them. In a list, a tuple, a "
            "call's arguments or a dictionary, items are separated by commas." % (comma_line, where, shown),
            "Add a comma %s." % ("at the end of line %s" % comma_line if at_end else "between the two items"),
            line=comma_line,
        )
    return exp(
        "SyntaxError",
        "Python cannot read line %s." % lineno if lineno else "Python cannot read the program.",
        "Line %s%s (%s) is not valid Python: %s. Nothing ran, because Python reads the whole file before it "
        "runs any of it. The mistake is on that line or just before it, often where the `^` points."
        % (lineno, where, shown, _cap(msg, 100)),
        "Compare the line with an example of the same statement in the tutorial: look for a missing bracket, "
        "quote, comma or colon.",
        topic="SyntaxError.other",
    )


def _names_with_keywords(code_text):
    return [w for w, _, dot in _words(code_text) if not dot]


def _try_without_handler(code, lineno):
    """The line of the last `try:` at or above `lineno` whose block is not followed by an
    `except` or `finally` at its own indentation, or 0."""
    for no in range(min(lineno or len(code), len(code)), 0, -1):
        words = _words(code[no - 1])
        if not words or words[0][0] != "try":
            continue
        end = _block_end(code, no)
        after = end + 1
        while after <= len(code) and not code[after - 1].strip():
            after += 1
        follow = _words(code[after - 1]) if after <= len(code) else []
        same = after <= len(code) and _indent(code[after - 1]) == _indent(code[no - 1])
        if not (same and follow and follow[0][0] in ("except", "finally")):
            return no
        return 0
    return 0


def _keyword_name(exp, lineno, where, word, shown):
    return exp(
        "SyntaxError.keyword_as_name",
        "`%s` is a Python keyword and cannot be used as a name." % word,
        "Line %s%s (%s) uses `%s` as a name, but `%s` is one of Python's keywords, reserved for the language "
        "itself." % (lineno, where, shown, word, word),
        "Choose another name, such as `%s_` or a more descriptive one (`school_class`)." % word,
    )


def _open_brackets_at(code, lineno, offset):
    """How many brackets are open at the error's position."""
    if not lineno:
        return 0
    depth = 0
    for no, line in enumerate(code[:lineno], 1):
        end = (offset - 1 if offset else len(line)) if no == lineno else len(line)
        for c in line[:end]:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
    return depth


def _missing_comma(code, lineno, offset, depth):
    """On 3.8 and 3.9 a missing comma is only "invalid syntax": it is one when Python points,
    inside brackets, at a value that starts right after another value ended (on the same line,
    or at the end of the line above, in a list written one item per line). Returns the line
    the comma belongs on, or 0."""
    if not offset or depth <= 0 or not lineno or lineno > len(code):
        return 0
    code_line = code[lineno - 1]
    col = offset - 1
    before = code_line[:col].rstrip()
    here = code_line[col : col + 1]
    comma_line = lineno
    while not before and comma_line > 1:
        comma_line -= 1
        before = code[comma_line - 1].rstrip()
    if not before or not here:
        return 0
    ends_value = before[-1].isalnum() or before[-1] in "_\"')]}"
    starts_value = here.isalnum() or here in "_\"'([{"
    words_before = _words(before)
    after_keyword = (
        bool(words_before) and before.endswith(words_before[-1][0]) and words_before[-1][0] in KEYWORDS
    )
    return comma_line if ends_value and starts_value and not after_keyword else 0


# ---------------------------------------------------------------- the entry point


def _explanation(exc, sources):
    """(the _Explanation, its context): the work of explain(), with the topic it chose."""
    ctx = None
    _WORDS.clear()
    try:
        ctx = _Context(exc, sources)
        if ctx.builtin and issubclass(ctx.cls, SyntaxError):
            return _syntax(ctx), ctx
        handler = _RUNTIME.get(ctx.cls) if ctx.builtin else None
        return (handler(ctx) if handler else _general(ctx)), ctx
    except Exception:  # a bug here must not cost the learner their traceback
        if _DEBUG:
            raise
        if ctx is None:
            ctx = _Context.__new__(_Context)
            ctx.name, ctx.msg, ctx.line, ctx.file = _type_name(type(exc)), "", None, None
        return _general(ctx), ctx
    finally:
        _WORDS.clear()


def explain(exc, sources, anchors=None):
    """The explanation of `exc`, the exception that ended the learner's program (see the
    module's docstring). Never raises: should explaining fail, the answer is the general
    explanation of reading a traceback."""
    result, ctx = _explanation(exc, sources)
    kind = result.kind or ctx.name
    link = LEARN_MORE.get(result.topic) or LEARN_MORE["general"]
    if anchors is not None and link not in anchors:
        link = None
    line = result.line if result.line is not None else ctx.line
    line = line if type(line) is int else None
    texts = [result.title, result.text, result.fix]
    if line is None:  # an exception that was never raised, or raised outside the learner's files
        texts = [t.replace("Line None", "The program").replace("line None", "the program") for t in texts]
    return {
        "kind": kind,
        "title": texts[0],
        "text": texts[1],
        "line": line,
        "fix": texts[2],
        "learn_more": link,
    }


def _run_as_main(path):
    """Runs the file at `path` as main.py, as the sandbox does; returns the exception that ended
    it (its traceback starting at main.py's frame), or None."""
    folder = _dirname(os.path.abspath(path))
    main_path = os.path.join(folder, "main.py")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    os.chdir(folder)
    sys.path[0] = folder
    sys.argv[:] = [main_path]
    main = type(sys)("__main__")
    main.__file__ = main_path
    main.__builtins__ = __builtins__
    saved_main = _MODULES.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(compile(source, main_path, "exec", dont_inherit=True), main.__dict__)
    except SystemExit:
        return None, source
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != main_path:
            tb = tb.tb_next
        return e.with_traceback(tb) if tb is not None else e, source
    finally:
        sys.modules["__main__"] = saved_main
    return None, source


def run_file(path):
    """Runs the file at `path` as main.py and returns its explanation (None when it ends
    without an exception). The program's output goes to stderr, then its traceback."""
    out = sys.stdout
    sys.stdout = sys.stderr  # the program's own output must not mix with the JSON
    try:
        exc, source = _run_as_main(path)
        folder = _dirname(os.path.abspath(path))
        sources = {"main.py": source}
        for name in sorted(os.listdir(folder)):
            full = os.path.join(folder, name)
            if name != _basename(path) and name != "main.py" and os.path.isfile(full):
                try:
                    with open(full, encoding="utf-8") as f:
                        sources[name] = f.read(65536)
                except (OSError, UnicodeDecodeError):
                    sources[name] = ""
        if exc is None:
            return None
        result = explain(exc, sources)
        # After explaining: printing the traceback runs the exception's __str__, which may be
        # the learner's.
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return result
    finally:
        sys.stdout = out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python explain.py FILE", file=sys.stderr)
        return 2
    result = run_file(argv[0])
    import json

    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
