"""The real LiteLLM proxy on a real PostgreSQL, on 127.0.0.1, for tests and the sandbox.

Everything comes from `scripts/real-litellm` (linked at `.tools/real-litellm-<version>`, and `.tools/real-litellm`
for the default image's version): the proxy's venv, the query-engine
stand-in over Prisma's WebAssembly engine, and a data directory with LiteLLM's migrations already applied. A
server copies that template (no 40 s migration per start), starts PostgreSQL and the proxy on free ports with
random master and salt keys, and waits until `/health/readiness` reports the database connected.

`reset()` gives the next test a clean database in a fraction of a second: every table is truncated and the rows
the proxy wrote at start-up are put back. The installation and PostgreSQL are tests/support/litellm_installation.py.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tests.support.litellm_installation import (  # noqa: F401 - _as_db_user: tests import it from here
    START_TIMEOUT, Installation, Postgres, RealLiteLLMError, _as_db_user, free_port,
)


class StartedService:
    """`with Service() as service:` starts it and stops it again, also when starting fails half-way."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class LocalServer(StartedService):
    """A server process in its own temporary directory, logging to `<workdir>/<log_name>`; `stop()` ends it
    (terminate, then kill) and removes the directory."""

    log_name = "server.log"
    workdir: Path | None = None
    _process: "subprocess.Popen[bytes] | None" = None

    def make_workdir(self, prefix: str) -> Path:
        self.workdir = Path(tempfile.mkdtemp(prefix=prefix))
        return self.workdir

    def spawn(self, argv: list[str]) -> "subprocess.Popen[bytes]":
        assert self.workdir is not None
        self._log = open(self.workdir / self.log_name, "wb")
        self._process = subprocess.Popen(argv, cwd=self.workdir, stdout=self._log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self._process

    def log_tail(self, lines: int = 20) -> str:
        log = self.workdir / self.log_name if self.workdir else None
        text = log.read_text(errors="replace") if log and log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None
            self._log.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


class RealLiteLLM(StartedService):
    """PostgreSQL plus the real LiteLLM proxy. `with RealLiteLLM() as litellm:` starts both and stops both,
    also on failure; `litellm.url`, `litellm.master_key`, `litellm.admin(...)`, `litellm.db.rows(...)`.

    With `database_url` the proxy runs on that (already migrated) database and no PostgreSQL is started
    (`.db` is None, `reset()` is not available): e.g. a database restored from a dump, with the `master_key`
    and `salt_key` of the proxy that wrote it."""

    def __init__(self, *, log_level: str = "ERROR", extra_env: dict[str, str] | None = None,
                 general_settings: dict[str, Any] | None = None, litellm_settings: dict[str, Any] | None = None,
                 router_settings: dict[str, Any] | None = None, share_database_with: "RealLiteLLM | None" = None,
                 database_url: str | None = None, master_key: str | None = None, salt_key: str | None = None,
                 version: str | None = None):
        """`share_database_with`: a second proxy (another pod) on the first one's running PostgreSQL, with its
        master and salt keys; the first one owns the database and must outlive this one. `version`: the LiteLLM
        version to run (installed by `scripts/real-litellm VERSION`; default: the default image's)."""
        self.install = Installation.find(version)
        self.version = self.install.version
        self.database_owner = share_database_with
        self.database_url = database_url
        owner = share_database_with
        self.master_key = owner.master_key if owner else master_key or "sk-" + secrets.token_urlsafe(24)
        self.salt_key = owner.salt_key if owner else salt_key or "sk-" + secrets.token_urlsafe(24)
        self.port = free_port()
        self.log_level = log_level
        self.extra_env = dict(extra_env or {})
        self.general_settings = {"proxy_batch_write_at": 1, **(general_settings or {})}
        self.litellm_settings = {"telemetry": False, **(litellm_settings or {})}
        self.router_settings = dict(router_settings or {})
        self.workdir: Path | None = None
        self.db: Postgres | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="litemaas-real-litellm-"))
        os.chmod(self.workdir, 0o755)
        if self.database_owner is not None:
            assert self.database_owner.db is not None, "start the proxy that owns the database first"
            self.db = self.database_owner.db
            self._start_proxy()
            self.wait_ready()
            return
        if self.database_url is None:
            self.db = Postgres(self.install, self.workdir / "db")
            self.db.workdir.mkdir()
            self.db.start()
        self._start_proxy()
        self.wait_ready()
        if self.db is not None:
            self.db.snapshot_baseline()

    def _start_proxy(self) -> None:
        assert self.workdir is not None and (self.db is not None or self.database_url is not None)
        import json

        config = self.workdir / "config.yaml"
        # JSON is YAML: no YAML library needed in the proxy's venv for this.
        config.write_text(json.dumps({"model_list": [], "general_settings": self.general_settings,
                                      "litellm_settings": self.litellm_settings,
                                      **({"router_settings": self.router_settings} if self.router_settings else {})}))
        home = self.workdir / "home"
        home.mkdir()
        env = {
            "PATH": f"{self.install.python.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home),
            "DATABASE_URL": self.database_url or self.db.url,
            "LITELLM_MASTER_KEY": self.master_key,
            "LITELLM_SALT_KEY": self.salt_key,
            "STORE_MODEL_IN_DB": "True",
            "DISABLE_SCHEMA_UPDATE": "true",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "CHECKPOINT_DISABLE": "1",
            "LITELLM_LOG": self.log_level,
            "NO_PROXY": "*",
            **self.install.engine_env(),
            **self.extra_env,
        }
        self._log = open(self.workdir / "proxy.log", "wb")
        self._process = subprocess.Popen(
            [str(self.install.litellm), "--config", str(config), "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=self.workdir, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RealLiteLLMError(f"the LiteLLM proxy exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                answer = requests.get(f"{self.url}/health/readiness", timeout=5)
                body = answer.json() if answer.ok else {}
                if body.get("db") == "connected":
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(0.5)
        raise RealLiteLLMError(f"the LiteLLM proxy was not ready after {timeout:.0f} s ({last}):\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        log = self.workdir / "proxy.log" if self.workdir else None
        text = log.read_text(errors="replace") if log and log.exists() else ""
        return "\n".join(text.replace(self.master_key, "sk-***").splitlines()[-lines:])

    def reset(self) -> None:
        """A clean database for the next test (the rows of the proxy's start-up stay)."""
        assert self.db is not None, "reset() needs the PostgreSQL this RealLiteLLM started"
        self.db.restore_baseline()

    def stop(self) -> None:
        self.stop_proxy()
        if self.db is not None:
            if self.database_owner is None:
                self.db.stop()
            self.db = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def server_pids(self) -> list[int]:
        """The proxy's process and PostgreSQL's postmaster: the roots of the trees whose CPU time a benchmark reads."""
        pids = [self._process.pid] if self._process is not None else []
        postmaster = self.db.data / "postmaster.pid" if self.db is not None else None
        if postmaster is not None and postmaster.exists():
            pids.append(int(postmaster.read_text().split()[0]))
        return pids

    def stop_proxy(self) -> None:
        """Stop the proxy and keep its PostgreSQL running (an upgrade: another version's proxy takes over)."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                # Nothing the tests need is lost by a hard stop after a short grace period; a graceful
                # uvicorn + Prisma shutdown takes 3-12 s here.
                self._process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=15)
            self._process = None
            self._log.close()

    def admin(self, method: str, path: str, *, key: str | None = None, **kwargs: Any) -> requests.Response:
        """One admin API call with the master key (or `key`)."""
        headers = {"Authorization": f"Bearer {key or self.master_key}"}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)

    def admin_json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.admin(method, path, **kwargs)
        if not answer.ok:
            raise RealLiteLLMError(f"{method} {path} answered {answer.status_code}: {answer.text[:500]}")
        return answer.json()

    def models(self) -> list[dict[str, Any]]:
        """Every model the proxy serves, as `/model/info` answers them (secrets masked)."""
        return self.admin_json("GET", "/model/info")["data"]

    def teams(self) -> list[dict[str, Any]]:
        return self.admin_json("GET", "/team/list")

    def keys(self) -> list[dict[str, Any]]:
        """Every live virtual key (hashed `token`, alias, team, budget...)."""
        keys: list[dict[str, Any]] = []
        for page in range(1, 10_000):
            answer = self.admin_json("GET", "/key/list", params={"return_full_object": "true", "size": 100,
                                                                 "page": page})
            keys += answer["keys"]
            if page >= (answer.get("total_pages") or 1):
                return keys
        raise RealLiteLLMError("/key/list never reached its last page")

    def deleted_key_tokens(self) -> set[str]:
        """Hashes of the keys LiteLLM archived on delete."""
        return {row[0] for row in self.db.rows('SELECT token FROM "LiteLLM_DeletedVerificationToken"')}

    def stored_model(self, model_id: str) -> dict[str, Any] | None:
        """A model's database row (`model_name`, `litellm_params` decrypted, `model_info`), or None.

        The row is what every pod's router loads; `/model/info` never shows `api_key` and answers from this
        pod's router cache. LiteLLM encrypts each string in `litellm_params` with the salt key: they are
        decrypted in the proxy's venv (PyNaCl / cryptography, as LiteLLM does), the key passed by environment."""
        import json

        assert self.db is not None
        quoted = model_id.replace("'", "''")
        rows = self.db.rows(f"""SELECT row_to_json(t) FROM (SELECT model_name, litellm_params, model_info
                                FROM "LiteLLM_ProxyModelTable" WHERE model_id = '{quoted}') t""")
        if not rows:
            return None
        row = json.loads(rows[0][0])
        done = subprocess.run([str(self.install.python), "-c", _DECRYPT_PARAMS], input=json.dumps(row["litellm_params"]),
                              capture_output=True, text=True, env={"LITELLM_SALT_KEY": self.salt_key})
        if done.returncode != 0:
            raise RealLiteLLMError(f"decrypting litellm_params failed: {done.stderr.strip()[-500:]}")
        row["litellm_params"] = json.loads(done.stdout)
        return row


# LiteLLM's at-rest format (litellm/proxy/common_utils/encrypt_decrypt_utils.py): "v2:gcm:" + AES-256-GCM, else
# base64url of a NaCl SecretBox, both keyed with sha256(salt key). Values that do not decrypt stay as they are.
_DECRYPT_PARAMS = """
import base64, hashlib, json, os, sys
key = hashlib.sha256(os.environ["LITELLM_SALT_KEY"].encode()).digest()
def plain(value):
    if not isinstance(value, str):
        return value
    try:
        if value.startswith("v2:gcm:"):
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            sealed = base64.urlsafe_b64decode(value[7:])
            return AESGCM(key).decrypt(sealed[:12], sealed[12:], None).decode()
        import nacl.secret
        return nacl.secret.SecretBox(key).decrypt(base64.urlsafe_b64decode(value)).decode()
    except Exception:
        return value
print(json.dumps({k: plain(v) for k, v in json.load(sys.stdin).items()}))
"""


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """Make `kill` stop the servers of a script's `with RealLiteLLM()` as Ctrl-C does (SIGTERM skips `__exit__`)."""
    signal.signal(signal.SIGTERM, _interrupt)


def main() -> None:
    """`python -m tests.support.real_litellm`: start one for manual use, until Ctrl-C or SIGTERM."""
    stop_on_sigterm()
    with RealLiteLLM(log_level="INFO") as litellm:
        print(f"LiteLLM {litellm.url}  master key {litellm.master_key}  database {litellm.db.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
