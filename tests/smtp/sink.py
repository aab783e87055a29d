#!/usr/bin/python3
"""A real SMTP server for the tests and `make up` (Debian's python3-aiosmtpd): every message it
accepts is written to DIR as <n>.eml (the message as received) and <n>.json (envelope sender,
recipients, whether the session used STARTTLS and AUTH), each file complete before it appears.

  tests/smtp/sink.py --port 2525 --dir /tmp/mails [--tls-cert C --tls-key K] [--user U
      --password-file F] [--tempfail N] [--reject-rcpt SUBSTRING]

--tls-cert/--tls-key offer STARTTLS and require it before AUTH and MAIL; --user/--password-file
require AUTH (PLAIN or LOGIN); --tempfail N answers the first N messages 451 (try again later);
--reject-rcpt answers 550 for recipients containing SUBSTRING (refused for good). Prints
"smtp-sink ready <port>" when it listens; stops on SIGTERM or SIGINT.
"""
import argparse
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, tempfail, reject_rcpt):
        self.directory = directory
        self.tempfail = tempfail
        self.reject_rcpt = reject_rcpt
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt and self.reject_rcpt in address:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.tempfail > 0:
                self.tempfail -= 1
                return "451 4.3.0 try again later"
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, "%06d" % n)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
        }
        for suffix, data in ((".eml", envelope.original_content),
                             (".json", json.dumps(meta).encode())):
            with open(base + suffix + ".tmp", "wb") as f:
                f.write(data)
            os.rename(base + suffix + ".tmp", base + suffix)
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--user")
    p.add_argument("--password-file")
    p.add_argument("--tempfail", type=int, default=0)
    p.add_argument("--reject-rcpt")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    kwargs = {}
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if a.user:
        with open(a.password_file) as f:
            password = f.read().strip()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == a.user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(a.tls_cert))
    controller = Controller(Sink(a.dir, a.tempfail, a.reject_rcpt), hostname="127.0.0.1",
                            port=a.port, **kwargs)
    controller.start()
    print("smtp-sink ready %d" % a.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
