"""What every vendor simulator's handlers share: the refusal they raise, and parameter readers.

A handler refuses a request with ``fail(code, detail)``; the vendor's endpoint wrapper
catches :class:`ApiError` and renders it in the vendor's own envelope (its message table,
HTTP status and field names), so only that rendering differs between vendors. The readers
of :class:`Params` check a parameter's JSON type and range and refuse with the vendor's
"bad parameter" code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
from typing import Any, Final, NoReturn, TypeGuard

from aiohttp import web


class ApiError(Exception):
    """A vendor error reply: the vendor's code and an optional detail (never a secret)."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        """Error ``code``; ``detail`` says what was wrong, or (Xlink) replaces the message."""
        super().__init__(detail or str(code))
        self.code = code
        self.detail = detail

    def text(self, messages: Mapping[int, str], default: str = "injected") -> str:
        """The document's message for the code, then the detail after a colon."""
        message = messages.get(self.code, default)
        return f"{message}: {self.detail}" if self.detail else message


def fail(code: int, detail: str | None = None) -> NoReturn:
    """Refuse the request with a vendor error code."""
    raise ApiError(code, detail)


_REQUIRED: Final = object()


def parse_json(raw: bytes, code: int, detail: str | None = None, *, empty: Any = _REQUIRED) -> Any:
    """A request body's JSON, refused with the vendor's ``code`` when it is not JSON.

    ``empty`` is what a blank body means, where the vendor accepts one.
    """
    if empty is not _REQUIRED and not raw.strip():
        return empty
    try:
        return json.loads(raw)
    except ValueError:
        fail(code, detail)


async def admin_body(request: web.Request) -> dict[str, Any]:
    """An admin request's JSON object; anything else reads as empty."""
    try:
        data = await request.json()
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def is_int(value: Any) -> TypeGuard[int]:
    """A JSON integer (a bool is not one, though Python says so)."""
    return isinstance(value, int) and not isinstance(value, bool)


_KIND_NAMES = {int: "an integer", str: "a string", bool: "a boolean", list: "an array"}


@dataclass(frozen=True, slots=True)
class Params:
    """Readers of a request's parameters that refuse a bad one with the vendor's ``code``."""

    code: int

    def typed[T](self, body: Mapping[str, Any], key: str, kind: type[T]) -> T:
        """A required parameter of the given JSON type."""
        value = body.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            name = _KIND_NAMES.get(kind, kind.__name__)
            fail(self.code, f"{key} is required and must be {name}")
        return value

    def req_int(
        self, body: Mapping[str, Any], key: str, low: int | None = None, high: int | None = None
    ) -> int:
        """A required integer, optionally in low..high."""
        value = body.get(key)
        if not is_int(value):
            fail(self.code, f"{key} is required and must be an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            fail(self.code, f"{key} must be {low}..{high}")
        return int(value)

    def opt_int(self, body: Mapping[str, Any], key: str) -> int | None:
        """An optional integer (absent or null: None)."""
        if body.get(key) is None:
            return None
        return self.req_int(body, key)

    def req_str(self, body: Mapping[str, Any], key: str, *choices: str) -> str:
        """A required non-empty string, optionally one of ``choices``."""
        value = body.get(key)
        if not isinstance(value, str) or not value:
            fail(self.code, f"{key} is required and must be a non-empty string")
        if choices and value not in choices:
            fail(self.code, f"{key} must be one of {', '.join(choices)}")
        return value

    def req_bool(self, body: Mapping[str, Any], key: str) -> bool:
        """A required boolean."""
        value = body.get(key)
        if not isinstance(value, bool):
            fail(self.code, f"{key} is required and must be a boolean")
        return value

    def str_list(self, value: Any, key: str) -> list[str]:
        """A list of strings."""
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            fail(self.code, f"{key} must be an array of strings")
        return value

    def int_query(
        self, query: Mapping[str, str], key: str, default: int, low: int, high: int | None = None
    ) -> int:
        """An integer query parameter in low..high; ``default`` when absent or empty."""
        text = query.get(key)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            fail(self.code, f"{key} must be an integer")
        if value < low or (high is not None and value > high):
            fail(self.code, f"{key} must be {low}..{high if high is not None else ''}")
        return value

    def flag_query(self, query: Mapping[str, str], key: str) -> bool | None:
        """A 0/1 query parameter; None when absent or empty."""
        text = query.get(key)
        if text is None or text == "":
            return None
        if text not in ("0", "1"):
            fail(self.code, f"{key} must be 0 or 1")
        return text == "1"
