"""Request body parsers for the API (settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

A module of its own: DRF imports these while it loads its settings, before ``rest_framework.views``
exists, so they cannot live beside the viewsets in ``core.api``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with one more refusal: a body nested deeper than the interpreter recurses
    (``[[[[…]]]]``, a few hundred kilobytes from anyone) raises RecursionError, not ValueError, and was
    a 500. It is malformed input like any other: 400 with a message."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_("请求体不是合法的 JSON：嵌套层数过多。")) from exc
