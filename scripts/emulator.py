"""Runs moto's server on loopback, handling one request at a time.

moto 5.2.5 applies TransactWriteItems by copying whole tables and restoring
them on failure, without a lock, so concurrent requests on its threaded server
can lose each other's writes. DynamoDB applies each write atomically; a lock
around each request gives the function's race tests the same guarantee.

Usage: python emulator.py PORT
"""

import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def serialized(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            return [b"".join(app(environ, start_response))]

    return handle


def main():
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1",
        port,
        serialized(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
