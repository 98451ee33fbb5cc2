"""A Babel extractor for our Python files that reads the syntax tree, so `_()` inside f-strings is found too.

Babel's own Python extractor works on tokens, and before Python 3.12 an f-string is one token: a call such as
f'<h1>{escape(_("Your cart"))}</h1>' would be missed. babel.cfg maps our files to this function; pybabel and
tests/test_i18n.py both use it.
"""
from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any


def extract(fileobj: IO[bytes], keywords: Mapping[str, Any] | Collection[str], comment_tags: Collection[str],
            options: Mapping[str, Any]) -> Iterator[tuple[int, str, tuple[str | None, ...], list[str]]]:
    """Every call of a keyword function (`_`, `ngettext`, `pgettext`, `N_`, `NP_`): its positional string arguments
    (None where an argument is not a literal string); Babel picks the message ids by the keyword's spec."""
    source = fileobj.read().decode(str(options.get('encoding', 'utf-8')))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in keywords:
            args = tuple(arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
                         for arg in node.args)
            if any(arg is not None for arg in args):
                yield node.lineno, node.func.id, args, []
