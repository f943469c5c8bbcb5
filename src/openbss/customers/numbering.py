"""Customer numbers people can read out and type in (eTOM 1.3.4.2.5 Issue Unique Customer ID).

A customer number is the letter ``C``, a nine-digit sequence number padded
with zeros, and one check digit: ``C0000000427`` is sequence 42 with check
digit ``7``.  It is printed on bills and quoted on the phone, so it is grouped
for display (``C 000-000-042-7``) and parsing ignores case, spaces and dashes.

The check digit uses the Damm algorithm (``stdnum.damm``) rather than Luhn.
Both catch every single mistyped digit, but Luhn misses the transposition of
the neighbours ``09`` and ``90``; Damm catches every swap of two adjacent
digits, including a swap with the check digit itself.  The sequence number
that feeds :func:`customer_number` comes from the database; this module only
formats and checks.
"""

from __future__ import annotations

from typing import Final

from stdnum import damm

__all__ = [
    "MAX_SEQUENCE",
    "PREFIX",
    "InvalidCustomerNumber",
    "customer_number",
    "format_customer_number",
    "is_valid_customer_number",
    "parse_customer_number",
    "sequence_of",
]

PREFIX: Final = "C"
SEQUENCE_DIGITS: Final = 9
MAX_SEQUENCE: Final = 10**SEQUENCE_DIGITS - 1
_LENGTH: Final = len(PREFIX) + SEQUENCE_DIGITS + 1
_SEPARATORS: Final = str.maketrans("", "", " -\t")


class InvalidCustomerNumber(ValueError):
    """The text is not a well-formed customer number with a correct check digit."""


def customer_number(sequence: int) -> str:
    """Canonical customer number for a sequence value in ``1..MAX_SEQUENCE``."""
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise TypeError("sequence must be an int")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be between 1 and {MAX_SEQUENCE}, got {sequence}")
    digits = f"{sequence:0{SEQUENCE_DIGITS}d}"
    return f"{PREFIX}{digits}{damm.calc_check_digit(digits)}"


def parse_customer_number(text: str) -> str:
    """Canonical form of a customer number typed with any case, spaces or dashes.

    Raises :class:`InvalidCustomerNumber` when the shape or the check digit is wrong.
    """
    compact = text.translate(_SEPARATORS).upper()
    digits = compact[len(PREFIX) :]
    if len(compact) != _LENGTH or not compact.startswith(PREFIX) or not digits.isascii() or not digits.isdigit():
        raise InvalidCustomerNumber(f"{text!r} is not shaped like {PREFIX} followed by 10 digits")
    if not damm.is_valid(digits):
        raise InvalidCustomerNumber(f"{text!r} has a wrong check digit")
    if int(digits[:-1]) == 0:
        raise InvalidCustomerNumber(f"{text!r} uses the reserved sequence 0")
    return compact


def is_valid_customer_number(text: str) -> bool:
    try:
        parse_customer_number(text)
    except InvalidCustomerNumber:
        return False
    return True


def sequence_of(text: str) -> int:
    """The sequence value a customer number was issued from."""
    return int(parse_customer_number(text)[len(PREFIX) : -1])


def format_customer_number(text: str) -> str:
    """Grouped display form, e.g. ``C 000-000-042-7``."""
    digits = parse_customer_number(text)[len(PREFIX) :]
    return f"{PREFIX} {digits[0:3]}-{digits[3:6]}-{digits[6:9]}-{digits[9]}"
