"""KQL syntax check with the ANTLR grammar of `kusto-query-language-parser` (PyPI, MIT; pure Python on
antlr4-python3-runtime). The grammar is not Microsoft's parser, so a pass means "well-formed KQL as far as that
grammar knows"; columns are checked separately against the documented tables (components/azure/log_tables.py)."""

from __future__ import annotations

import functools
from typing import Any

from antlr4 import CommonTokenStream, InputStream  # type: ignore[import-untyped]
from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
from kusto_query_language_parser.parse_tools.KqlLexer import KqlLexer  # type: ignore[import-untyped]
from kusto_query_language_parser.parse_tools.KqlParser import KqlParser  # type: ignore[import-untyped]


class _Collect(ErrorListener):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []

    def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, message: str, error: Any) -> None:  # noqa: N802
        self.errors.append(f"{line}:{column} {message}")


@functools.cache
def syntax_errors(query: str) -> tuple[str, ...]:
    """The grammar's complaints about `query` (empty: it parses)."""
    collect = _Collect()
    lexer = KqlLexer(InputStream(query))
    lexer.removeErrorListeners()
    lexer.addErrorListener(collect)
    parser = KqlParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(collect)
    parser.top()
    return tuple(collect.errors)
