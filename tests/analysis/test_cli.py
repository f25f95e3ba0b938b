import json
import subprocess
import sys
from pathlib import Path

import pytest

QINGLANG = Path(sys.executable).with_name("qinglang")


def run(*args: str, stdin: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - our own console script
        [str(QINGLANG), "analysis", *args],
        input=stdin.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(not QINGLANG.exists(), reason="console script not installed")
def test_extract_prints_json_with_original_offsets():
    text = "专业刪帖，加V信：shantie_888，☎ 138 1234 5678"
    result = run("extract", stdin=text)
    assert result.returncode == 0, result.stderr
    output = result.stdout.decode()
    assert "shantie_888" in output and "\\u" not in output  # ensure_ascii=False
    items = json.loads(output)
    assert items == [
        {"kind": "wechat", "value": "shantie_888", "start": 9, "end": 20},
        {"kind": "phone", "value": "+8613812345678", "start": 23, "end": 36},
    ]
    assert text[23:36] == "138 1234 5678"


@pytest.mark.skipif(not QINGLANG.exists(), reason="console script not installed")
def test_extract_empty_input():
    result = run("extract", stdin="")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


@pytest.mark.skipif(not QINGLANG.exists(), reason="console script not installed")
def test_classify_prints_json():
    result = run("classify", stdin="不给钱就全网曝光你们公司的负面新闻，三天内打款五万元")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"genre", "category", "score", "reasons"}
    assert (data["genre"], data["category"]) == ("threat", "extortion")
    assert 0.5 <= data["score"] <= 1
    assert any("曝光" in reason["phrase"] for reason in data["reasons"])


@pytest.mark.skipif(not QINGLANG.exists(), reason="console script not installed")
def test_unknown_subcommand_is_a_usage_error():
    result = run("explode", stdin="x")
    assert result.returncode == 2
    assert b"usage" in result.stderr


def test_main_in_process(monkeypatch, capsys):
    import io

    from qinglang.analysis.cli import main

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("QQ：12345678".encode())))
    assert main(["extract"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"kind": "qq", "value": "12345678", "start": 3, "end": 11}
    ]


def test_extract_loads_neither_django_nor_heavy_libraries():
    """`qinglang analysis extract` starts fast: no Django, jieba, scikit-learn or requests."""
    text = "刪帖找我，QQ：12345678，微信 abc_12345，☎ 138 1234 5678，a@qq.com，www.a.cn"
    code = (
        "import io, sys\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(sys.argv[1].encode()))\n"
        "from qinglang.cli import main\n"
        "assert main(['analysis', 'extract']) == 0\n"
        "heavy = ('django', 'jieba', 'sklearn', 'numpy', 'requests', 'tldextract', 'celery')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)), file=sys.stderr)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code, text], capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    kinds = {item["kind"] for item in json.loads(result.stdout)}
    assert {"qq", "wechat", "phone", "email", "domain"} <= kinds
    assert result.stderr.decode().strip().splitlines()[-1] == "[]"
