#!/usr/bin/python3
"""Summarises the iMIP messages an SMTP sink directory holds (one file per
message, X-Sink-* envelope lines first), for the invite tests.

  imip-mail.py DIR OUTDIR

For every message file in DIR (sorted by name), prints one JSON line:
file, rcpt (envelope recipients), to, subject, method (the text/calendar
part's method= parameter, or null), cal_method (its METHOD line), inline
(Content-Disposition is not attachment), text (the text/plain part),
calendar (path of the calendar part written to OUTDIR, or null), and
raw_has (every address-looking string anywhere in the raw message, so
that a test can check that no other recipient's address leaks).
"""
import email
import email.policy
import json
import os
import re
import sys

src, outdir = sys.argv[1], sys.argv[2]
os.makedirs(outdir, exist_ok=True)
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if not os.path.isfile(path):
        continue
    raw = open(path, "rb").read()
    rcpt, body = [], raw
    lines = raw.split(b"\r\n")
    i = 0
    while i < len(lines) and lines[i].startswith(b"X-Sink-"):
        k, _, v = lines[i].decode().partition(": ")
        if k == "X-Sink-Rcpt-To":
            rcpt.append(v.strip().lower())
        i += 1
    body = b"\r\n".join(lines[i:])
    msg = email.message_from_bytes(body, policy=email.policy.default)
    out = {"file": name, "rcpt": rcpt, "to": str(msg["To"]), "subject": str(msg["Subject"]),
           "method": None, "cal_method": None, "inline": None, "text": "", "calendar": None,
           "crlf_only": b"\n" not in body.replace(b"\r\n", b""),
           "raw_has": sorted(set(a.lower() for a in re.findall(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]+", body)
                                 for a in [a.decode()]))}
    for part in msg.walk():
        ct = part.get_content_type()
        if ct == "text/plain" and not out["text"]:
            out["text"] = part.get_content()
        elif ct == "text/calendar":
            out["method"] = part.get_param("method")
            out["inline"] = (part.get("Content-Disposition") or "inline").split(";")[0].strip() != "attachment"
            data = part.get_payload(decode=True)
            cpath = os.path.join(outdir, name + ".ics")
            with open(cpath, "wb") as f:
                f.write(data)
            out["calendar"] = cpath
            m = re.search(rb"^METHOD:(\S+)\r$", data, re.M)
            out["cal_method"] = m.group(1).decode() if m else None
    print(json.dumps(out))
