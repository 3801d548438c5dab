"""What `scripts/real-litellm` installs (`Installation`: the proxy's venv, the query-engine stand-in, PostgreSQL and
a migrated template data directory) and the PostgreSQL a test runs on it (`Postgres`: copied from the template,
on a free port, reset to a clean database between tests). tests/support/real_litellm.py starts the proxy on it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from litemaas_common.litellm_versions import DEFAULT_VERSION

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = REPO_ROOT / ".tools"
INSTALL = TOOLS / "real-litellm"
START_TIMEOUT = 180.0
# The schema holding a copy of the rows the proxy writes at start-up; `restore_baseline` puts them back.
BASELINE_SCHEMA = "litemaas_baseline"


class RealLiteLLMError(RuntimeError):
    """The installation is missing, or PostgreSQL or the proxy failed to start or to answer."""


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_db_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; as root, run it as the `postgres` user (scripts/real-litellm)."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _chown_to_db_user(path: Path) -> None:
    """As root: give a data directory to the `postgres` user that runs the server."""
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(path)], check=True)


@dataclass(frozen=True)
class Installation:
    """What `scripts/real-litellm` installed."""

    root: Path

    @classmethod
    def find(cls, version: str | None = None) -> "Installation":
        """The install of LiteLLM `version` (default: the default image's)."""
        link = TOOLS / f"real-litellm-{version}" if version and version != DEFAULT_VERSION else INSTALL
        root = link.resolve() if link.exists() else None
        if root is None or not (root / "stamp").is_file():
            what = f"scripts/real-litellm {version}" if version and version != DEFAULT_VERSION else "scripts/real-litellm"
            raise RealLiteLLMError(f"the real LiteLLM proxy is not installed at {link}: run {what} (make test does)")
        return cls(root)

    @property
    def version(self) -> str:
        """The LiteLLM version installed (what its `/health/readiness` reports as `litellm_version`)."""
        stored = self.root / "version"
        return stored.read_text().strip() if stored.is_file() else DEFAULT_VERSION

    @property
    def python(self) -> Path:
        return self.root / "venv" / "bin" / "python"

    @property
    def litellm(self) -> Path:
        return self.root / "venv" / "bin" / "litellm"

    @property
    def postgres_bin(self) -> Path:
        # Resolved: as root the server runs as `postgres`, which cannot traverse root's home.
        return (self.root / "bin" / "postgres-bin").resolve()

    @property
    def template(self) -> Path:
        return self.root / "pgdata-template"

    @property
    def migrations(self) -> Path:
        """litellm-proxy-extras' migrations folder: what `prisma migrate deploy` applies for this version."""
        (found,) = (self.root / "venv" / "lib").glob("python3*/site-packages/litellm_proxy_extras/migrations")
        return found

    def engine_env(self) -> dict[str, str]:
        return {
            "PRISMA_QUERY_ENGINE_BINARY": str(self.root / "bin" / "query-engine"),
            "PRISMA_SCHEMA_ENGINE_BINARY": str(self.root / "bin" / "schema-engine"),
            "PRISMA_BINARY_CACHE_DIR": str(self.root / "prisma-cli"),
            "PRISMA_HIDE_UPDATE_MESSAGE": "1",
        }


class Postgres:
    """A PostgreSQL server on 127.0.0.1 over a copy of the migrated template data directory."""

    def __init__(self, install: Installation, workdir: Path):
        self.install = install
        self.workdir = workdir
        self.data = workdir / "pgdata"
        self.socket_dir = workdir / "pgsock"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/litellm"

    def start(self) -> None:
        shutil.copytree(self.install.template, self.data, symlinks=True)
        self.socket_dir.mkdir()
        _chown_to_db_user(self.workdir)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off"
        self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.workdir / "postgres.log"), "-o", options)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate", "-w", check=False)

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        argv = _as_db_user([str(self.install.postgres_bin / "pg_ctl"), "-D", str(self.data), *args])
        done = subprocess.run(argv, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise RealLiteLLMError(f"pg_ctl {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}\n"
                                   f"{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        log = self.workdir / "postgres.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def database_url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "litellm") -> str:
        """Run SQL as the superuser; answers unaligned, tab-separated rows without headers."""
        psql = shutil.which("psql") or str(self.install.postgres_bin / "psql")
        done = subprocess.run(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-F", "\t", "-h", "127.0.0.1", "-p",
             str(self.port), "-U", "postgres", "-d", database, "-c", sql],
            capture_output=True, text=True)
        if done.returncode != 0:
            raise RealLiteLLMError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def rows(self, sql: str, database: str = "litellm") -> list[list[str]]:
        return [line.split("\t") for line in self.psql(sql, database).splitlines() if line]

    def migrate(self, install: Installation, database: str = "litellm") -> list[str]:
        """Apply `install`'s migrations the database lacks, as the gateway's migration Job (`prisma migrate deploy`)
        does for a new image: in name order, each file as one simple-query message, recorded in
        `_prisma_migrations`. Answers the names applied. A recorded migration whose file changed is refused, as
        Prisma refuses it."""
        import hashlib

        applied = {name: checksum for name, checksum in
                   self.rows("SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL "
                             "AND rolled_back_at IS NULL", database)}
        done = []
        for folder in sorted(path for path in install.migrations.iterdir() if (path / "migration.sql").is_file()):
            sql = (folder / "migration.sql").read_bytes()
            checksum = hashlib.sha256(sql).hexdigest()
            if folder.name in applied:
                if applied[folder.name] != checksum:
                    raise RealLiteLLMError(f"migration {folder.name} was modified after it was applied")
                continue
            self.psql(sql.decode(), database)
            quoted = folder.name.replace("'", "''")
            self.psql("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) "
                      f"VALUES (gen_random_uuid(), '{checksum}', now(), '{quoted}', 1)", database)
            done.append(folder.name)
        return done

    def snapshot_baseline(self) -> None:
        """Keep a copy of every table's rows as the proxy left them at start-up."""
        self.psql(f"""
            DROP SCHEMA IF EXISTS {BASELINE_SCHEMA} CASCADE;
            CREATE SCHEMA {BASELINE_SCHEMA};
            DO $$ DECLARE t record; BEGIN
              FOR t IN SELECT tablename FROM pg_tables
                       WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' LOOP
                EXECUTE format('CREATE TABLE {BASELINE_SCHEMA}.%I AS SELECT * FROM public.%I', t.tablename, t.tablename);
              END LOOP;
            END $$;""")

    def restore_baseline(self) -> None:
        # Only the tables that hold rows are truncated: TRUNCATE of all ~100 tables costs a second.
        self.psql(f"""
            DO $$ DECLARE t record; has_rows boolean; dirty text[] := '{{}}'; BEGIN
              FOR t IN SELECT tablename FROM pg_tables
                       WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' LOOP
                EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I)', t.tablename) INTO has_rows;
                IF has_rows THEN dirty := dirty || format('public.%I', t.tablename); END IF;
              END LOOP;
              IF array_length(dirty, 1) > 0 THEN
                EXECUTE 'TRUNCATE ' || array_to_string(dirty, ', ') || ' CASCADE';
              END IF;
              FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '{BASELINE_SCHEMA}' LOOP
                EXECUTE format('INSERT INTO public.%I SELECT * FROM {BASELINE_SCHEMA}.%I', t.tablename, t.tablename);
              END LOOP;
            END $$;""")
