"""Security profile 3: the charger proves its identity with a TLS client certificate.

The TLS layer (`ocpp_tls_client_ca_file`, `CERT_OPTIONAL`) verifies a certificate the charger
sends against the chargers' CA and aborts the TLS handshake when it does not verify; the
handshake then only has to check that the verified certificate names the charger. OCPP (1.6
Security Whitepaper, 2.0.1 Part 2 A00.FR.3xx) puts the charge point identity in the subject's
common name; a DNS name of the subject alternative names is accepted too.
"""

from __future__ import annotations

from typing import Any

CERTIFICATE_PROFILE = 3


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
