"""Mutant generation for ``tools/mutation.py``: the issue's mutant kinds, made on the AST.

Kinds (one mutant per site and replacement):

- ``compare``: ``<`` -> ``<=``, ``<=`` -> ``<``, ``>`` -> ``>=``, ``>=`` -> ``>``, ``==`` <-> ``!=``,
  ``is`` <-> ``is not``, ``in`` <-> ``not in``
- ``const``: every int/float literal (not bools, not strings) +1 and -1
- ``boolop``: ``and`` <-> ``or``
- ``delete``: a statement inside a function replaced by ``pass`` (docstrings, ``pass``, nested
  definitions and imports are not deleted; ``return X`` is the ``return`` kind's)
- ``return``: ``return X`` -> ``return None``

A mutant is compiled straight from the mutated tree, so line numbers stay those of the file. Its
key names the function, the kind and the source text, not the line, so the equivalent-mutant list
survives edits elsewhere in the file.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

_COMPARE = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
           ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_NOT_DELETED = (ast.Pass, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class Mutant:
    key: str  # "<function> | <kind> | <what> -> <replacement>", made unique with "#n"
    kind: str
    line: int
    path: tuple  # where the mutated node is: (field, index) steps from the module node
    change: object  # what the apply step needs (new op class, new value, ...)

    @property
    def what(self) -> str:
        return self.key.split(" | ", 2)[2]


def mutants(source: str) -> list[Mutant]:
    """Every mutant of ``source``, in file order."""
    tree = ast.parse(source)
    found: list[Mutant] = []
    _visit(tree, (), "<module>", source, found, in_function=False, docstring_ids=_docstrings(tree))
    seen: dict[str, int] = {}
    unique = []
    for m in found:
        n = seen[m.key] = seen.get(m.key, 0) + 1
        unique.append(m if n == 1 else Mutant(f"{m.key} #{n}", m.kind, m.line, m.path, m.change))
    return unique


def apply(source: str, mutant: Mutant) -> ast.Module:
    """The tree of ``source`` with ``mutant`` applied (compile it with ``compile(tree, path, "exec")``)."""
    tree = copy.deepcopy(ast.parse(source))
    parent, (field, index) = _at(tree, mutant.path[:-1]), mutant.path[-1]
    node = getattr(parent, field) if index is None else getattr(parent, field)[index]
    if mutant.kind == "compare":
        op_index, new_op = mutant.change
        node.ops[op_index] = new_op()
    elif mutant.kind == "const":
        node.value = mutant.change
    elif mutant.kind == "boolop":
        node.op = mutant.change()
    elif mutant.kind == "delete":
        getattr(parent, field)[index] = ast.copy_location(ast.Pass(), node)
    elif mutant.kind == "return":
        node.value = ast.copy_location(ast.Constant(None), node)
    return ast.fix_missing_locations(tree)


def _at(tree, path):
    node = tree
    for field, index in path:
        node = getattr(node, field) if index is None else getattr(node, field)[index]
    return node


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                ids.add(id(first))
    return ids


def _visit(node, path, scope, source, found, in_function, docstring_ids):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        scope = node.name if scope == "<module>" else f"{scope}.{node.name}"
        in_function = in_function or not isinstance(node, ast.ClassDef)
    if isinstance(node, ast.Expr) and id(node) in docstring_ids:
        return
    if isinstance(node, (ast.arg, ast.JoinedStr)) or _is_annotation(path):
        return  # annotations are not behaviour; f-strings are messages
    _sites(node, path, scope, source, found, in_function, docstring_ids)
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, child in enumerate(value):
                if isinstance(child, ast.AST):
                    _visit(child, path + ((field, i),), scope, source, found, in_function, docstring_ids)
        elif isinstance(value, ast.AST):
            _visit(value, path + ((field, None),), scope, source, found, in_function, docstring_ids)


def _is_annotation(path) -> bool:
    return bool(path) and path[-1][0] in ("annotation", "returns")


def _sites(node, path, scope, source, found, in_function, docstring_ids):
    text = _text(source, node)

    def add(kind, what, change, where=path):
        found.append(Mutant(f"{scope} | {kind} | {what}", kind, getattr(node, "lineno", 0), where, change))

    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new = _COMPARE.get(type(op))
            if new is not None:
                add("compare", f"{text}: {_SYMBOL[type(op)]} -> {_SYMBOL[new]}", (i, new))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        for delta in (1, -1):
            add("const", f"{text}: {node.value!r} -> {node.value + delta!r}", node.value + delta)
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        add("boolop", f"{text}: {'and' if new is ast.Or else 'or'} -> {'or' if new is ast.Or else 'and'}", new)
    elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
        add("return", f"{text} -> return None", None)
    if in_function and isinstance(node, ast.stmt) and not isinstance(node, _NOT_DELETED) \
            and id(node) not in docstring_ids and path and path[-1][1] is not None \
            and not (isinstance(node, ast.Return) and node.value is not None):  # that is a "return" mutant
        add("delete", f"{_first_line(text)} -> pass", None)


def _is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _text(source: str, node) -> str:
    segment = ast.get_source_segment(source, node) or ast.unparse(node)
    return " ".join(segment.split())


def _first_line(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
