"""Fixtures shared by the unit tests.

``client``: an in-process collector (Starlette's TestClient) on a fresh SQLite file, for the
collector tests::

    def test_health(client):
        assert client.get("/api/health").json() == {"ok": True}
"""

import pytest

from tests.unit.collector_helpers import in_process


@pytest.fixture
def client(tmp_path):
    with in_process(tmp_path) as (client, _app):
        yield client
