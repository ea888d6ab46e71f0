"""Pad sealed plaintexts to a few size classes, so length alone tells little (ADR 0070).

A FLASH track and a ROUTINE note differ in length by a few hundred bytes; sealed as they are,
a listener would tell them apart by size. Every plaintext is padded (ISO/IEC 7816-4: one 0x80
byte, then zeros) up to the next class: 2, 3, 4, 6, 8, 12 … 48, 64 KiB (steps of 1.5x and
4/3x), then whole multiples of 64 KiB: the overhead stays under 1.5x for small messages and
under 64 KiB for large ones, while a class still holds many kinds of message.
"""

from __future__ import annotations

from gsomia.errors import InputError

CLASSES = tuple(sorted({1 << n for n in range(11, 17)} | {3 << n for n in range(10, 15)}))
STEP = CLASSES[-1]


def padded_size(length: int) -> int:
    """The size class a plaintext of `length` bytes (plus the 0x80 marker) is padded to."""
    need = length + 1
    for size in CLASSES:
        if need <= size:
            return size
    return -(-need // STEP) * STEP


def pad(data: bytes) -> bytes:
    return data + b"\x80" + bytes(padded_size(len(data)) - len(data) - 1)


def unpad(data: bytes) -> bytes:
    """The plaintext before padding; InputError if the padding is not exactly as `pad` makes it."""
    end = len(data.rstrip(b"\x00"))
    if end == 0 or data[end - 1] != 0x80 or padded_size(end - 1) != len(data):
        raise InputError("padding is malformed")
    return data[: end - 1]
