"""The collector's Content-Security-Policy header: on every HTML page, on nothing else."""

import pytest

from collector.csp import POLICY
from tests.unit.collector_helpers import hit_url, in_process

HTML = [
    ("/", "root-index"),
    ("/index.html", "index-file"),
    ("/products/42", "spa-deep-link"),
    ("/tests/e2e/pages/demo/", "folder-index"),
]
OTHER = [
    ("/app/main.py", "python-source"),
    ("/node_modules/@pyscript/core/dist/core.js", "javascript"),
    ("/api/hits", "json-api"),
    (hit_url(), "hit-gif"),
    ("/missing.txt", "not-found"),
]


@pytest.mark.parametrize("path", [p for p, _ in HTML], ids=[i for _, i in HTML])
def test_html_pages_carry_the_policy(tmp_path, path):
    with in_process(tmp_path) as (client, _):
        response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers.get("content-security-policy") == POLICY, "%s: CSP %r" % (
        path,
        response.headers.get("content-security-policy"),
    )


@pytest.mark.parametrize("path", [p for p, _ in OTHER], ids=[i for _, i in OTHER])
def test_other_responses_carry_no_policy(tmp_path, path):
    with in_process(tmp_path) as (client, _):
        response = client.get(path)
    assert "content-security-policy" not in response.headers, "%s (%s) has a CSP header" % (
        path,
        response.headers.get("content-type"),
    )


@pytest.mark.parametrize(
    "directive",
    [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "img-src 'self'",
        "connect-src 'self'",
    ],
)
def test_policy_has_the_strict_directives(directive):
    assert directive in POLICY.split("; ")
    assert "'unsafe-inline'" not in POLICY and "data:" not in POLICY and "blob:" not in POLICY
