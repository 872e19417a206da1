"""Webhook signatures: HMAC-SHA-256 over ``"{timestamp}.{body}"``.

Signing the timestamp with the body lets a receiver refuse replays of an old,
validly signed request (reject timestamps older than a few minutes). Headers:
``X-ServicePact-Timestamp`` (Unix seconds) and ``X-ServicePact-Signature``
(``sha256=<hex>``). Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-ServicePact-Timestamp"
SIGNATURE_HEADER = "X-ServicePact-Signature"
PREFIX = "sha256="


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify(secret: bytes, timestamp: int, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
