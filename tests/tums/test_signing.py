"""The AK/SK request signature of section 1.2.2.2."""

from __future__ import annotations

import re

import pytest

from custom_components.cniot.tums import signing

SK = "0123456789abcdef0123456789abcdef"
TIMESTAMP = 1706701924
PATH = "/tums/open/resource/v1/addRegion"
PAYLOAD = b'{"regionName":"root1.2","order":2,"parentId":"1"}'
EXPECTED = "15242a03126d68d84e458ebc42013191123fbeaf932a477219c98735abf7c601"
HEADER_RE = re.compile(
    r"^Timestamp=(\d{10}),Nonce=([0-9a-f]{32}),AccessKey=([^,\s]+),"
    r"Signature=([0-9a-f]{64}),TerminalId=([^,\s]+)$"
)


def test_known_answer() -> None:
    assert signing.signature(SK, TIMESTAMP, "POST", PATH, PAYLOAD) == EXPECTED


def test_string_to_sign() -> None:
    text = signing.string_to_sign(TIMESTAMP, "post", PATH, b"{}")
    lines = text.split("\n")
    assert lines[:3] == ["HmacSHA256", "1706701924", f"POST {PATH} tp-link_request"]
    # sha256("{}")
    assert lines[3] == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def test_empty_payload_is_signed_as_braces() -> None:
    assert signing.signed_payload(None) == b"{}"
    assert signing.signed_payload(b"") == b"{}"
    assert signing.signed_payload(b"[]") == b"[]"
    assert signing.signature(SK, TIMESTAMP, "POST", PATH, b"") == signing.signature(
        SK, TIMESTAMP, "POST", PATH, b"{}"
    )


def test_signature_depends_on_every_input() -> None:
    base = signing.signature(SK, TIMESTAMP, "POST", PATH, PAYLOAD)
    assert signing.signature(SK[::-1], TIMESTAMP, "POST", PATH, PAYLOAD) != base
    assert signing.signature(SK, TIMESTAMP + 1, "POST", PATH, PAYLOAD) != base
    assert signing.signature(SK, TIMESTAMP, "GET", PATH, PAYLOAD) != base
    assert signing.signature(SK, TIMESTAMP, "POST", PATH + "x", PAYLOAD) != base
    assert signing.signature(SK, TIMESTAMP, "POST", PATH, PAYLOAD + b" ") != base


def test_authorization_header_format() -> None:
    nonce = signing.new_nonce()
    header = signing.authorization_header(
        access_key="AK==",
        secret_key=SK,
        terminal_id="fa5d13475934410b9398a95be95f7079",
        timestamp=TIMESTAMP,
        nonce=nonce,
        method="POST",
        path=PATH,
        payload=PAYLOAD,
    )
    match = HEADER_RE.match(header)
    assert match is not None
    assert " " not in header
    assert match.groups() == (
        str(TIMESTAMP),
        nonce,
        "AK==",
        EXPECTED,
        "fa5d13475934410b9398a95be95f7079",
    )
    assert signing.parse_authorization_header(header)["Signature"] == EXPECTED
    assert signing.verify(SK, header, "POST", PATH, PAYLOAD) is not None
    assert signing.verify(SK, header, "POST", PATH, b"{}") is None
    assert signing.verify("other", header, "POST", PATH, PAYLOAD) is None


def test_nonce_is_fresh_hex() -> None:
    nonces = {signing.new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    assert all(signing.is_valid_nonce(nonce) for nonce in nonces)
    assert not signing.is_valid_nonce("0" * 31)
    assert not signing.is_valid_nonce("G" * 32)


@pytest.mark.parametrize(
    "header",
    [
        "Timestamp=1, Nonce=a,AccessKey=b,Signature=c,TerminalId=d",
        "Timestamp=1,Nonce=a,AccessKey=b,Signature=c",
        "Timestamp=1,Nonce=a,AccessKey=b,Signature=c,TerminalId=d,Nonce=e",
        "Timestamp=1,Nonce=a,AccessKey=b,Signature=c,Terminal=d",
        "Timestamp=1,Nonce=,AccessKey=b,Signature=c,TerminalId=d",
        "Timestamp=1,Nonce,AccessKey=b,Signature=c,TerminalId=d",
    ],
)
def test_malformed_headers(header: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        signing.parse_authorization_header(header)
    assert signing.verify(SK, header, "POST", PATH, PAYLOAD) is None


def test_verify_refuses_non_numeric_timestamp() -> None:
    header = "Timestamp=abc,Nonce=a,AccessKey=b,Signature=c,TerminalId=d"
    assert signing.verify(SK, header, "POST", PATH, PAYLOAD) is None
