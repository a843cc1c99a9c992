"""Run the collector app under uvicorn, announcing the real URL once the socket listens.

server = CollectorServer(create_app("hits.sqlite3"), port=0, on_ready=print)
server.run()                        # blocks; prints http://127.0.0.1:PORT/ when listening
server.should_exit = True           # from another thread: stop (hanging requests let go)
"""

import uvicorn

from collector.app import CollectorApp

__all__ = ["CollectorServer"]


class CollectorServer(uvicorn.Server):
    def __init__(self, app: CollectorApp, host: str = "127.0.0.1", port: int = 8000, on_ready=None) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="off",
            access_log=False,  # stdout carries only the URL line, which callers parse
            log_level="warning",
            timeout_graceful_shutdown=5,  # a safety net: our own waits already end on shutdown
        )
        super().__init__(config)
        self.app = app
        self.on_ready = on_ready
        self.url = None

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            port = self.servers[0].sockets[0].getsockname()[1]
            host = self.config.host
            self.url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
            if self.on_ready is not None:
                self.on_ready(self.url)

    async def shutdown(self, sockets=None) -> None:
        # uvicorn waits for open requests before it stops; release the hanging ones first.
        self.app.stop_signal.stop()
        await super().shutdown(sockets=sockets)
