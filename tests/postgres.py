"""A throwaway PostgreSQL cluster for tests: initdb in a temporary folder, run by an unprivileged user
(PostgreSQL refuses to run as root), on a free port, trust authentication on 127.0.0.1 only.
Debian's `postgresql` package provides the binaries (.ci/run installs it with apt)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from .bot_harness import free_port

USER = "paintbot"  #: the cluster's superuser (not a system account)
_databases = itertools.count(1)


def binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


class Cluster:
    def __init__(self) -> None:
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="paintbot-pg-"))
        self.port = free_port()
        self.as_user: str | None = None
        if os.geteuid() == 0:  # root: run the server as an unprivileged account
            self.as_user = "postgres" if _exists("postgres") else "nobody"
            shutil.chown(self.folder, self.as_user)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_user:
            command = ["su", self.as_user, "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        self._start(data)
        return f"postgresql+asyncpg://{USER}@127.0.0.1:{self.port}"

    def restart(self, mode: str = "immediate") -> None:
        """Stop and start again on the same port: ``immediate`` drops every connection at once, as
        in a crash; ``fast`` ends the sessions first, as a planned restart or a failover does."""
        data = self.folder / "data"
        self._run("pg_ctl", "-D", str(data), "-m", mode, "stop")
        self._start(data)

    def _start(self, data: Path) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop_server(self) -> None:
        """Stop at once (every connection dropped, as in a crash), and stay stopped."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")

    def stop(self) -> None:
        try:
            self.stop_server()
        except subprocess.CalledProcessError:  # (stopped already)
            pass
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


async def new_database(server_url: str) -> str:
    """A fresh, empty database on the cluster; its SQLAlchemy URL."""
    import asyncpg

    name = f"test_{os.getpid()}_{next(_databases)}"
    plain = server_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(f"{plain}/postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{server_url}/{name}"
