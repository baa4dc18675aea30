"""Issue 10, classes 7 (web) and 10 (Datasette): a busy port, an odd Content-Length, a foreign Host header."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket

import httpx
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.web.audit_server import AuditServer
from pipeline.web.datasette import HOST, host_checked, make_datasette
from tests.reliability.helpers import assert_clean_error


@pytest.fixture
def claims_db(builders, tmp_path):
    path = tmp_path / "claims.db"
    builders.build_sample_db(path).close()
    return path


@pytest.fixture
def audit(claims_db):
    server = AuditServer(claims_db, reviewer="tester").start()
    yield server
    server.close()


def test_audit_on_a_busy_port_is_a_clean_error(claims_db):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["audit", "--db", str(claims_db), "--port", str(port)])
    assert_clean_error(result, f"cannot serve on 127.0.0.1:{port}: Address already in use", "try --port 0")


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", " "])
def test_audit_post_with_a_non_numeric_content_length_is_a_400(audit, length):
    conn = http.client.HTTPConnection("127.0.0.1", audit.port, timeout=10)
    conn.putrequest("POST", "/api/verdict", skip_host=True)
    for key, value in {"Host": f"127.0.0.1:{audit.port}", "X-Audit-Token": audit.token,
                       "Content-Type": "application/json", "Content-Length": length}.items():
        conn.putheader(key, value)
    conn.endheaders()
    response = conn.getresponse()
    payload = json.loads(response.read())
    conn.close()
    assert response.status == 400 and payload["error"] == "missing or oversized body"


def datasette_get(app, host: str) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8001") as client:
            return await client.get("/claims.json", headers={"Host": host})

    return asyncio.run(run())


@pytest.mark.parametrize(("host", "status"), [
    ("127.0.0.1:8001", 200), ("localhost:8001", 200), ("evil.example:8001", 403), ("127.0.0.1:9999", 403), ("", 403),
])
def test_datasette_checks_the_host_header_as_the_audit_page_does(claims_db, host, status):
    ds = make_datasette(claims_db)
    asyncio.run(ds.invoke_startup())
    response = datasette_get(host_checked(ds.app(), 8001), host)
    assert response.status_code == status
    if status == 403:
        assert response.text == "unexpected Host header"


def test_datasette_binds_loopback_only():
    assert HOST == "127.0.0.1"
