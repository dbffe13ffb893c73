"""The exception hierarchy every vendor client raises.

Messages never carry secrets: clients build them from codes, paths and vendor
text only, never from request headers or bodies.
"""

from __future__ import annotations


class CniotError(Exception):
    """Base class of every error a cniot client raises."""


class CniotConnectionError(CniotError):
    """The server could not be reached, or the transport failed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of a 5xx reply


class CniotTimeoutError(CniotConnectionError):
    """The server did not answer in time."""


class CniotSslError(CniotConnectionError):
    """The TLS handshake with the server failed (protocol or cipher mismatch, say)."""


class CniotCertificateError(CniotSslError):
    """The server's TLS certificate is not trusted: self-signed, expired or for another name.

    Trying again will not help; the URL or the certificate has to change. ``reason`` is
    the verifier's short text ("self-signed certificate", "certificate has expired").
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"the server's certificate is not trusted: {reason}")
        self.reason = reason


class CniotInvalidResponseError(CniotError):
    """The server answered with something that is not the documented shape."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CniotAuthenticationError(CniotError):
    """The credentials were refused; the user has to provide new ones."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status  # the HTTP status (401, 403) when no vendor code said it


class CniotRequestRefusedError(CniotAuthenticationError):
    """The credentials are fine, but the request's signature, timestamp or nonce was not.

    A clock far off, or a signing mismatch: asking the user for new credentials
    would not help.
    """


class CniotRateLimitedError(CniotError):
    """The vendor asked us to slow down."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, code: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code


class CniotVendorError(CniotError):
    """The vendor API refused the call with one of its documented error codes."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"vendor error {code}: {message}")
        self.code = code
        self.vendor_message = message


class CniotDeviceOfflineError(CniotVendorError):
    """The addressed device is offline or unknown to the vendor."""


class CniotConfigurationError(CniotVendorError):
    """The account lacks a permission or a setting at the vendor; retrying will not help."""


class CniotInvalidValueError(CniotVendorError):
    """The vendor refused a value or a request field."""


class DatapointValueError(ValueError):
    """A value a datapoint does not accept, before anything is sent.

    ``reason`` names the rule (``read_only``, ``type``, ``range``, ``step``, ``option``,
    ``length``, ``text_length``); ``label`` is the datapoint's name as users see it and
    ``placeholders`` the values the translated message shows (minimum, maximum, step,
    options, length).
    """

    def __init__(
        self,
        datapoint: str,
        reason: str,
        message: str,
        *,
        label: str,
        placeholders: dict[str, str],
    ) -> None:
        super().__init__(f"{datapoint}: {message}")
        self.datapoint = datapoint
        self.reason = reason
        self.label = label
        self.placeholders = placeholders
