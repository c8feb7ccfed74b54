"""A small IMAP server for what dovecot does not do: 163's refusal to SELECT before the client
sent ID ("Unsafe Login"), QQ's refusal of a password that is not the 授权码. Threads only, on
the loopback; ``stop()`` closes it."""

from __future__ import annotations

import re
import socketserver
import threading


class FakeImap:
    def __init__(
        self,
        *,
        mails: list[bytes] = (),
        advertise_id=True,
        require_id=False,
        refuse_login="",
        drop_at_uid=0,
        refuse_uid=0,
    ):
        self.mails = list(mails)
        self.refuse_uid = refuse_uid  # answer NO when this mail's body is asked for
        self.drop_at_uid = drop_at_uid  # close the connection when this mail's body is asked for
        self.advertise_id, self.require_id, self.refuse_login = advertise_id, require_id, refuse_login
        self.commands: list[str] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                fake._session(self.rfile, self.wfile)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _caps(self) -> str:
        return "IMAP4rev1 AUTH=PLAIN" + (" ID" if self.advertise_id else "")

    def _session(self, rfile, wfile):
        def send(line: bytes | str):
            wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")
            wfile.flush()

        said_id = False
        send(f"* OK [CAPABILITY {self._caps()}] fake ready")
        while True:
            line = rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            cmd = rest.split(" ", 1)[0].upper()
            self.commands.append(rest if cmd != "LOGIN" else "LOGIN ***")
            if cmd == "CAPABILITY":
                send(f"* CAPABILITY {self._caps()}")
                send(f"{tag} OK CAPABILITY completed")
            elif cmd == "LOGIN":
                if self.refuse_login:
                    send(f"{tag} NO {self.refuse_login}")
                else:
                    send(f"{tag} OK LOGIN completed")
            elif cmd == "ID":
                said_id = True
                send('* ID ("name" "fake")')
                send(f"{tag} OK ID completed")
            elif cmd in ("SELECT", "EXAMINE"):
                if self.require_id and not said_id:
                    send(f"{tag} NO SELECT Unsafe Login. Please contact kefu@188.com for help")
                    continue
                send(f"* {len(self.mails)} EXISTS")
                send("* OK [UIDVALIDITY 42] UIDs valid")
                send(f"* OK [UIDNEXT {len(self.mails) + 1}] next")
                send(f"{tag} OK [READ-ONLY] {cmd} completed")
            elif cmd == "UID":
                self._uid(tag, rest, send)
            elif cmd == "LOGOUT":
                send("* BYE fake")
                send(f"{tag} OK LOGOUT completed")
                return
            else:
                send(f"{tag} OK {cmd} completed")

    def _uid(self, tag, rest, send):
        sub = rest.split(" ", 2)[1].upper()
        if sub == "SEARCH":
            send("* SEARCH " + " ".join(str(i) for i in range(1, len(self.mails) + 1)))
            send(f"{tag} OK SEARCH completed")
            return
        uids = [int(u) for u in re.findall(r"\d+", rest.split(" ", 3)[2])]
        for uid in uids:
            if not 1 <= uid <= len(self.mails):
                continue
            raw = self.mails[uid - 1]
            if "BODY.PEEK[]" in rest.upper() and uid == self.refuse_uid:
                send(f"{tag} NO [UNAVAILABLE] message is being moved")
                return
            if "BODY.PEEK[]" in rest.upper() and uid == self.drop_at_uid:
                raise ConnectionAbortedError  # ends the session: the client sees the line drop
            if "BODY.PEEK[]" in rest.upper():
                send(
                    f'* {uid} FETCH (UID {uid} INTERNALDATE "03-Jul-2023 10:00:00 +0800" BODY[] {{{len(raw)}}}\r\n'.encode()
                    + raw
                    + b")\r\n"
                )
            else:
                send(f"* {uid} FETCH (UID {uid} RFC822.SIZE {len(raw)})")
        send(f"{tag} OK FETCH completed")
