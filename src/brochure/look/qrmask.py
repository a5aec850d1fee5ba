"""The QR code segno makes, in half the time: its mask is chosen here.

segno tries the eight mask patterns of ISO/IEC 18004 (7.8.3) and keeps the one with the
lowest penalty; it visits every module of every candidate in Python, which was 80 % of
the time a pack spent on its QR codes (a two-city pack prints 80 of them). Here segno
encodes the address with mask 0; each candidate is then one byte string (every row and
column), made by integer XOR; the penalties are counted with a regular expression,
`bytes.find` and integer arithmetic. The rules are segno's exactly, quirks included
(remainder modules keep segno's placeholder 2 while the masks are scored), so the code
printed is the one segno would make: tests/test_visuals.py checks that, module for module,
on hundreds of addresses. segno's matrix helpers used here are those of its own encoder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import segno
from segno import encoder as segno_encoder

#: A run of five or more modules of one value (penalty N1).
_RUN = re.compile(rb"(.)\1{4,}", re.DOTALL)
#: Dark, light, dark dark dark, light, dark (penalty N3).
_FINDER_LIKE = b"\x01\x00\x01\x01\x01\x00\x01"

Rows = tuple[bytes, ...]
#: segno's encoder module (its helpers are untyped): the functions its own `make` calls.
_encoder: Any = segno_encoder
#: Between two rows or columns: no module has this value, so no run or pattern spans it.
_SEPARATOR = b"\x05"


def qr_matrix(url: str) -> tuple[bytearray, ...]:
    """The modules of `segno.make(url, error="m", micro=False, boost_error=True)`."""
    code = segno.make(url, error="m", micro=False, boost_error=True, mask=0)
    mask, candidates = _best_mask(tuple(bytes(row) for row in code.matrix))
    size = len(code.matrix)
    rows = candidates[: size * (size + 1)]
    matrix = tuple(bytearray(rows[i : i + size]) for i in range(0, len(rows), size + 1))
    _encoder.add_format_info(matrix, code._version, code._error, mask)
    _encoder.add_version_info(matrix, code._version)
    return matrix


def _best_mask(masked_with_0: Rows) -> tuple[int, bytes]:
    """The mask segno picks for the code whose final matrix with mask 0 is `masked_with_0`,
    and the code's lines with that mask (without format and version information).

    Each candidate is one byte string: the rows, then the columns, a separator after each.
    Unmasking XORs the data modules with mask 0 again (segno's placeholder 2 for the
    remainder modules comes back too) and puts 0 in the reserved format areas, as they are
    while segno scores the masks.
    """
    size = len(masked_with_0)
    shape = _shape(size)
    matrix = _lines(masked_with_0)
    unmasked = (int.from_bytes(matrix, "big") & shape.data) ^ shape.patterns[0] | shape.fixed
    candidates = [(unmasked ^ pattern).to_bytes(len(matrix), "big") for pattern in shape.patterns]
    scores = [_penalty(lines, size, shape.blocks) for lines in candidates]
    best = scores.index(min(scores))
    return best, candidates[best]


class _Shape(NamedTuple):
    """What is the same for every code of one size, as integers over `_lines` strings."""

    data: int  # 0xFF on each data module
    fixed: int  # the value of every other module while the masks are scored; separators
    patterns: tuple[int, ...]  # per mask, 1 on each data module it flips
    blocks: int  # bit 0 of each row byte that has a module to its right and below


@lru_cache(maxsize=64)
def _shape(size: int) -> _Shape:
    function = _encoder.make_matrix(size, size)
    _encoder.add_finder_patterns(function, size, size)
    _encoder.add_alignment_patterns(function, size, size)
    rows = tuple(bytes(row) for row in function)

    def over_lines(value: Callable[[int, int, int], int], separator: bytes = b"\0") -> int:
        grid = tuple(bytes(value(i, j, rows[i][j]) for j in range(size)) for i in range(size))
        return int.from_bytes(_lines(grid, separator), "big")

    data = over_lines(lambda i, j, v: 0xFF if v > 1 else 0)
    masks = _encoder.get_data_mask_functions(False)
    corner = bytes([1] * (size - 1) + [0, 0])  # a row's bytes and its separator's
    return _Shape(
        data,
        over_lines(lambda i, j, v: v if v <= 1 else 0, _SEPARATOR),
        tuple(over_lines(_flipped_by(mask)) for mask in masks),
        int.from_bytes(corner * (size - 1) + bytes(size + 1), "big"),
    )


def _flipped_by(mask: Callable[[int, int], bool]) -> Callable[[int, int, int], int]:
    """1 on each data module (value above 1 before masking) that `mask` flips."""
    return lambda i, j, value: int(value > 1 and bool(mask(i, j)))


def _lines(rows: Rows, separator: bytes = _SEPARATOR) -> bytes:
    """The rows, then the columns, each followed by `separator`."""
    columns = (bytes(column) for column in zip(*rows, strict=True))
    return b"".join(line + separator for line in (*rows, *columns))


def _penalty(lines: bytes, size: int, blocks: int) -> int:
    """segno's `evaluate_mask`: the sum of the penalties N1 to N4."""
    rest, runs = _RUN.subn(b"", lines)
    n1 = len(lines) - len(rest) - 2 * runs
    rows = lines[: size * (size + 1)]
    dark = sum(rows) - size * _SEPARATOR[0]
    n4 = 10 * int(abs(float(dark) / (size**2) * 100 - 50) / 5)
    return n1 + _blocks(rows, size, blocks) + _finder_like(lines, size) + n4


def _blocks(rows: bytes, size: int, lanes: int) -> int:
    """N2: 3 points for each 2 x 2 block of one value (blocks may overlap)."""
    grid = int.from_bytes(rows, "big")
    row = 8 * (size + 1)  # bits from a module to the module below it

    def equal(x: int) -> int:  # bit 0 of each byte of `lanes` that is zero in x
        return lanes & ~(x | x >> 1)

    # Bytes count from the end, so a module's right neighbour is one byte lower and the
    # module below it a row lower: shifting left brings them to the module's own byte.
    across = grid ^ grid << 8
    same = equal(across) & equal(across << row) & equal(grid ^ grid << row)
    return 3 * same.bit_count()


def _finder_like(lines: bytes, size: int) -> int:
    """N3 on every row and column, with segno's rule for the light margin beside a match."""
    stride = size + 1
    count = 0
    found = lines.find(_FINDER_LIKE)
    while found != -1:
        start = found - found % stride
        line, at = lines[start : start + size], found - start
        offset = at + 7
        if (
            at in (0, size - 7)
            or not any(line[max(at - 4, 0) : min(at, size)])
            or not any(line[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = at + 4
        found = lines.find(_FINDER_LIKE, start + offset)
    return count
