"""The web service's hardening (issue 13, finding 7), over HTTP against `starter.py web` as a process.

Bodies are bounded and the API's token is checked before a body is read; every answer carries the
security headers; failed sign-ins and bad tokens are logged without the token and throttled per client
address; /api/docs needs a token and loads nothing from elsewhere; an internal error names only an id;
signing out is a POST; the service will not listen beyond loopback in clear.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sqlite3
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import trustme

from tests.e2e.test_operations_end_to_end import ROOT, Operator, free_port, wait_until
from tests.web.conftest import WebService, serving_web

pytestmark = pytest.mark.e2e
HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}
MIB = 1024 * 1024


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]


def raw_post(url: str, path: str, claimed: int, sent: int, headers: str = "") -> str:
    """POST claiming a `claimed`-byte body, send `sent` bytes of it, and read what the server answers meanwhile."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {claimed}\r\n{headers}\r\n".encode()
        )
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # it answered without taking it all
            conn.sendall(b"x" * sent)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer.decode("latin-1")


def log_lines(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_an_unauthenticated_body_is_refused_before_it_is_read(web_service: WebService) -> None:
    recorded, before = web_service.requests("W1"), rss_kib(web_service.pid)
    for _ in range(5):  # 200 MB announced, 1 MB sent: the server answers without waiting for the rest
        answer = raw_post(web_service.url, "/api/accounts/W1/payments", claimed=200 * MIB, sent=MIB)
        assert answer.startswith("HTTP/1.1 401"), answer[:200]
    after = rss_kib(web_service.pid)
    assert after - before < 16 * 1024, f"RSS grew from {before} to {after} KiB"
    assert web_service.requests("W1") == recorded


def test_a_body_over_the_limit_is_refused_in_one_line_and_changes_nothing(web_service: WebService) -> None:
    payment, recorded = {"amount": "1.00", "reference": "R" * (100 * 1024)}, web_service.requests("W1")
    with web_service.client("oscar") as operations:
        declared = operations.post("/api/accounts/W1/payments", json=payment)
        assert declared.status_code == 413
        assert declared.json() == {"error": "the request body is over 64 KiB: nothing changed"}
        assert "\n" not in declared.text
        streamed = operations.post(  # no Content-Length: the bytes are counted as they come
            "/api/accounts/W1/payments", content=(b" " * 1024 for _ in range(100)),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert streamed.status_code == 413, streamed.text
        assert streamed.json()["error"] == "the request body is over 64 KiB: nothing changed"
        small = operations.post("/login", data={"token": "t" * 8192})
        assert small.status_code == 413 and "over 4 KiB" in small.text
    assert web_service.operator.status("W1")["payments_count"] == 0
    assert web_service.requests("W1") == recorded


def test_every_page_and_api_answer_carries_the_security_headers(web_service: WebService) -> None:
    with web_service.client("alice") as alice, web_service.client() as nobody:
        signed_in = httpx.Client(base_url=web_service.url, cookies={"collections_token": web_service.tokens["alice"]})
        answers = {
            "login": nobody.get("/login"),
            "dashboard": signed_in.get("/"),
            "accounts": signed_in.get("/accounts"),
            "account": signed_in.get("/accounts/W2"),
            "queue": signed_in.get("/queue"),
            "logout page": signed_in.get("/logout"),
            "unknown page": signed_in.get("/nowhere"),
            "stylesheet": nobody.get("/static/app.css"),
            "api account": alice.get("/api/accounts/W2"),
            "api list": alice.get("/api/accounts"),
            "api docs": alice.get("/api/docs"),
            "api refusal": nobody.get("/api/whoami"),
            "api unknown account": alice.get("/api/accounts/NOPE"),
        }
        signed_in.close()
    for name, answer in answers.items():
        assert answer.status_code < 500, (name, answer.status_code)
        for header, value in HEADERS.items():
            assert answer.headers.get(header) == value, (name, header, answer.headers.get(header))
        assert "strict-transport-security" not in answer.headers, (name, "HSTS only over TLS")
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "style-src 'self'" in policy, (name, policy)
        assert "frame-ancestors 'none'" in policy and "script-src" not in policy, (name, policy)
    for name in ("dashboard", "account", "queue", "api docs"):  # nothing the policy would block
        html = answers[name].text
        assert "<style" not in html and "style=" not in html and "<script" not in html, name
        assert '<link rel="stylesheet" href="/static/app.css">' in html, name
    assert answers["stylesheet"].headers["content-type"].startswith("text/css")


def test_failed_sign_ins_are_logged_without_the_token_and_throttled_per_address(web_service: WebService) -> None:
    guess = "guess-" + "9" * 30
    attacker = {"X-Forwarded-For": "198.51.100.7"}  # uvicorn takes the client's address from a loopback proxy
    with httpx.Client(base_url=web_service.url, headers=attacker) as client:
        tries = [client.post("/login", data={"token": f"{guess}{n}"}) for n in range(6)]
        assert [t.status_code for t in tries] == [401] * 5 + [429]
        waiting = tries[-1]
        assert 1 <= int(waiting.headers["Retry-After"]) <= 60
        assert re.search(r"too many failed sign-ins from 198\.51\.100\.7: try again in \d+ s", waiting.text)
        right = client.post("/login", data={"token": web_service.tokens["alice"]})
        assert right.status_code == 429, "the address waits, whatever token it tries"
        api = client.get("/api/whoami", headers={"Authorization": f"Bearer {web_service.tokens['alice']}"})
        assert api.status_code == 429 and api.json()["error"].startswith("too many failed sign-ins")
    other = {"X-Forwarded-For": "198.51.100.8"}
    with httpx.Client(base_url=web_service.url, headers=other) as client:
        signed_in = client.post("/login", data={"token": web_service.tokens["alice"]})
        assert signed_in.status_code == 303, "another address is not throttled by these failures"
        assert "secure" not in signed_in.headers["set-cookie"].lower(), "loopback: no HTTPS to insist on"

    def failures() -> list[dict[str, object]]:
        return [e for e in log_lines(web_service.log) if e.get("event") == "web.auth_failed"]

    logged = wait_until(lambda: len([e for e in failures() if e["client"] == "198.51.100.7"]) == 5 and failures(),
                        what="the failed sign-ins in the log")  # fmt: skip
    assert {e["via"] for e in logged if e["client"] == "198.51.100.7"} == {"sign-in"}
    assert guess not in web_service.log.read_text()


def test_a_bad_bearer_token_is_logged_without_the_token(web_service: WebService) -> None:
    recorded = web_service.requests("W3")
    secret = "not-a-real-token-4f1c2b9e"
    headers = {"Authorization": f"Bearer {secret}", "X-Forwarded-For": "198.51.100.20"}
    with httpx.Client(base_url=web_service.url, headers=headers) as client:
        refused = client.post("/api/accounts/W3/payments", json={"amount": "5.00", "reference": "B-1"})
    assert refused.status_code == 401 and refused.json() == {"error": "a valid token is required"}
    wait_until(
        lambda: any(e.get("event") == "web.auth_failed" and e.get("client") == "198.51.100.20"
                    and e.get("via") == "bearer" and e.get("path") == "/api/accounts/W3/payments"
                    for e in log_lines(web_service.log)),
        what="the bad token in the log",
    )  # fmt: skip
    assert secret not in web_service.log.read_text()
    assert web_service.requests("W3") == recorded


def test_the_api_docs_need_a_token_and_load_nothing_from_elsewhere(web_service: WebService) -> None:
    with web_service.client() as nobody, web_service.client("vera") as viewer:
        assert nobody.get("/api/docs").status_code == 401
        assert nobody.get("/api/openapi.json").status_code == 401
        assert nobody.get("/openapi.json").status_code == 404, "the document moved under /api"
        docs = viewer.get("/api/docs")
        document = viewer.get("/api/openapi.json")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "https://" not in docs.text and "http://" not in docs.text and "<script" not in docs.text
    assert "POST /api/accounts/{account_id}/payments" in docs.text and "reference" in docs.text
    assert document.status_code == 200 and "/api/accounts/{account_id}/payments" in document.json()["paths"]


def test_an_internal_error_names_only_an_id(web_service: WebService, tmp_path: Path) -> None:
    store = Path(web_service.operator.env["DATABASE_URL"].split("///", 1)[1])
    broken = tmp_path / "broken.db"
    with sqlite3.connect(store) as source, sqlite3.connect(broken) as copy:
        source.backup(copy)
    env = {**web_service.operator.env, "DATABASE_URL": f"sqlite+aiosqlite:///{broken}"}
    log = tmp_path / "web.log"
    with serving_web(env, log) as (url, _web):
        with sqlite3.connect(broken) as db:
            db.execute("DROP TABLE notes")  # the store breaks under the running service
        bearer = {"Authorization": f"Bearer {web_service.tokens['alice']}"}
        api = httpx.get(f"{url}/api/queue", headers=bearer, timeout=60)
        page = httpx.get(f"{url}/queue", cookies={"collections_token": web_service.tokens["alice"]}, timeout=60)
        lines = log.read_text()
    assert api.status_code == 500
    found = re.fullmatch(r"internal error \(logged as ([0-9a-f]{8})\)", api.json()["error"])
    assert found and list(api.json()) == ["error"], api.text
    assert page.status_code == 500 and "internal error (logged as " in page.text
    for answer in (api, page):
        assert "SELECT" not in answer.text and "notes" not in answer.text and "Traceback" not in answer.text
        assert answer.headers["cache-control"] == "no-store"
    logged = [e for e in log_lines(log) if e.get("event") == "web.internal_error"]
    assert [e["id"] for e in logged][:1] == [found.group(1)] and "no such table" in lines


def test_signing_out_is_a_post(web_service: WebService) -> None:
    with httpx.Client(base_url=web_service.url, headers={"X-Forwarded-For": "198.51.100.30"}) as browser:
        assert browser.post("/login", data={"token": web_service.tokens["vera"]}).status_code == 303
        offered = browser.get("/logout")
        assert offered.status_code == 200 and "set-cookie" not in offered.headers
        assert '<form class="login" method="post" action="/logout">' in offered.text
        assert browser.get("/").status_code == 200, "a GET does not sign out"
        dashboard = browser.get("/").text
        assert '<form class="inline" method="post" action="/logout">' in dashboard, "the header's button"
        forged = browser.post("/logout", headers={"Origin": "https://elsewhere.example"})
        assert forged.status_code == 403 and "another site" in forged.text
        assert browser.get("/").status_code == 200, "a POST from another site does not sign out"
        signed_out = browser.post("/logout", headers={"Origin": web_service.url})
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
        assert 'collections_token=""' in signed_out.headers["set-cookie"]
        assert browser.get("/").headers["location"] == "/login"


def test_web_refuses_to_listen_beyond_loopback_in_clear(web_service: WebService) -> None:
    port = str(free_port())
    refused = web_service.operator("web", "--host", "0.0.0.0", "--port", port)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        "error: 0.0.0.0 is not a loopback address: serve HTTPS (WEB_TLS_CERT and WEB_TLS_KEY) or say a TLS "
        "proxy fronts the service (--behind-tls-proxy, WEB_BEHIND_TLS_PROXY=1)"
    ]
    half = Operator(web_service.operator.env | {"WEB_TLS_CERT": str(ROOT / "README.md")})
    alone = half("web", "--port", port)
    assert alone.returncode == 1
    assert alone.stderr.strip() == "error: WEB_TLS_CERT and WEB_TLS_KEY go together: set both or neither"


def test_beyond_loopback_the_sign_in_cookie_is_secure(web_service: WebService, tmp_path: Path) -> None:
    with serving_web(web_service.operator.env, tmp_path / "proxied.log", "--host", "0.0.0.0", "--behind-tls-proxy") as (
        url,
        _web,
    ):
        signed_in = httpx.post(f"{url}/login", data={"token": web_service.tokens["alice"]})
    assert signed_in.status_code == 303 and "; secure" in signed_in.headers["set-cookie"].lower()
    assert signed_in.headers["strict-transport-security"] == "max-age=31536000", "browsers keep to HTTPS"

    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "web.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "web.key"))
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    tls = web_service.operator.env | {
        "WEB_TLS_CERT": str(tmp_path / "web.pem"),
        "WEB_TLS_KEY": str(tmp_path / "web.key"),
    }
    with (
        serving_web(tls, tmp_path / "tls.log", "--host", "0.0.0.0", scheme="https") as (url, _web),
        httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=tmp_path / "ca.pem")) as client,
    ):
        signed_in = client.post("/login", data={"token": web_service.tokens["alice"]})
    assert url.startswith("https://")
    assert signed_in.status_code == 303 and "; secure" in signed_in.headers["set-cookie"].lower()
    assert signed_in.headers["strict-transport-security"] == "max-age=31536000"
