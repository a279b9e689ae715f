"""The masking rules of gjj.masking: exact outputs for every kind of input."""

from __future__ import annotations

import pytest

from gjj.masking import mask_bank_account, mask_id_number, mask_phone, mask_text


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("140302199003150011", "140302********0011"),  # 18 characters
        ("14030219900315001X", "140302********001X"),  # check character X
        ("14030219900315001x", "140302********001x"),
        ("140302900315001", "140302*****5001"),  # a 15-digit first-generation number
        ("14030219901", "140302*9901"),  # eleven: one character hidden
        ("1403021990", "**********"),  # ten or fewer: both ends would be all of it
        ("1", "*"),
        ("", ""),
    ],
)
def test_id_numbers(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),  # mobile
        ("+8613812345678", "+86*******5678"),  # with the country code
        ("03532012345", "035****2345"),  # eleven-character landline
        ("2012345", "***2345"),  # short landline: the last four only
        ("12345", "*2345"),
        ("1234", "****"),  # nothing left to show
        ("1", "*"),
        ("", ""),
    ],
)
def test_phone_numbers(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6217000010001234567", "6217****4567"),  # 19-digit card
        ("6222601234098765", "6222****8765"),  # 16-digit card
        ("6222 0205 0100 1234 567", "6222**** 567"),  # typed with spaces: still masked
        ("123456789", "1234****6789"),  # nine: the shortest shown by its ends
        ("12345678", "****"),  # eight or fewer: masked whole, length hidden
        ("1", "****"),
        ("", ""),
    ],
)
def test_bank_accounts(value: str, masked: str) -> None:
    assert mask_bank_account(value) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "身份证140302199003150011 手机13803530001 卡号6217000010001234567",
            "身份证140302********0011 手机138****0001 卡号6217****4567",
        ),
        ("证件号14030219900315001X。", "证件号140302********001X。"),
        # Free text cannot tell an issued number from an account: its digits are masked
        # too (audit snapshots keep fields named *number whole, gjj.exports.mask_snapshot).
        ("申请编号GT2025030300000001", "申请编号GT2025****0001"),
        ("金额50000.00元，2025-03-03", "金额50000.00元，2025-03-03"),
        ("", ""),
    ],
)
def test_free_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_bank_account])
@pytest.mark.parametrize("length", range(1, 11))
def test_no_rule_shows_a_short_value_in_full(mask, length: int) -> None:
    value = "9" * length
    assert mask(value) != value
