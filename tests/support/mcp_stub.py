"""A minimal MCP server (streamable HTTP, JSON answers) with a few fixed tools, for the gateway to list and call.

Enough of the protocol for LiteLLM's MCP client: `initialize`, notifications (202), `tools/list`, `tools/call`,
`ping`; a GET (the optional server-sent event stream) is refused with 405, which the client accepts.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOOL_NAMES = ("search", "read_page", "delete_everything")


def _tool(name: str) -> dict[str, Any]:
    return {"name": name, "description": f"the stub's {name}",
            "inputSchema": {"type": "object", "properties": {"query": {"type": "string"}}}}


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    method, params = request.get("method"), request.get("params") or {}
    if method == "initialize":
        result: dict[str, Any] = {"protocolVersion": params.get("protocolVersion", "2025-03-26"),
                                  "capabilities": {"tools": {"listChanged": False}},
                                  "serverInfo": {"name": "litemaas-stub", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": [_tool(name) for name in TOOL_NAMES]}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": f"{params.get('name')} ran"}], "isError": False}
    elif method == "ping":
        result = {}
    else:
        return {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": -32601, "message": f"no {method}"}}
    return {"jsonrpc": "2.0", "id": request.get("id"), "result": result}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if "id" not in request:  # a notification
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(_answer(request)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Mcp-Session-Id", "stub-session")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_DELETE = do_GET

    def log_message(self, *args: Any) -> None:
        pass


class McpStub:
    """`with McpStub() as stub:` serves at `stub.url` (`http://127.0.0.1:<port>/mcp`) until the block ends."""

    def __enter__(self) -> "McpStub":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/mcp"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
