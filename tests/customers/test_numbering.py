"""Unit tests for openbss.customers.numbering (customer numbers with a Damm check digit)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from openbss.customers.numbering import (
    MAX_SEQUENCE,
    InvalidCustomerNumber,
    customer_number,
    format_customer_number,
    is_valid_customer_number,
    parse_customer_number,
    sequence_of,
)

sequences = st.integers(min_value=1, max_value=MAX_SEQUENCE)

# The published Damm operation table, used as an independent oracle.
DAMM_TABLE = (
    "0317598642",
    "7092154863",
    "4206871359",
    "1750983426",
    "6123045978",
    "3674209581",
    "5869720134",
    "8945362017",
    "9438617205",
    "2581436790",
)


def reference_check_digit(digits: str) -> str:
    interim = 0
    for ch in digits:
        interim = int(DAMM_TABLE[interim][int(ch)])
    return str(interim)


def test_known_values() -> None:
    assert customer_number(1) == "C0000000013"
    assert customer_number(42) == "C0000000427"
    assert customer_number(MAX_SEQUENCE) == "C9999999990"
    assert format_customer_number("C0000000427") == "C 000-000-042-7"


def test_reference_oracle_matches_published_example() -> None:
    assert reference_check_digit("572") == "4"


@given(sequences)
def test_check_digit_matches_reference_damm(sequence: int) -> None:
    number = customer_number(sequence)
    assert number[-1] == reference_check_digit(f"{sequence:09d}")


@given(sequences)
def test_round_trip(sequence: int) -> None:
    number = customer_number(sequence)
    assert re.fullmatch(r"C\d{10}", number)
    assert is_valid_customer_number(number)
    assert sequence_of(number) == sequence
    assert parse_customer_number(format_customer_number(number)) == number


@given(sequences, st.data())
def test_parsing_tolerates_case_spaces_and_dashes(sequence: int, data: st.DataObject) -> None:
    number = customer_number(sequence)
    noisy = ""
    for ch in number:
        noisy += data.draw(st.sampled_from(["", " ", "-", " - "])) + ch
    noisy = data.draw(st.sampled_from([noisy, noisy.lower()]))
    assert parse_customer_number(noisy) == number
    assert sequence_of(noisy) == sequence


@given(sequences, st.integers(min_value=1, max_value=10), st.integers(min_value=1, max_value=9))
def test_every_single_digit_error_is_rejected(sequence: int, position: int, delta: int) -> None:
    number = customer_number(sequence)
    wrong = str((int(number[position]) + delta) % 10)
    mistyped = number[:position] + wrong + number[position + 1 :]
    assert mistyped != number
    assert not is_valid_customer_number(mistyped)


@given(sequences, st.integers(min_value=1, max_value=9))
def test_every_adjacent_transposition_is_rejected(sequence: int, position: int) -> None:
    number = customer_number(sequence)
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    if a == b:
        assert swapped == number
    else:
        assert not is_valid_customer_number(swapped)


@given(st.text(alphabet="0123456789", min_size=7, max_size=7), st.sampled_from(["09", "90"]))
def test_transpositions_luhn_would_miss_are_caught(prefix: str, pair: str) -> None:
    # Luhn cannot tell "...09..." from "...90...": the reason for the Damm check digit.
    digits = prefix + pair
    swapped = prefix + pair[::-1]
    assert luhn.calc_check_digit(digits) == luhn.calc_check_digit(swapped)
    number = customer_number(int(digits))
    assert not is_valid_customer_number("C" + swapped + number[-1])


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "C",
        "C000000042",  # too short
        "C00000004270",  # too long
        "X0000000427",  # wrong prefix
        "0000000427",  # no prefix
        "C0000000428",  # wrong check digit
        "C00000004_7",
        "C000000042\uff17",  # full-width digit
        "C0000000000",  # sequence 0 is never issued
        "C 000.000.042.7",
    ],
)
def test_malformed_numbers_are_rejected(bad: str) -> None:
    assert not is_valid_customer_number(bad)
    with pytest.raises(InvalidCustomerNumber):
        parse_customer_number(bad)
    with pytest.raises(ValueError):
        sequence_of(bad)


@pytest.mark.parametrize("sequence", [0, -1, MAX_SEQUENCE + 1])
def test_out_of_range_sequence(sequence: int) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        customer_number(sequence)


def test_non_integer_sequence() -> None:
    with pytest.raises(TypeError):
        customer_number(True)
    with pytest.raises(TypeError):
        customer_number("42")  # type: ignore[arg-type]
