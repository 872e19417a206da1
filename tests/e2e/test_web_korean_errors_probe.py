from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_world import csrf_of, sign_in

URLS = [
    "/contracts/acme-cs-2026/compliance?period=2026-13",
    "/contracts/acme-cs-2026/compliance?period=nonsense",
    "/contracts/acme-cs-2026/compliance?period=2031",
    "/contracts/acme-cs-2026/compliance?period=2026-Q5",
    "/?month=2026-13",
    "/contracts/acme-cs-2026/months/2026-13",
    "/contracts/acme-cs-2026/months/2030-01",
    "/contracts/acme-cs-2026/results/SL-01/2026-13",
    "/contracts/acme-cs-2026/results/SL-99/2026-02",
    "/contracts/acme-cs-2026/results/SL-01/2026-05",
    "/contracts/acme-cs-2026/results/SL-01/2026-02?outcome=late",
    "/contracts/acme-cs-2026/results/SL-01/2026-02?page=0",
    "/contracts/acme-cs-2026/results/SL-01/2026-02?page=x",
    "/contracts/nope",
    "/contracts/other-cs-2026",
    "/contracts/acme-cs-2026/invoices/999",
    "/contracts/acme-cs-2026/uploads/999",
    "/selection?x=1",
    "/risks",
    "/business-case",
    "/business-case?contract=nope",
    "/vendors?month=2026-13",
    "/loads?page=0",
    "/audit?page=-1",
    "/nothing-here",
]


def text_of(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.S)
    body = main.group(0) if main else html
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_probe(client: TestClient) -> None:
    out = []
    for user in ("alice", "bob", "dana"):
        sign_in(client, user)
        client.get("/?lang=ko")
        for url in URLS:
            r = client.get(url)
            if r.status_code >= 400 or "error-summary" in r.text:
                out.append(f"{user} {url} {r.status_code}: {text_of(r.text)[:400]}")
        client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    open("/tmp/wg_explore/out.txt", "w").write("\n".join(out))
