"""KQL syntax check with the ANTLR grammar of `kusto-query-language-parser` (PyPI, MIT; pure Python on
antlr4-python3-runtime). The grammar is not Microsoft's parser, so a pass means "well-formed KQL as far as that
grammar knows"; columns are checked separately against the documented tables (components/azure/log_tables.py).

The parser is imported by name at run time: it is megabytes of generated, untyped Python that mypy must not follow.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any


@functools.cache
def _modules() -> tuple[Any, Any, Any, Any]:
    antlr = importlib.import_module("antlr4")
    listener = importlib.import_module("antlr4.error.ErrorListener")
    lexer = importlib.import_module("kusto_query_language_parser.parse_tools.KqlLexer")
    parser = importlib.import_module("kusto_query_language_parser.parse_tools.KqlParser")
    return antlr, listener.ErrorListener, lexer.KqlLexer, parser.KqlParser


@functools.cache
def syntax_errors(query: str) -> tuple[str, ...]:
    """The grammar's complaints about `query` (empty: it parses)."""
    antlr, error_listener, kql_lexer, kql_parser = _modules()
    errors: list[str] = []

    class Collect(error_listener):  # type: ignore[misc, valid-type]
        def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, message: str, error: Any) -> None:  # noqa: N802
            errors.append(f"{line}:{column} {message}")

    collect = Collect()
    lexer = kql_lexer(antlr.InputStream(query))
    lexer.removeErrorListeners()
    lexer.addErrorListener(collect)
    parser = kql_parser(antlr.CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(collect)
    parser.top()
    return tuple(errors)
