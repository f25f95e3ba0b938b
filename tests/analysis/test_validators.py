import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import uscc

from qinglang.analysis.validators import (
    is_mainland_mobile,
    is_valid_bank_card,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_phone,
    normalize_qq,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize(
    "value", ["91110108551385082Q", " 91110108551385082q ", "９１１１０１０８５５１３８５０８２Ｑ"]
)
def test_uscc_valid(value):
    assert is_valid_uscc(value)


@pytest.mark.parametrize(
    "value", ["", "91110108551385082X", "9111010855138508", "91110108551385082QQ", "abc"]
)
def test_uscc_invalid(value):
    assert not is_valid_uscc(value)


@given(
    st.text(alphabet=string.digits, min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_generated_uscc_round_trips(authority_and_region, organisation):
    body = authority_and_region + organisation
    check = uscc.calc_check_digit(body)
    code = body + check
    assert is_valid_uscc(code)
    wrong = next(c for c in USCC_ALPHABET if c != check)
    assert not is_valid_uscc(body + wrong)


@given(st.text(alphabet=string.digits, min_size=12, max_size=18))
def test_generated_luhn_numbers_round_trip(body):
    number = body + luhn.calc_check_digit(body)
    assert is_valid_bank_card(number)
    assert is_valid_bank_card(" ".join(number[i : i + 4] for i in range(0, len(number), 4)))
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not is_valid_bank_card(bad)


@pytest.mark.parametrize("value", ["", "1234", "6222021234567890127", "abcd efgh ijkl mnop"])
def test_bank_card_invalid(value):
    assert not is_valid_bank_card(value)


def test_resident_id():
    assert is_valid_resident_id("11010519491231002X")
    assert not is_valid_resident_id("110105194912310021")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("010-12345678", "+861012345678"),
        ("(0755) 8888 9999", "+8675588889999"),
        ("400-810-8888", "+864008108888"),
    ],
)
def test_normalize_phone(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize("value", ["", "12345", "20231201", "1234567890123", "电话", "0" * 50])
def test_normalize_phone_rejects(value):
    assert normalize_phone(value) is None


def test_is_mainland_mobile():
    assert is_mainland_mobile("+8613812345678")
    assert not is_mainland_mobile("+861012345678")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_shape_normalises_to_e164(number):
    phone = normalize_phone(number)
    if phone is not None:
        assert phone == "+86" + number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345", "12345"),
        ("123 456 789", "123456789"),
        ("９７６５４３２１", "97654321"),
        ("01234", None),
        ("1234", None),
        ("123456789012", None),
        ("abc", None),
        ("", None),
    ],
)
def test_normalize_qq(value, expected):
    assert normalize_qq(value) == expected


@given(st.text())
def test_validators_never_crash(text):
    is_valid_uscc(text)
    is_valid_bank_card(text)
    is_valid_resident_id(text)
    normalize_phone(text)
    normalize_qq(text)


def test_mobile_fast_path_agrees_with_phonenumbers():
    """+86 mobiles skip phonenumbers' parser; the verdict must be the parser's."""
    import random

    from qinglang.analysis import validators

    rng = random.Random(17)
    numbers = [f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}" for _ in range(3000)]
    numbers += ["17400012345", "17406012345", "16100012345", "14512345678", "14012345678"]
    for number in numbers:
        expected = validators._parse_phone("+86" + number)
        assert validators.normalize_phone("+86" + number) == expected, number


def test_luhn_agrees_with_stdnum():
    import random

    from stdnum import luhn

    from qinglang.analysis.validators import is_valid_bank_card

    rng = random.Random(5)
    for _ in range(2000):
        digits = str(rng.randrange(10**15, 10**19))
        assert is_valid_bank_card(digits) == luhn.is_valid(digits), digits
    assert not is_valid_bank_card("٦٢٢٢٠٢١٢٣٤٥٦٧٨٩٠١٢٨")  # Arabic-Indic digits are not a card


def _phonenumbers_verdict(text: str) -> str | None:
    """phonenumbers' own answer: parse for China, is_valid_number, E.164."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _generated_numbers() -> list[str]:
    import random

    rng = random.Random(86)
    heads = [
        *("0", "01", "010", "02", "020", "021", "0755", "0351", "0898", "0971", "0433", "0851"),
        *("400", "800", "4008", "8008", "1080", "2180", "950", "96", "95", "10", "2", "3", "5"),
        *("86", "086", "0086", "00", "000", "11", "12", "1790", "17951", "1", "13", "16", "19"),
    ]
    numbers = []
    for _ in range(6000):
        body = "".join(rng.choice(string.digits) for _ in range(rng.randrange(0, 14)))
        numbers.append(rng.choice(["", "", "+86"]) + rng.choice(heads) + body)
    for area in range(10, 1000):  # every area code, with 7- and 8-digit subscriber numbers
        for length in (7, 8):
            subscriber = "".join(rng.choice(string.digits) for _ in range(length))
            numbers += [f"0{area}{subscriber}", f"+86{area}{subscriber}"]
    return numbers


def _corpus_numbers() -> list[str]:
    """What the extractor hands normalize_phone for the corpus texts and obfuscated variants."""
    import json
    import random
    from pathlib import Path

    from qinglang.analysis import identifiers
    from qinglang.analysis.corpus.generate import obfuscate
    from qinglang.analysis.normalize import digits_of, normalize

    paths = (
        Path(__file__).with_name("corpus") / "extraction.jsonl",
        Path(__file__).parents[2] / "qinglang/analysis/corpus/genres.jsonl",
    )
    texts = [
        json.loads(line)["text"]
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(17)
    texts += [obfuscate(text, rng) for text in texts]
    numbers = []
    for text in texts:
        norm = normalize(text).text
        for match in identifiers._LANDLINE.finditer(norm):
            numbers.append(digits_of(match.group()))
        for match in identifiers._INTL_LANDLINE.finditer(norm):
            numbers.append("+" + digits_of(match.group()).removeprefix("00"))
        for match in identifiers._MOBILE.finditer(norm):
            numbers.append("+86" + digits_of(match.group())[-11:])
    return numbers


def test_phone_fast_path_agrees_with_phonenumbers():
    """Digit strings and "+86" numbers skip phonenumbers' parser: the verdict is the parser's."""
    from qinglang.analysis import validators

    corpus = _corpus_numbers()
    assert sum(not n.startswith("+") for n in corpus) >= 10  # the corpus has landlines
    numbers = corpus + _generated_numbers()
    fast = [n for n in numbers if validators._cn_national_digits(n) is not None]
    assert len(fast) > 0.8 * len(numbers)  # the fast path is what is being tested
    valid = 0
    for number in numbers:
        expected = _phonenumbers_verdict(number)
        valid += expected is not None
        assert normalize_phone(number) == expected, number
    assert valid > 1500  # valid and invalid numbers both


def test_phone_fast_path_leaves_other_shapes_to_phonenumbers():
    from qinglang.analysis import validators

    for text in ("0086 10 6234 5678", "8613812345678", "+8510 1234", "010-62345678", "１２"):
        assert validators._cn_national_digits(text) is None, text
        assert normalize_phone(text) == _phonenumbers_verdict(validators._fold(text)), text


@given(
    st.sampled_from(["0", "+86", ""]),
    st.sampled_from(["fixed_line", "mobile", "toll_free", "shared_cost", "premium_rate"]),
    st.data(),
)
def test_phone_fast_path_agrees_on_numbers_of_every_type(prefix, kind, data):
    """Numbers drawn from phonenumbers' own pattern of each type, written as extracted."""
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region("CN")
    pattern = getattr(meta, kind).national_number_pattern.replace("\\d", "[0-9]")  # ASCII
    national = data.draw(st.from_regex(pattern, fullmatch=True))
    number = prefix + national
    assert normalize_phone(number) == _phonenumbers_verdict(number), number
