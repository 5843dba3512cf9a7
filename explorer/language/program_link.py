"""A program in a link: compressed (zlib, then base64url) and read back under bounds.

A shared link carries the whole program, so anyone can write one: ``decode``
reads at most ``MAX_ENCODED`` characters of the base64url alphabet, inflates at
most ``Limits.characters`` characters plus one (a zip bomb stops there), and
checks the result is UTF-8 text. Nothing it reads is run here; the program is
checked like typed text when it runs.

>>> decode(encode("import torch\\nx = torch.ones(2)"))
'import torch\\nx = torch.ones(2)'
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from explorer.errors import ExpressionError
from explorer.language.program import LIMITS

__all__ = ["MAX_ENCODED", "encode", "decode", "too_long", "unpack"]

# Past about 8,000 characters some servers and proxies refuse a URL; a link carries the rest of the page's
# state too. A notebook cell or a lesson of the lab is a few hundred characters encoded.
MAX_ENCODED = 6_000
_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def encode(source: str) -> str:
    """``source`` compressed for a link: zlib at its best level, base64url without padding."""
    return base64.urlsafe_b64encode(zlib.compress(source.encode("utf-8"), 9)).rstrip(b"=").decode("ascii")


def too_long(source: str) -> bool:
    """Whether ``source`` is too long for a link, even compressed."""
    return len(encode(source)) > MAX_ENCODED


def decode(text: str) -> str:
    """The program ``encode`` wrote; raises ExpressionError for anything else, reading no more than the bounds."""
    return unpack(text, "program", MAX_ENCODED, LIMITS.characters, "a program may have")


def unpack(text: str, what: str, max_encoded: int, max_characters: int, whose: str) -> str:
    """Text that ``encode`` wrote, read under bounds: at most ``max_encoded`` characters of base64url, inflated
    to at most ``max_characters`` characters (a zip bomb stops there); ``what`` and ``whose`` name it in the
    messages ("the link's deck is longer than the 200,000 characters a deck may have")."""
    if len(text) > max_encoded:
        raise ExpressionError(f"the link's {what} is longer than the {max_encoded:,} characters a link carries")
    if not _ALPHABET.fullmatch(text):
        raise ExpressionError(f"the link's {what} is not base64url text")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, 4 * max_characters + 1)  # UTF-8: at most 4 bytes a character
    except (binascii.Error, ValueError, zlib.error):
        raise ExpressionError(f"the link's {what} is damaged (it did not decompress); copy the link again") from None
    if not inflater.eof or inflater.unconsumed_tail:
        raise ExpressionError(f"the link's {what} is longer than the {max_characters:,} characters {whose}, "
                              "or damaged")
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ExpressionError(f"the link's {what} is not UTF-8 text") from None
    if len(source) > max_characters:
        raise ExpressionError(f"the link's {what} is longer than the {max_characters:,} characters {whose}")
    return source
