"""Drive public reports at a running deployment; write the tracking code of each accepted one."""

from __future__ import annotations

import argparse
import threading
import time

import httpx

DESCRIPTION = "有人自称公关公司，收费五千元删除负面帖子，先删后付，联系微信 shantie{n}。"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("this load generator only targets 127.0.0.1")
    deadline = time.monotonic() + args.seconds
    accepted: list[str] = []
    failures: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(10**9))

    def run() -> None:
        with httpx.Client(base_url=args.url, timeout=30) as client:
            while time.monotonic() < deadline:
                n = next(counter)
                body = {
                    "category": "paid_deletion",
                    "description": DESCRIPTION.format(n=n),
                    "targets": [{"url": f"https://bbs{n % 50}.example-news.cn/t/{n}"}],
                }
                try:
                    response = client.post("/api/v1/reports/", json=body)
                except httpx.HTTPError:
                    code = 0
                else:
                    code = response.status_code
                with lock:
                    if code == 201:
                        accepted.append(response.json()["tracking_code"])
                    else:
                        failures[code] = failures.get(code, 0) + 1

    threads = [threading.Thread(target=run) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(args.out, "w") as fh:
        fh.writelines(code + "\n" for code in accepted)
    rate = len(accepted) / args.seconds
    print(f"accepted {len(accepted)} ({rate:.1f}/s), not accepted: {failures or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
