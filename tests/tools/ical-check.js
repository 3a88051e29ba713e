// Reads one iCalendar object with npm's ical.js (the parser Thunderbird
// uses), independently of libical, and prints the same JSON as
// ical-check.py: method, uid, sequence, status, organizer, attendees,
// vevents, tzids and the first N occurrence starts in UTC.
//
//   node ical-check.js FILE [N]     (ical.js from build/node, or NODE_PATH)
'use strict';
const fs = require('fs');
const path = require('path');

function loadIcal() {
    const local = path.join(__dirname, '..', '..', 'build', 'node', 'node_modules', 'ical.js');
    try {
        return require(local);
    } catch (e) {
        return require('ical.js');
    }
}
const mod = loadIcal();
const ICAL = mod.parse ? mod : mod.default;

function iso(t) {
    return new Date(t.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z');
}

const file = process.argv[2];
const n = parseInt(process.argv[3] || '12', 10);
const cal = new ICAL.Component(ICAL.parse(fs.readFileSync(file, 'utf8')));
const tzids = [];
for (const vtz of cal.getAllSubcomponents('vtimezone')) {
    const tz = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(tz);
    tzids.push(tz.tzid);
}
const vevents = cal.getAllSubcomponents('vevent');
const out = {
    method: cal.getFirstPropertyValue('method') || '',
    vevents: vevents.length,
    tzids: tzids,
    attendees: [],
    occurrences: [],
};
for (const ev of vevents)
    for (const a of ev.getAllProperties('attendee'))
        out.attendees.push(String(a.getFirstValue()).toLowerCase().replace('mailto:', ''));
if (vevents.length) {
    const master = vevents.find((e) => !e.hasProperty('recurrence-id')) || vevents[0];
    const event = new ICAL.Event(master);
    for (const e of vevents)
        if (e !== master && e.hasProperty('recurrence-id') && e.getFirstPropertyValue('uid') === event.uid)
            event.relateException(new ICAL.Event(e));
    out.uid = event.uid;
    out.sequence = event.sequence || 0;
    out.status = master.getFirstPropertyValue('status') || '';
    out.organizer = String(master.getFirstPropertyValue('organizer') || '').toLowerCase().replace('mailto:', '');
    if (!event.isRecurring()) {
        out.occurrences = [iso(event.startDate)];
    } else {
        const it = event.iterator();
        const occ = [];
        let t, guard = 0;
        while (occ.length < n + 24 && (t = it.next()) && guard++ < 1000)
            occ.push(iso(event.getOccurrenceDetails(t).startDate));
        out.occurrences = occ.sort().slice(0, n);
    }
}
console.log(JSON.stringify(out));
