import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglang.analysis.segment import segment, tokens
from qinglang.analysis.similarity import K, signature, similarity


def test_segment_search_mode_and_normalisation():
    words = segment("專業刪帖公司，中华人民共和国，QQ 12345678").split(" ")
    assert "删帖" in words  # traditional folded to simplified
    assert "中华人民共和国" in words and "共和国" in words  # search mode adds sub-words
    assert "qq" in words and "12345678" in words
    assert "，" not in words


def test_segment_empty():
    assert segment("") == ""
    assert segment("  ，。！ ") == ""
    assert tokens("") == []


def test_segment_quiet(capsys):
    segment("安静地初始化")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


A = "专业删帖，先删后付，加微信 shantie888，百度、微博、论坛负面都能处理，价格优惠。"


def test_near_duplicates_despite_obfuscation():
    b = "專業刪帖，先刪後付，加V信 shantie888，百度、微博、论坛负面都能处理，价格优惠！！"
    assert similarity(signature(A), signature(b)) == 1.0


def test_unrelated_texts():
    other = "今天天气很好，我们去公园散步吧，顺便买点水果回家。"
    assert similarity(signature(A), signature(other)) == 0.0


def test_partial_overlap_is_between():
    edited = A.replace("价格优惠", "每条两千元，量大从优")
    value = similarity(signature(A), signature(edited))
    assert 0.4 < value < 1.0


def test_signature_is_stable_and_bounded():
    long_text = "".join(chr(0x4E00 + i) for i in range(2000))
    sig = signature(long_text)
    assert len(sig) == K
    assert list(sig) == sorted(sig)
    assert signature(long_text) == sig
    assert similarity(sig, list(sig)) == 1.0  # a JSON round trip gives a list


def test_empty_signature():
    assert signature("") == ()
    assert similarity((), signature(A)) == 0.0


@settings(deadline=None)
@given(st.text(max_size=200), st.text(max_size=200))
def test_similarity_is_a_symmetric_fraction(a, b):
    sa, sb = signature(a), signature(b)
    assert similarity(sa, sb) == similarity(sb, sa)
    assert 0.0 <= similarity(sa, sb) <= 1.0
    if sa:
        assert similarity(sa, sa) == 1.0


@pytest.mark.parametrize("size", [400, 1200])
def test_estimate_close_to_exact_for_long_texts(size):
    base = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(size))
    changed = base[: size // 2] + "".join(chr(0x9000 + i) for i in range(size // 2))
    estimate = similarity(signature(base), signature(changed))
    shingles = lambda t: {t[i : i + 3] for i in range(len(t) - 2)}  # noqa: E731
    exact = len(shingles(base) & shingles(changed)) / len(shingles(base) | shingles(changed))
    assert abs(estimate - exact) < 0.12
