"""The README's first request works as written: its statement and headers store and read back."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import ADMIN_AUTH

README = Path(__file__).resolve().parents[3] / "README.md"


def first_statement_section() -> str:
    text = README.read_text()
    return text.split("### A first statement", 1)[1].split("\n## ", 1)[0]


def curl_headers(command: str) -> dict:
    return dict(h.split(": ", 1) for h in re.findall(r"-H '([^']+)'", command))


async def test_the_readme_first_curl_stores_and_reads_a_statement(client):
    section = first_statement_section()
    post, get = [c for c in re.split(r"\n\s*(?=curl )", section) if c.lstrip().startswith("curl ")][:2]
    body = json.loads(re.search(r"-d '(.*?)'", post, re.S).group(1))
    headers = {**curl_headers(post), "Authorization": ADMIN_AUTH}
    assert headers["X-Experience-API-Version"] == "1.0.3"

    stored = await client.post("/xapi/statements", data=json.dumps(body), headers=headers)
    assert stored.status == 200, await stored.text()
    [statement_id] = await stored.json()
    path = re.search(r"(/xapi/statements\?statementId=)<statement id>", get).group(1)
    read = await client.get(path + statement_id, headers={**curl_headers(get), "Authorization": ADMIN_AUTH})
    assert read.status == 200 and (await read.json())["object"]["id"] == body["object"]["id"]

    without_version = await client.post(
        "/xapi/statements",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": ADMIN_AUTH},
    )
    assert without_version.status == 400  # what the README warns about
    assert "X-Experience-API-Version" in (await without_version.json())["detail"]
