"""A real Redis (Debian's `redis-server`) on 127.0.0.1 with a password, for tests of the cross-pod wiring.

`with RedisServer() as redis:` starts it on a free port in a temporary directory (no persistence) and stops it,
also on failure; `redis.url` is what LiteMaaS puts into `REDIS_URL`. When `redis-server` is missing and we run
as root, it is installed with apt-get (Debian's package, the one this machine's tooling uses).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from urllib.parse import quote

from tests.support.real_litellm import LocalServer, free_port

START_TIMEOUT = 20.0


class RedisServerError(RuntimeError):
    pass


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "redis-server"],
                              capture_output=True, text=True, env=env)
        found = shutil.which("redis-server")
        if found:
            return found
        raise RedisServerError(f"apt-get install redis-server failed: {done.stderr.strip()[-500:]}")
    raise RedisServerError("redis-server is not installed: run `sudo apt-get install redis-server`")


class RedisServer(LocalServer):
    log_name = "redis.log"

    def __init__(self, password: str | None = None, requirepass: str | None = None) -> None:
        """`requirepass`: the argument as written in redis.conf (default: the password as it is)."""
        self.password = password or secrets.token_hex(16)
        self.requirepass = requirepass or self.password
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://:{quote(self.password, safe='')}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = redis_server_binary()
        self.make_workdir("litemaas-redis-")
        # The password goes through a config file, not argv (which `ps` shows).
        config = self.workdir / "redis.conf"
        config.write_text(f"bind 127.0.0.1\nport {self.port}\nrequirepass {self.requirepass}\nsave \"\"\n"
                          f"appendonly no\ndir {self.workdir}\nprotected-mode yes\n")
        config.chmod(0o600)
        self.spawn([binary, str(config)])
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RedisServerError(f"redis-server exited with {self._process.returncode}: {self.log_tail()}")
            if self.command("PING") == "+PONG":
                return
            time.sleep(0.1)
        raise RedisServerError(f"redis-server did not answer PING within {START_TIMEOUT:.0f} s: {self.log_tail()}")

    def command(self, *argv: str, password: str | None = None) -> str | None:
        """One authenticated command over RESP; the first reply line (e.g. `+PONG`, `:3`), None if unreachable."""
        def bulk(*words: str) -> bytes:
            return f"*{len(words)}\r\n".encode() + b"".join(
                f"${len(w.encode())}\r\n".encode() + w.encode() + b"\r\n" for w in words)
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(bulk("AUTH", password or self.password) + bulk(*argv))
                reply = b""
                while reply.count(b"\r\n") < 2:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
        except OSError:
            return None
        lines = reply.split(b"\r\n")
        return lines[1].decode(errors="replace") if len(lines) > 1 else None

