#!/usr/bin/python3
"""A loopback SMTP server for tests (Debian's python3-aiosmtpd).

Each message accepted is written to DIR as one file (written whole, then
renamed into place, so a reader never sees half a message): a few
X-Sink-* lines with the envelope (EHLO name, MAIL FROM, RCPT TO) and then
the message exactly as received (CRLF lines, dots unstuffed).

  smtp-sink.py --dir DIR [--port N] [--port-file F] [--reply CODE] [--stall]
               [--auth USER:PASSWORD]

--port 0 (the default) picks a free port; the port is printed on stdout
as "port N" (and written to --port-file), once the server listens.
--reply CODE answers every RCPT with that code (451: try later, 550:
refused for good). --stall takes the DATA and never answers it. --auth requires SMTP AUTH
(PLAIN or LOGIN, offered without TLS on loopback) with that user and
password before MAIL; other credentials get 535.
"""
import os
PARENT = os.getppid()  # before the slower imports: see watch_parent
import argparse
import asyncio
import sys

from aiosmtpd.smtp import SMTP, AuthResult

REPLIES = {
    421: "421 4.3.2 service not available",
    450: "450 4.2.1 mailbox busy",
    451: "451 4.3.0 try again later",
    452: "452 4.3.1 insufficient storage",
    550: "550 5.1.1 no such user",
    552: "552 5.3.4 message too big",
    554: "554 5.7.1 refused",
}


class Sink:
    def __init__(self, directory, reply, stall):
        self.dir = directory
        self.reply = reply
        self.stall = stall
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reply:
            return REPLIES.get(self.reply, "%d refused" % self.reply)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall:
            await asyncio.sleep(3600)
        self.count += 1
        name = "msg-%d-%06d.eml" % (os.getpid(), self.count)
        head = "X-Sink-Helo: %s\r\nX-Sink-Mail-From: %s\r\n" % (session.host_name, envelope.mail_from)
        for r in envelope.rcpt_tos:
            head += "X-Sink-Rcpt-To: %s\r\n" % r
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        tmp = os.path.join(self.dir, "." + name)
        with open(tmp, "wb") as f:
            f.write(head.encode() + data)
        os.rename(tmp, os.path.join(self.dir, name))
        return "250 OK queued as %s" % name


class Auth:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (getattr(auth_data, "login", None) == self.user and
              getattr(auth_data, "password", None) == self.password)
        return AuthResult(success=ok, handled=False)


async def watch_parent(ppid):
    """Ends the sink when the process that started it is gone, so that a
    test killed by its timeout leaves no server behind."""
    while os.getppid() == ppid:
        await asyncio.sleep(0.5)
    os._exit(0)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--reply", type=int, default=0)
    ap.add_argument("--stall", action="store_true")
    ap.add_argument("--auth")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    handler = Sink(a.dir, a.reply, a.stall)
    loop = asyncio.get_running_loop()
    extra = {}
    if a.auth:
        user, _, password = a.auth.partition(":")
        extra = dict(authenticator=Auth(user, password), auth_required=True,
                     auth_require_tls=False)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", data_size_limit=64 << 20,
                     decode_data=False, enable_SMTPUTF8=True, **extra),
        "127.0.0.1", a.port, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
    print("port %d" % port, flush=True)
    asyncio.get_running_loop().create_task(watch_parent(PARENT))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
