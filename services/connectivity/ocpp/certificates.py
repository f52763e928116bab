"""Security profile 3: the charger proves its identity with a TLS client certificate.

The TLS layer (`ocpp_tls_client_ca_file`, `CERT_OPTIONAL`) verifies a certificate the charger
sends against the chargers' CA and aborts the TLS handshake when it does not verify; the
handshake then only has to check that the verified certificate names the charger. OCPP (1.6
Security Whitepaper, 2.0.1 Part 2 A00.FR.3xx) puts the charge point identity in the subject's
common name; a DNS name of the subject alternative names is accepted too.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

CERTIFICATE_PROFILE = 3


def report_verification_failures(context: ssl.SSLContext, report: Callable[[str], None]) -> None:
    """Call `report` with OpenSSL's reason whenever a client certificate fails verification.

    Such a handshake never reaches HTTP (OpenSSL ends it with an alert such as `unknown_ca`), so
    this is the only place it can be seen; the address and the charger's id are not known here.
    """

    class _Reporting(ssl.SSLObject):
        def do_handshake(self) -> None:
            try:
                super().do_handshake()
            except ssl.SSLCertVerificationError as exc:
                report(str(exc.verify_message))
                raise

    context.sslobject_class = _Reporting


def certificate_names(peercert: Any) -> frozenset[str] | None:
    """The names a verified client certificate vouches for, or None when none was sent.

    `peercert` is `SSLSocket.getpeercert()`'s dict (None or empty without a certificate).
    """
    if not peercert:
        return None
    names: set[str] = set()
    for rdn in peercert.get("subject", ()):
        names.update(value for key, value in rdn if key == "commonName")
    names.update(value for kind, value in peercert.get("subjectAltName", ()) if kind == "DNS")
    return frozenset(names)
