"""AK/SK HMAC-SHA256 request signing of the TUMS OpenAPI (document section 1.2.2.2).

The string to sign is four lines joined by line feeds: ``HmacSHA256``, the
timestamp, ``<method> <path> tp-link_request`` and the lower-case hex SHA-256
of the payload. The key is derived by chaining HMAC-SHA256 over the timestamp,
the path and ``tp-link``, starting from the SK; the signature is the lower-case
hex HMAC-SHA256 of the string to sign under that key.

The payload is the exact bytes sent; an empty body is sent and signed as ``{}``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

ALGORITHM = "HmacSHA256"
AUTH_HEADER = "X-Authorization"
EMPTY_PAYLOAD = b"{}"
SERVICE = "tp-link"
REQUEST_SUFFIX = "tp-link_request"
AUTH_FIELDS = ("Timestamp", "Nonce", "AccessKey", "Signature", "TerminalId")

_NONCE_RE = re.compile(r"^[0-9a-f]{32}$")


def new_nonce() -> str:
    """A fresh 32 lower-case hex character nonce (a UUID4 without dashes)."""
    return uuid.uuid4().hex


def is_valid_nonce(nonce: str) -> bool:
    """Whether ``nonce`` has the documented form: 32 hex characters."""
    return bool(_NONCE_RE.match(nonce))


def signed_payload(payload: bytes | None) -> bytes:
    """The bytes that are sent and signed: an empty body becomes ``{}``."""
    return payload or EMPTY_PAYLOAD


def string_to_sign(timestamp: int, method: str, path: str, payload: bytes) -> str:
    """The canonical string the final HMAC is computed over."""
    hashed = hashlib.sha256(signed_payload(payload)).hexdigest()
    scope = f"{method.upper()} {path} {REQUEST_SUFFIX}"
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashed}"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signature(secret_key: str, timestamp: int, method: str, path: str, payload: bytes) -> str:
    """The lower-case hex signature of one request."""
    secret_date = _hmac(secret_key.encode(), str(timestamp))
    secret_service = _hmac(secret_date, path)
    secret_signing = _hmac(secret_service, SERVICE)
    return hmac.new(
        secret_signing,
        string_to_sign(timestamp, method, path, payload).encode(),
        hashlib.sha256,
    ).hexdigest()


def authorization_header(
    *,
    access_key: str,
    secret_key: str,
    terminal_id: str,
    timestamp: int,
    nonce: str,
    method: str,
    path: str,
    payload: bytes,
) -> str:
    """The ``X-Authorization`` value: five comma separated fields, no spaces."""
    sig = signature(secret_key, timestamp, method, path, payload)
    return (
        f"Timestamp={timestamp},Nonce={nonce},AccessKey={access_key},"
        f"Signature={sig},TerminalId={terminal_id}"
    )


def parse_authorization_header(value: str) -> dict[str, str]:
    """Split an ``X-Authorization`` value into its fields (for servers and tests).

    Raises ``ValueError`` if a field is missing, duplicated or unknown, or if
    the value contains spaces: the server refuses such headers with -10303.
    """
    if " " in value:
        raise ValueError("spaces are not allowed")
    fields: dict[str, str] = {}
    for part in value.split(","):
        name, sep, field_value = part.partition("=")
        if not sep or name not in AUTH_FIELDS or name in fields or not field_value:
            raise ValueError("malformed field")
        fields[name] = field_value
    if len(fields) != len(AUTH_FIELDS):
        raise ValueError("missing field")
    return fields


def verify(
    secret_key: str, header: str, method: str, path: str, payload: bytes
) -> dict[str, str] | None:
    """The header's fields if its signature matches the request, else None."""
    try:
        fields = parse_authorization_header(header)
        timestamp = int(fields["Timestamp"])
    except ValueError:
        return None
    expected = signature(secret_key, timestamp, method, path, payload)
    return fields if hmac.compare_digest(expected, fields["Signature"]) else None
