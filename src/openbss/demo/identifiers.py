"""Phone numbers, tax numbers and postcodes that pass the checks openbss runs.

Each generator draws from a :class:`random.Random` only, so a seed gives the
same numbers every time, and each result is confirmed by the same library the
party rules use (``phonenumbers``, ``python-stdnum``): the check digits are
found by trying the candidates in a fixed order until the library accepts one.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterable

import phonenumbers
from stdnum import get_cc_module

__all__ = ["fill_pattern", "unique_phone", "vat_number"]

_DIGITS = string.digits
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q: easily misread
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})
_FIXED_TYPES = frozenset({phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def fill_pattern(rng: random.Random, pattern: str) -> str:
    """Replace ``#`` by a random digit and ``@`` by a random letter."""
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(rng.choice(_DIGITS))
        elif ch == "@":
            out.append(rng.choice(_LETTERS))
        else:
            out.append(ch)
    return "".join(out)


def _phone_ok(text: str, mobile: bool) -> bool:
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    return phonenumbers.number_type(number) in (_MOBILE_TYPES if mobile else _FIXED_TYPES)


def unique_phone(
    rng: random.Random, patterns: tuple[str, ...], overflow: tuple[str, ...], used: set[str], *, mobile: bool
) -> str:
    """A valid number not in ``used`` (which it joins), in international notation.

    Draws from ``patterns`` first and from ``overflow`` when those are used up.
    """
    for candidates, attempts in ((patterns, 40), (overflow or patterns, 5000)):
        for _ in range(attempts):
            text = fill_pattern(rng, rng.choice(candidates))
            if text not in used and _phone_ok(text, mobile):
                used.add(text)
                return text
    raise RuntimeError(f"no unused phone number left in {patterns + overflow}")


def _first_valid(candidates: Iterable[str], is_valid: Callable[[str], bool]) -> str | None:
    for candidate in candidates:
        if is_valid(candidate):
            return candidate
    return None


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(_DIGITS) for _ in range(count))


def _vat_candidates(rng: random.Random, country: str) -> list[str]:
    """Numbers of the country's VAT format whose check part runs over every possible value."""
    if country == "GB":  # 7 digits and a two-digit mod-97 check
        base = str(rng.randint(1, 9)) + _digits(rng, 6)
        return [f"GB{base}{check:02d}" for check in range(100)]
    if country == "DE":  # 8 digits and an ISO 7064 check digit
        base = str(rng.randint(1, 9)) + _digits(rng, 7)
        return [f"DE{base}{check}" for check in range(10)]
    if country == "FR":  # two-digit key over a Luhn-valid SIREN
        siren_base = str(rng.randint(1, 9)) + _digits(rng, 7)
        from stdnum.fr import siren

        siren_number = _first_valid((f"{siren_base}{d}" for d in range(10)), siren.is_valid)
        assert siren_number is not None
        return [f"FR{key:02d}{siren_number}" for key in range(100)]
    if country == "NL":  # RSIN with an 11-check, then the B01 suffix
        base = str(rng.randint(1, 9)) + _digits(rng, 7)
        return [f"NL{base}{check}B01" for check in range(10)]
    if country == "ES":  # a company (CIF): entity letter, province and number, control character
        base = rng.choice("ABG") + _digits(rng, 7)
        return [f"ES{base}{control}" for control in _DIGITS + "ABCDEFGHIJ"]
    if country == "IE":  # 7 digits and a check letter
        base = str(rng.randint(1, 9)) + _digits(rng, 6)
        return [f"IE{base}{letter}" for letter in string.ascii_uppercase]
    if country == "US":  # an EIN: the campus prefix decides validity, no check digit
        prefixes = ["12", "20", "27", "45", "46", "61", "84", "91"]
        rng.shuffle(prefixes)
        return [f"{prefix}-{_digits(rng, 7)}" for prefix in prefixes]
    raise ValueError(f"no tax number format for {country}")


def vat_number(rng: random.Random, country: str, used: set[str]) -> str:
    """A tax number of ``country`` that python-stdnum accepts and that is not in ``used``.

    EU countries and the UK get a VAT number with its country prefix; the US
    gets an EIN (the tax id a business uses there).
    """
    module = get_cc_module(country.lower(), "tin" if country == "US" else "vat")
    if module is None:
        raise ValueError(f"python-stdnum has no tax number scheme for {country}")
    while True:
        found = _first_valid(_vat_candidates(rng, country), module.is_valid)
        if found is not None and found not in used:
            used.add(found)
            return found
