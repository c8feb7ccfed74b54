"""A real IMAP server on the loopback for the tests: Debian's dovecot, from a temporary config.

Started with ``dovecot -F`` as a child process (no fork in this process) and killed in a
finally; as root it needs default_login_user/default_internal_user and a mail folder owned
by the dovecot user. Absent dovecot, the tests that need it skip and say why."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from support.smtp import free_port

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
if not shutil.which("openssl"):  # it makes the server's certificate
    DOVECOT = None
USER, PASSWORD = "bureau@example.com", "s3cret-pass"
SKIP_REASON = "!!! 没有安装 dovecot-imapd 或 openssl，IMAP 收信测试跳过 (dovecot or openssl not installed; .ci/run installs them) !!!"


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int  # IMAPS
    plain_port: int  # IMAP without TLS (STARTTLS offered)
    cert: Path
    root: Path


def _cert(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)]
        + ["-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@contextlib.contextmanager
def running_dovecot():
    """Yield a Dovecot on fresh ports; the server is stopped (killed) and its folder removed on
    the way out. Its folder is its own under /tmp: pytest's are 0700 and closed to the dovecot user."""
    root = Path(tempfile.mkdtemp(prefix="lingong-dovecot-"))
    try:
        os.chmod(root, 0o755)
        with _serve(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _serve(root: Path):
    cert, key = _cert(root)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("dovecot")
        uid, gid, login_user, internal_user = pw.pw_uid, pw.pw_gid, "dovenull", "dovecot"
    else:
        uid, gid = os.getuid(), os.getgid()
        login_user = internal_user = pwd.getpwuid(uid).pw_name
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(exist_ok=True)
        os.chown(root / sub, uid, gid) if os.geteuid() == 0 and sub in ("mail", "home") else None
    port, plain_port = free_port(), free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(
            root=root,
            cert=cert,
            key=key,
            uid=uid,
            gid=gid,
            login_user=login_user,
            internal_user=internal_user,
            password=PASSWORD,
            port=port,
            plain_port=plain_port,
        )
    )
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                raise RuntimeError(f"dovecot stopped: {proc.stdout.read().decode()} {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                socket.create_connection(("127.0.0.1", plain_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("dovecot did not listen within 20 s") from None
                time.sleep(0.1)
        yield Dovecot("127.0.0.1", port, plain_port, cert, root)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
