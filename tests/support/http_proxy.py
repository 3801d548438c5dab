"""A forward proxy on 127.0.0.1 for tests of HTTP_PROXY / HTTPS_PROXY handling.

Whatever host a request names, the proxy delivers it to one upstream port on 127.0.0.1: plain requests
(`GET http://host/path`) are relayed, `CONNECT host:port` opens a raw tunnel (TLS stays end to end). So a
client that honours the proxy variables reaches the upstream under a name that does not resolve here, and
one that ignores them fails. `requests` records the request line of every proxied request.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
               "transfer-encoding", "upgrade"}


class _ProxyHandler(BaseHTTPRequestHandler):
    proxy: "ForwardProxy"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _relay(self) -> None:
        self.proxy.requests.append(f"{self.command} {self.path}")
        target = urlsplit(self.path)
        path = target.path + (f"?{target.query}" if target.query else "")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection("127.0.0.1", self.proxy.upstream_port, timeout=30)
        try:
            upstream.request(self.command, path or "/", body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(content)
        self.close_connection = True

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _relay

    def do_CONNECT(self) -> None:
        self.proxy.requests.append(f"CONNECT {self.path}")
        upstream = socket.create_connection(("127.0.0.1", self.proxy.upstream_port), timeout=30)
        self.send_response(200, "Connection established")
        self.end_headers()
        sockets = [self.connection, upstream]
        try:
            while True:
                readable, _, broken = select.select(sockets, [], sockets, 30)
                if broken or not readable:
                    break
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()
            self.close_connection = True


class ForwardProxy:
    """`with ForwardProxy(upstream_port) as proxy:` — proxy.url, proxy.requests (request lines seen)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.requests: list[str] = []
        handler = type("_BoundProxyHandler", (_ProxyHandler,), {"proxy": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="test-proxy",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "ForwardProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
