"""TUMS OpenAPI AK/SK request signing (document section 1.2.2), as the cloud verifies it.

An independent implementation of the documented algorithm: the simulator checks client
signatures with it and the tests sign their requests with it.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import hmac
import re
from typing import Final

ALGORITHM: Final = "HmacSHA256"
SCOPE_SUFFIX: Final = "tp-link_request"
SIGNING_KEY_LABEL: Final = "tp-link"
EMPTY_PAYLOAD: Final = b"{}"
AUTH_HEADER: Final = "X-Authorization"
AUTH_FIELDS: Final = ("Timestamp", "Nonce", "AccessKey", "Signature", "TerminalId")
TIMESTAMP_RE: Final = re.compile(r"^[0-9]{10}$")
TERMINAL_ID_MAX: Final = 64


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def string_to_sign(timestamp: str, method: str, path: str, payload: bytes) -> str:
    """The four lines: algorithm, timestamp, ``METHOD path tp-link_request``, sha256hex(payload)."""
    hashed = hashlib.sha256(payload or EMPTY_PAYLOAD).hexdigest()
    scope = f"{method} {path} {SCOPE_SUFFIX}"
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashed}"


def signature(secret_key: str, timestamp: str, method: str, path: str, payload: bytes) -> str:
    """The lower-case hex signature of a request; an empty payload is signed as ``{}``.

    Keys chain as in the document: HMAC(SK, timestamp) → HMAC(·, path) →
    HMAC(·, "tp-link") → HMAC(·, stringToSign).
    """
    secret_date = _hmac(secret_key.encode(), timestamp.encode())
    secret_service = _hmac(secret_date, path.encode())
    secret_signing = _hmac(secret_service, SIGNING_KEY_LABEL.encode())
    text = string_to_sign(timestamp, method, path, payload)
    return hmac.new(secret_signing, text.encode(), hashlib.sha256).hexdigest()


def authorization(
    *,
    access_key: str,
    secret_key: str,
    timestamp: int,
    nonce: str,
    terminal_id: str,
    path: str,
    payload: bytes,
    method: str = "POST",
) -> str:
    """The ``X-Authorization`` header value for a request."""
    stamp = str(timestamp)
    sign = signature(secret_key, stamp, method, path, payload)
    return (
        f"Timestamp={stamp},Nonce={nonce},AccessKey={access_key},"
        f"Signature={sign},TerminalId={terminal_id}"
    )


@dataclass(frozen=True, slots=True)
class Authorization:
    """The parsed fields of an ``X-Authorization`` header."""

    timestamp: str
    nonce: str
    access_key: str
    signature: str
    terminal_id: str


def parse_authorization(value: str) -> Authorization | None:
    """Parse the header; None when a field is missing, repeated, empty or spaced.

    The document requires exactly the five fields, comma-separated without spaces, and a
    10-digit timestamp.
    """
    if " " in value or "\t" in value:
        return None
    fields: dict[str, str] = {}
    for part in value.split(","):
        key, sep, item = part.partition("=")
        if not sep or key in fields or not item:
            return None
        fields[key] = item
    if set(fields) != set(AUTH_FIELDS):
        return None
    if not TIMESTAMP_RE.fullmatch(fields["Timestamp"]):
        return None
    if len(fields["TerminalId"]) > TERMINAL_ID_MAX:
        return None
    return Authorization(
        timestamp=fields["Timestamp"],
        nonce=fields["Nonce"],
        access_key=fields["AccessKey"],
        signature=fields["Signature"],
        terminal_id=fields["TerminalId"],
    )
