"""A PostgreSQL cluster and a redis-server of the fault tests' own, on ephemeral loopback ports,
started and broken by the tests (never the shared servers). As root (CI), PostgreSQL runs as the
`postgres` user, as its tools require."""
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


_handed_out: set[int] = set()


def free_port() -> int:
    """An unused loopback port: the OS's choice, or one of FAULTS_PORTS (e.g. `17000-17099`) on a
    machine where each run keeps to a range of its own."""
    wanted = os.environ.get("FAULTS_PORTS", "")
    first, _, last = wanted.partition("-")
    candidates = range(int(first), int(last or first) + 1) if wanted else [0]
    for port in candidates:
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = s.getsockname()[1]
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in FAULTS_PORTS={wanted}")


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def missing_servers() -> str | None:
    if pg_bin() is None:
        return "needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)"
    if shutil.which("redis-server") is None:
        return "needs redis-server"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "needs runuser to run PostgreSQL as postgres"
    return None


def wait_until(check, *, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    return None


class Postgres:
    def __init__(self, root: Path):
        self.bin = pg_bin()
        self.data = root / "pgdata"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        root.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(root, "postgres")
            os.chmod(root, 0o755)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")

    def start(self) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off -c max_connections=60"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.data / "log"), "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, statement: str, db: str = "postgres") -> str:
        return self._run(str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                         "-tAc", statement).stdout.strip()

    def terminate_backends(self, db: str) -> None:
        self.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' "
                 "AND pid <> pg_backend_pid()")


class Redis:
    def __init__(self, root: Path):
        self.port = free_port()
        self.root = root
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(self.ping, timeout=20), "redis-server did not start"

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=20)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def pgbouncer_bin() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in ["/usr/sbin/pgbouncer"] if os.access(p, os.X_OK)), None)


class PgBouncer:
    """PgBouncer in transaction mode in front of `postgres`, configured as `.ci/pgbouncer.ini` (the
    recovery settings of README "PgBouncer recovery"), on a port of its own. It refuses to run as
    root: as root it runs as postgres, as .ci/run runs it."""

    def __init__(self, root: Path, postgres: Postgres):
        self.root = root
        self.port = free_port()
        self.as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
        root.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(root, "postgres")
            os.chmod(root, 0o755)
        shipped = (Path(__file__).resolve().parents[2] / ".ci" / "pgbouncer.ini").read_text()
        config = (shipped.replace("port=5432", f"port={postgres.port}")
                  .replace("listen_port = 6432", f"listen_port = {self.port}")
                  .replace("/tmp/pgbouncer-ci", str(root / "pgbouncer")))
        assert f"listen_port = {self.port}" in config and f"port={postgres.port}" in config
        self.config = root / "pgbouncer.ini"
        self.config.write_text(config)

    def start(self) -> None:
        subprocess.run([pgbouncer_bin(), "-d", *self.as_user, str(self.config)], check=True,
                       capture_output=True, timeout=30)
        assert wait_until(self._pid, timeout=20), "pgbouncer did not start"

    def _pid(self) -> int | None:
        try:
            return int((self.root / "pgbouncer.pid").read_text())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self._pid()
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            wait_until(lambda: not Path(f"/proc/{pid}").exists(), timeout=20)

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"


def children(pid: int) -> list[int]:
    """A process's child processes (gunicorn's workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found
