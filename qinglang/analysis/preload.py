"""Load what analysis builds on first use (jieba's dictionary, the genre model, the public
suffix list, OpenCC's tables) ahead of time: a worker process calls `preload` when it starts,
so its first task is as fast as the others. Web processes never call it.
"""

from __future__ import annotations

import time

from qinglang.analysis.classify import classify
from qinglang.analysis.identifiers import extract
from qinglang.analysis.segment import tokens

# Traditional characters, a URL, a WeChat id and an ICP number: every lazy table gets built.
SAMPLE = "專業刪帖，先删后付，联系微信 shantie88，https://bbs.example-news.cn/t/1 京ICP备12345678号"


def preload() -> float:
    """Build analysis's dictionaries and models in this process; return the seconds it took."""
    started = time.perf_counter()
    classify(SAMPLE)
    extract(SAMPLE)
    tokens(SAMPLE)
    return time.perf_counter() - started
