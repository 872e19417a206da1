# mypy: disable-error-code="no-untyped-def"
# numba infers the types of these loops from the arrays it is given at the first call.
"""HMAC-SHA-256 pseudonyms of many values at once, compiled (used when numba is installed).

SHA-256 (FIPS 180-4) written as one loop over an Arrow string array's offsets and bytes:
the key's inner and outer pad blocks are absorbed once (``midstates``), then each value
costs its own blocks under the inner state and one block under the outer state. The
result is the pseudonym text ``ps_`` + the first 32 hex digits, written straight into
the bytes of a new Arrow string array — no Python object per value. ``Pseudonymiser``
checks the first value against ``hmac`` before trusting a batch (and the tests compare
every value), so the compiled and the Python paths give the same bytes.

Arithmetic is done on int64 holding 32-bit words (masked after every addition): no
unsigned-type promotion surprises.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    dtype=np.int64,
)  # fmt: skip
_IV = np.array(
    [
        0x6A09E667,
        0xBB67AE85,
        0x3C6EF372,
        0xA54FF53A,
        0x510E527F,
        0x9B05688C,
        0x1F83D9AB,
        0x5BE0CD19,
    ],
    dtype=np.int64,
)
_MASK = 0xFFFFFFFF
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).copy()


@njit(cache=True, nogil=True, inline="always")
def _rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & 0xFFFFFFFF


@njit(cache=True, nogil=True)
def _compress(state, block, at, w, k):
    """Absorb the 64 bytes ``block[at:at + 64]`` into ``state`` (eight 32-bit words)."""
    for t in range(16):
        i = at + 4 * t
        w[t] = (
            (np.int64(block[i]) << 24)
            | (np.int64(block[i + 1]) << 16)
            | (np.int64(block[i + 2]) << 8)
            | np.int64(block[i + 3])
        )
    for t in range(16, 64):
        x = w[t - 15]
        y = w[t - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> 10)
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & 0xFFFFFFFF
    a = state[0]
    b = state[1]
    c = state[2]
    d = state[3]
    e = state[4]
    f = state[5]
    g = state[6]
    h = state[7]
    for t in range(64):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ ((~e) & g)
        t1 = (h + s1 + ch + k[t] + w[t]) & 0xFFFFFFFF
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = (s0 + maj) & 0xFFFFFFFF
        h = g
        g = f
        f = e
        e = (d + t1) & 0xFFFFFFFF
        d = c
        c = b
        b = a
        a = (t1 + t2) & 0xFFFFFFFF
    state[0] = (state[0] + a) & 0xFFFFFFFF
    state[1] = (state[1] + b) & 0xFFFFFFFF
    state[2] = (state[2] + c) & 0xFFFFFFFF
    state[3] = (state[3] + d) & 0xFFFFFFFF
    state[4] = (state[4] + e) & 0xFFFFFFFF
    state[5] = (state[5] + f) & 0xFFFFFFFF
    state[6] = (state[6] + g) & 0xFFFFFFFF
    state[7] = (state[7] + h) & 0xFFFFFFFF


@njit(cache=True, nogil=True)
def _midstate(pad_block, iv, k):
    state = iv.copy()
    w = np.zeros(64, dtype=np.int64)
    _compress(state, pad_block, 0, w, k)
    return state


@njit(cache=True, nogil=True)
def _one(data, start, end, inner, outer, k, hex_digits, prefix, digits, out, at, w, tail, state):
    """Write ``prefix`` and the first ``digits`` hex digits of the HMAC of
    ``data[start:end]`` at ``out[at:]`` (``w``, ``tail``, ``state``: scratch space)."""
    length = end - start
    # inner hash: the key's inner pad (absorbed in ``inner``), then the value
    for j in range(8):
        state[j] = inner[j]
    full = length // 64
    for b in range(full):
        _compress(state, data, start + 64 * b, w, k)
    rest = length - 64 * full
    for j in range(128):
        tail[j] = 0
    for j in range(rest):
        tail[j] = data[start + 64 * full + j]
    tail[rest] = 0x80
    blocks = 1 if rest < 56 else 2
    bits = (64 + length) * 8
    last = 64 * blocks
    for j in range(8):
        tail[last - 1 - j] = (bits >> (8 * j)) & 0xFF
    for b in range(blocks):
        _compress(state, tail, 64 * b, w, k)
    # outer hash: the key's outer pad, then the 32-byte inner digest
    for j in range(64):
        tail[j] = 0
    for j in range(8):
        word = state[j]
        tail[4 * j] = (word >> 24) & 0xFF
        tail[4 * j + 1] = (word >> 16) & 0xFF
        tail[4 * j + 2] = (word >> 8) & 0xFF
        tail[4 * j + 3] = word & 0xFF
    tail[32] = 0x80
    outer_bits = (64 + 32) * 8
    tail[62] = (outer_bits >> 8) & 0xFF
    tail[63] = outer_bits & 0xFF
    for j in range(8):
        state[j] = outer[j]
    _compress(state, tail, 0, w, k)
    for j in range(prefix.size):
        out[at + j] = prefix[j]
    at += prefix.size
    for j in range(digits):
        word = state[j // 8]
        nibble = (word >> (28 - 4 * (j % 8))) & 0xF
        out[at + j] = hex_digits[nibble]


@njit(cache=True, nogil=True)
def _pseudonyms(offsets, data, inner, outer, k, hex_digits, prefix, digits, out):
    """The pseudonym of value ``i`` (``data[offsets[i]:offsets[i + 1]]``) at
    ``out[i * width:(i + 1) * width]``."""
    w = np.zeros(64, dtype=np.int64)
    tail = np.zeros(128, dtype=np.uint8)
    state = np.zeros(8, dtype=np.int64)
    width = prefix.size + digits
    for i in range(offsets.size - 1):
        _one(data, offsets[i], offsets[i + 1], inner, outer, k, hex_digits, prefix, digits,
             out, i * width, w, tail, state)  # fmt: skip


def midstates(padded_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The SHA-256 states after the key's inner (0x36) and outer (0x5C) pad blocks."""
    key = np.frombuffer(padded_key, dtype=np.uint8)
    inner = _midstate(key ^ np.uint8(0x36), _IV, _K)
    outer = _midstate(key ^ np.uint8(0x5C), _IV, _K)
    return inner, outer


def pseudonyms(
    offsets: np.ndarray,
    data: np.ndarray,
    inner: np.ndarray,
    outer: np.ndarray,
    prefix: bytes,
    digits: int,
) -> np.ndarray:
    """The pseudonym bytes of every value, ``len(prefix) + digits`` bytes each, end to end."""
    count = offsets.size - 1
    out = np.empty(count * (len(prefix) + digits), dtype=np.uint8)
    _pseudonyms(
        offsets.astype(np.int64),
        data,
        inner,
        outer,
        _K,
        _HEX,
        np.frombuffer(prefix, dtype=np.uint8),
        digits,
        out,
    )
    return out
