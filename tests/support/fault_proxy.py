"""A fault-injecting HTTP proxy in front of the real LiteLLM proxy, on 127.0.0.1.

The real proxy cannot be made to drop a connection after it committed a write, answer 500 after saving, or
throw 429/503 bursts on demand; this proxy does, per route, and records every call that passed through it
(without credentials), so tests can count what the providers sent.

    with FaultProxy(upstream=litellm.url) as api:
        api.drop("POST", "/team/new", when="after")     # LiteLLM commits, the client sees a reset
        api.fail("GET", "/team/info", status=503, times=2)
        ... provider calls against api.url ...
        assert api.calls_to("POST", "/team/new")
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import re
import socket
import ssl
import struct
import threading
import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests

CREDENTIAL_HEADERS = {"authorization", "x-litellm-api-key", "api-key", "cookie"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


def path_pattern(path: str) -> re.Pattern[str]:
    """`/team/*` matches one segment, `/key/**` any suffix; anything else matches exactly."""
    escaped = re.escape(path).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.compile(f"^{escaped}$")


@dataclasses.dataclass
class RecordedCall:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int | None = None          # None when the connection was dropped
    fault: str | None = None           # the injected fault that shaped the answer, if any
    at: float = dataclasses.field(default_factory=time.time)

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")


@dataclasses.dataclass
class Fault:
    method: str
    path: str
    action: str                        # "status" | "drop" | "delay" | "non_json"
    times: int = 1                     # < 0: forever
    when: str = "before"               # "before": LiteLLM never sees the call; "after": it has committed it
    status: int = 503
    seconds: float = 0.0
    retry_after: float | None = None
    body: Any = None
    hits: int = 0

    def __post_init__(self) -> None:
        if self.action not in ("status", "drop", "delay", "non_json"):
            raise ValueError(f"unknown fault action {self.action!r}")
        if self.when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        self._pattern = path_pattern(self.path)

    @property
    def remaining(self) -> int:
        return -1 if self.times < 0 else max(self.times - self.hits, 0)

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and bool(self._pattern.match(path)) and self.remaining != 0


class FaultProxy:
    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0,
                 ssl_context: ssl.SSLContext | None = None):
        """`ssl_context` (a server context) serves HTTPS in front of the plain-HTTP upstream."""
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the fault proxy only binds to loopback")
        self.upstream = upstream.rstrip("/")
        self.host = host
        self.ssl_context = ssl_context
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._calls: list[RecordedCall] = []
        self._local = threading.local()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        if ssl_context is not None:
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl_context else 'http'}://{self.host}:{self.port}"

    def start(self) -> "FaultProxy":
        # Poll often: stop() waits for the loop to notice, 0.5 s by default, once per test using the fixture.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fault-proxy",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---------------------------------------------------------------- faults

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail(self, method: str, path: str, status: int = 503, times: int = 1, when: str = "before",
             retry_after: float | None = None, body: Any = None) -> Fault:
        """Answer the next `times` matching calls with `status` (a LiteLLM-shaped error unless `body`)."""
        return self._add(Fault(method, path, "status", times, when, status=status, retry_after=retry_after,
                               body=body))

    def drop(self, method: str, path: str, times: int = 1, when: str = "before") -> Fault:
        """Reset the TCP connection without an answer, before LiteLLM sees the call or after it answered."""
        return self._add(Fault(method, path, "drop", times, when))

    def delay(self, method: str, path: str, seconds: float, times: int = 1, when: str = "before") -> Fault:
        return self._add(Fault(method, path, "delay", times, when, seconds=seconds))

    def non_json_500(self, method: str, path: str, times: int = 1, when: str = "before") -> Fault:
        """Plain-text "Internal Server Error", as a proxy in front of LiteLLM or a broken image answers."""
        return self._add(Fault(method, path, "non_json", times, when, status=500))

    def lose_answer(self, method: str, path: str, fault: str) -> Fault:
        """LiteLLM commits the call, and its answer is lost: `drop`ped, late past a 1 s client timeout (`timeout`),
        or replaced by a plain-text 500 (`non_json`)."""
        if fault == "drop":
            return self.drop(method, path, when="after")
        if fault == "timeout":
            return self.delay(method, path, seconds=3.0, when="after")
        if fault == "non_json":
            return self.non_json_500(method, path, when="after")
        raise ValueError(f"unknown fault {fault!r}: drop, timeout or non_json")

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    # ---------------------------------------------------------------- recording

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, path: str) -> list[RecordedCall]:
        pattern = path_pattern(path)
        return [c for c in self.calls if method in ("*", c.method) and pattern.match(c.path)]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    @property
    def write_count(self) -> int:
        return sum(1 for c in self.calls if c.is_write and not c.path.startswith("/health"))

    @property
    def read_count(self) -> int:
        return sum(1 for c in self.calls if not c.is_write and not c.path.startswith("/health"))

    # ---------------------------------------------------------------- forwarding

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False
        return session

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        raw_body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = raw_body.decode("utf-8", "replace")
        call = RecordedCall(handler.command, path,
                            {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}, body)
        with self._lock:
            self._calls.append(call)
        fault = self._take_fault(handler.command, path)
        if fault is not None:
            call.fault = fault.action
        try:
            if fault is not None and fault.when == "before":
                if fault.action == "delay":
                    time.sleep(fault.seconds)
                else:
                    self._answer_fault(handler, call, fault)
                    return
            answer = self._forward(handler, raw_body)
            if fault is not None and fault.when == "after":
                if fault.action == "delay":
                    time.sleep(fault.seconds)
                else:
                    self._answer_fault(handler, call, fault)
                    return
            call.status = answer.status_code
            self._send(handler, answer.status_code, answer.content,
                       {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP})
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _forward(self, handler: http.server.BaseHTTPRequestHandler, raw_body: bytes) -> requests.Response:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
        return self._session().request(handler.command, self.upstream + handler.path, data=raw_body or None,
                                       headers=headers, timeout=120, allow_redirects=False)

    def _answer_fault(self, handler: http.server.BaseHTTPRequestHandler, call: RecordedCall, fault: Fault) -> None:
        if fault.action == "drop":
            call.status = None
            # SO_LINGER 0: the client sees a reset, not a clean close.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            handler.connection.close()
            return
        call.status = fault.status
        if fault.action == "non_json":
            self._send(handler, 500, b"Internal Server Error", {"Content-Type": "text/plain"})
            return
        headers = {"Content-Type": "application/json"}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after if fault.retry_after % 1 else int(fault.retry_after))
        body = fault.body if fault.body is not None else {
            "error": {"message": f"Injected fault: HTTP {fault.status}", "type": "fault_injected", "param": None,
                      "code": str(fault.status)}}
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self._send(handler, fault.status, payload, headers)

    @staticmethod
    def _send(handler: http.server.BaseHTTPRequestHandler, status: int, payload: bytes,
              headers: dict[str, str]) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
