"""A real IMAP server on loopback: Debian's Dovecot with a throwaway configuration.

Each server gets its own directory (config, users, Maildirs, sockets, log) and a free port, and
is stopped with its whole process group. Messages are delivered by writing Maildir files, as a
local delivery agent does, so a mailbox of thousands fills in moments; the tests then read it
over IMAP like any mail client.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"


def dovecot_available() -> bool:
    return Path(DOVECOT).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DovecotServer:
    root: Path
    user: str = "campaign"
    password: str = "imap-secret-42"
    port: int = 0
    tls_port: int = 0
    process: subprocess.Popen | None = None
    delivered: int = field(default=0)

    @property
    def maildir(self) -> Path:
        return self.root / "home" / self.user / "Maildir"

    @property
    def cert(self) -> Path:
        return self.root / "cert.pem"

    @classmethod
    def in_new_directory(cls) -> DovecotServer:
        """A server in a fresh directory every Dovecot process may enter.

        Dovecot's own processes run as its system users, so the directory and its parents
        must be traversable by them: pytest's private temporary directories are not.
        """
        root = Path(tempfile.mkdtemp(prefix="foi-dovecot-"))
        root.chmod(0o755)
        return cls(root)

    def start(self) -> DovecotServer:
        self.port = self.port or _free_port()
        self.tls_port = self.tls_port or _free_port()
        for sub in ("run", "home", "state"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for part in ("cur", "new", "tmp"):
            (self.maildir / part).mkdir(parents=True, exist_ok=True)
        self._make_certificate()
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        uid, gid = self._mail_owner()
        for path in [self.root / "home", *self.root.joinpath("home").rglob("*")]:
            os.chown(path, uid, gid)
        config = self.root / "dovecot.conf"
        config.write_text(self._config(uid, gid))
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        self._wait_listening()
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def deliver(self, raw: bytes, *, seen: bool = False) -> None:
        """Drop one message into the INBOX as a delivery agent does (tmp/, then renamed)."""
        self.delivered += 1
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        uid, gid = self._mail_owner()
        os.chown(tmp, uid, gid)
        target = self.maildir / ("cur" if seen else "new") / (name + (":2,S" if seen else ""))
        os.rename(tmp, target)

    def log(self) -> str:
        parts = [self.root / "dovecot.log", self.root / "stderr.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def _mail_owner(self) -> tuple[int, int]:
        """Dovecot will not open mail as root: the mail belongs to its own system user then."""
        if os.getuid() != 0:
            return os.getuid(), os.getgid()
        import pwd

        entry = pwd.getpwnam("dovecot")
        return entry.pw_uid, entry.pw_gid

    def _make_certificate(self) -> None:
        if self.cert.exists():
            return
        subprocess.run(
            [
                shutil.which("openssl") or "openssl",
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(self.root / "key.pem"), "-out", str(self.cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def _config(self, uid: int, gid: int) -> str:
        root = self.root
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on {self.port}:\n{self.log()}")
