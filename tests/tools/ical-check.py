#!/usr/bin/python3
"""Reads one iCalendar object with python3-icalendar and expands its
recurring event with python3-dateutil, independently of libical.

  ical-check.py FILE [N]

Prints JSON: method, uid, sequence, status, organizer, attendees (every
ATTENDEE address), vevents (count), tzids (VTIMEZONE names), and
occurrences: the first N (default 12) start instants in UTC
("YYYY-MM-DDTHH:MM:SSZ") of the first UID, with EXDATEs removed and
RECURRENCE-ID overrides moved to their own start.
"""
import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr

UTC = dt.timezone.utc


def aware(prop, default_tz):
    """A DTSTART-like property as an aware datetime (zoneinfo), from its
    wall-clock value and TZID parameter (not from pytz's guess)."""
    v = prop.dt
    tzid = prop.params.get("TZID")
    if isinstance(v, dt.datetime):
        if tzid:
            return v.replace(tzinfo=None).replace(tzinfo=ZoneInfo(str(tzid)))
        if v.tzinfo is not None:
            return v.astimezone(UTC)
        return v.replace(tzinfo=default_tz)
    return dt.datetime(v.year, v.month, v.day, tzinfo=default_tz)


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    with open(path, "rb") as f:
        data = f.read()
    cal = icalendar.Calendar.from_ical(data)
    events = [c for c in cal.walk("VEVENT")]
    tzids = [str(c["TZID"]) for c in cal.walk("VTIMEZONE")]
    out = {
        "method": str(cal.get("METHOD", "")),
        "vevents": len(events),
        "tzids": tzids,
        "attendees": [],
        "occurrences": [],
    }
    for ev in events:
        att = ev.get("ATTENDEE")
        if att is None:
            continue
        for a in att if isinstance(att, list) else [att]:
            out["attendees"].append(str(a).lower().replace("mailto:", ""))
    if not events:
        print(json.dumps(out))
        return
    master = next((e for e in events if "RECURRENCE-ID" not in e), events[0])
    uid = str(master["UID"])
    out.update(uid=uid, sequence=int(master.get("SEQUENCE", 0)),
               status=str(master.get("STATUS", "")),
               organizer=str(master.get("ORGANIZER", "")).lower().replace("mailto:", ""))
    tz = ZoneInfo(tzids[0]) if tzids else UTC
    start = aware(master["DTSTART"], tz)
    if "RRULE" not in master:
        out["occurrences"] = [iso(start)]
        print(json.dumps(out))
        return
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    exdates = set()
    ex = master.get("EXDATE")
    for e in (ex if isinstance(ex, list) else [ex] if ex is not None else []):
        tzid = e.params.get("TZID")
        for d in e.dts:
            v = d.dt
            if tzid:
                v = v.replace(tzinfo=None).replace(tzinfo=ZoneInfo(str(tzid)))
            exdates.add(iso(v))
    overrides = {}
    for e in events:
        if "RECURRENCE-ID" in e and str(e["UID"]) == uid:
            overrides[iso(aware(e["RECURRENCE-ID"], tz))] = iso(aware(e["DTSTART"], tz))
    occ = []
    for t in rule:
        k = iso(t)
        if k in exdates:
            continue
        occ.append(overrides.get(k, k))
        if len(occ) >= n + len(overrides):
            break
    out["occurrences"] = sorted(occ)[:n]
    print(json.dumps(out))


main()
