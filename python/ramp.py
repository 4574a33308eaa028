"""PyGuide's ramp check: which Python constructs a program uses, read from its syntax tree.

`pyguide check` runs this inside the sandbox, with the interpreter that runs the curriculum,
so the syntax tree is the one that interpreter builds (a `match` statement, `except*`, the
node types of its version), and one run reads every program (a fraction of a second).

Input: the files `ramp_input_<n>.json` beside this file, each a list of {"id": str, "code": str}.
Output: one JSON object per line on stdout, {"id": str, "constructs": {name: first line}}, or
{"id": str, "error": str} when the code does not parse. The names are those of content/ramp.toml.
"""

import ast
import json
import os
import sys

# Node types that are a construct by themselves.
NODES = {
    ast.While: "while",
    ast.For: "for",
    ast.AsyncFor: "async",
    ast.Break: "break/continue",
    ast.Continue: "break/continue",
    ast.If: "if",
    ast.IfExp: "conditional expression",
    ast.FunctionDef: "def/return",
    ast.Return: "def/return",
    ast.AsyncFunctionDef: "async",
    ast.Await: "async",
    ast.AsyncWith: "async",
    ast.Lambda: "lambda",
    ast.ClassDef: "class",
    ast.Try: "try/except",
    ast.Raise: "raise",
    ast.With: "with",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.GeneratorExp: "generator expression",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.List: "list",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.Global: "global/nonlocal",
    ast.Nonlocal: "global/nonlocal",
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.JoinedStr: "f-string",
    ast.Slice: "slicing",
}
for name, construct in (("Match", "match"), ("TryStar", "try/except")):
    if hasattr(ast, name):
        NODES[getattr(ast, name)] = construct

# Built-in functions that are a construct of their own (calls by plain name).
CALLS = {
    "input": "input",
    "open": "open",
    "range": "range",
    "enumerate": "enumerate/zip",
    "zip": "enumerate/zip",
    "map": "map/filter",
    "filter": "map/filter",
    "tuple": "tuple",
    "list": "list",
    "dict": "dict",
    "set": "set",
}


# Methods that, called on anything, count as string methods: the syntax tree has no types, and
# these names are the ones learners meet on strings first.
STR_METHODS = {
    "upper", "lower", "strip", "lstrip", "rstrip", "split", "join", "replace", "startswith",
    "endswith", "find", "title", "capitalize", "isdigit", "isalpha", "zfill", "center",
}


def constructs(tree):
    found = {}

    def see(name, node):
        line = getattr(node, "lineno", 0)
        if name not in found or (line and line < found[name]):
            found[name] = line

    for node in ast.walk(tree):
        kind = NODES.get(type(node))
        if kind:
            see(kind, node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALLS:
            see(CALLS[node.func.id], node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in STR_METHODS:
            see("str methods", node)
        if isinstance(node, ast.Tuple) and isinstance(getattr(node, "ctx", None), ast.Load) and node.elts:
            see("tuple", node)
        if isinstance(node, (ast.ExceptHandler,)):
            see("try/except", node)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and node.decorator_list:
            see("decorator", node.decorator_list[0])
        if isinstance(node, ast.BoolOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            see("and/or/not", node)
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    programs = []
    for name in sorted(os.listdir(here)):
        if name.startswith("ramp_input_") and name.endswith(".json"):
            with open(os.path.join(here, name), encoding="utf-8") as f:
                programs.extend(json.load(f))
    for p in programs:
        try:
            tree = ast.parse(p["code"])
        except SyntaxError as e:
            print(json.dumps({"id": p["id"], "error": "line %s: %s" % (e.lineno, e.msg)}))
            continue
        print(json.dumps({"id": p["id"], "constructs": constructs(tree)}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
