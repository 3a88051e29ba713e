#!/usr/bin/env python3
"""Writes the labelled scrubber test corpus (cases/ and gold/) in the same
format as the shared dev corpus. Everything is synthetic: names are drawn
from pools, NHS numbers are random with a valid Modulus 11 check digit,
phones are in Ofcom's drama ranges, streets, villages, pubs and workplaces
are invented or generic. Seeded, so the output is stable:
    python3 generate.py  (from this directory)"""
import json, os, random

R = random.Random(20251123)

FIRST = {
    "f": ["Nkechi", "Agata", "Ruta", "Oana", "Gulsen", "Thuy", "Senait", "Hibo", "Roisin", "Kirsty",
          "Parveen", "Lakhvir", "Bernadette", "Chantal", "Kayleigh", "Dorota", "Yetunde", "Saoirse",
          "Marcia", "Wiktoria", "Mihaela", "Esra", "Thanh", "Luwam", "Maryam", "Shannon", "Lorna",
          "Gwen", "Rukhsana", "Ifeoma"],
    "m": ["Tadeusz", "Darius", "Ionel", "Emre", "Quang", "Dawit", "Abdirizak", "Kwame", "Declan",
          "Lachlan", "Tariq", "Gurdeep", "Wojciech", "Mantas", "Sorin", "Hakan", "Tuan", "Biniam",
          "Kwabena", "Padraig", "Delroy", "Bilal", "Jagdeep", "Kacper", "Vytautas", "Florin",
          "Serhat", "Hieu", "Yonatan", "Shane"],
}
WORDNAMES = {"f": ["Hope", "Joy", "Amber", "Holly", "Ruby", "Pearl", "Patience", "Blessing", "Iris", "Dawn"],
             "m": ["Frank", "Rocky", "Clay", "Victor", "Sonny", "Dusty", "Earl", "Jack", "Cliff", "Drew"]}
SURNAMES = ["Okonkwo", "Wisniewska", "Vasiliauskas", "Georgescu", "Ozkan", "Truong", "Gebreyesus",
            "Mohamud", "Brennan", "Macleod", "Chaudhry", "Dhillon", "Kaminski", "Paulauskas", "Lupu",
            "Korkmaz", "Dinh", "Haile", "Boateng", "Gallagher", "Campbell", "Mahmood", "Grewal",
            "Zielinski", "Balciunas", "Munteanu", "Aksoy", "Phan", "Mehari", "Sesay", "Hargreaves",
            "Threlfall", "Ackroyd", "Entwistle", "Cartwright", "Lumb", "Sowerby", "Pickersgill",
            "Greenhalgh", "Ormerod"]
WORDSUR = ["Baker", "Mason", "Shepherd", "Fletcher", "Marsh", "Archer", "Parsons", "Bird", "Lamb", "Nash"]
NICK = {"Stephen": "Stevo", "Gareth": "Gaz", "Sharon": "Shaz", "Bridget": "Bridie", "Patricia": "Trish",
        "Raymond": "Ray", "Anthony": "Tony", "Michael": "Mick", "Margaret": "Maggie", "Robert": "Bob"}
STREET_A = ["Holloway Bank", "Tanpit Lane", "Quarrington Road", "Gorsey Bank Road", "Kilnhurst Close",
            "Pendle View", "Marlpit Grove", "Saltergate Walk", "Blackthorn Crescent", "Ridding Street",
            "Hawes Terrace", "Cobden Avenue", "Fernbank Drive", "Ashworth Gardens", "Tithebarn Row",
            "Ellesmere Mews", "Winstanley Parade", "Hollins Rise", "Copperas Street", "Rookery Way"]
BLOCKS = ["Priestley House", "Cotswold Court", "Tennyson Hse", "Larkspur Court", "Bevan House",
          "Kestrel Court", "Mayflower House", "Orchard Lodge"]
VILLAGES = ["Thurnby", "Coddenham", "Skellingthorpe", "Wolviston", "Sedgebrook", "Hethersett", "Ashwell",
            "Kirk Merrington", "Swavesey", "Brompton-by-Sawdon", "Quadring", "Heighington", "Ryhall",
            "Tansley", "Shotley Bridge", "Cottenham", "Burwell", "Ingleby Barwick", "Newbold Verdon"]
TOWNS = ["Leicester", "Sunderland", "Bolton", "Wakefield", "Lincoln", "Norwich", "Coventry", "Gateshead",
         "Doncaster", "Luton", "Ipswich", "Stockport", "Croydon", "Lewisham", "Hackney", "Derby"]
PUBS = ["Wheatsheaf", "Black Bull", "Drovers Arms", "Cricketers Arms", "Royal Oak", "Half Moon",
        "Coach and Horses", "Nag's Head"]
WORK = [("Brightwell Logistics", "warehouse shifts at"), ("Pennine Poultry", "works nights at"),
        ("Calder Valley Motors", "works at"), ("Amberley Care Services", "cleans for"),
        ("Saffron Spice Kitchen", "works in the kitchen at"), ("Meadowfield Foods", "does packing at"),
        ("Halton Print Works", "worked at"), ("Oakleigh Hand Car Wash", "works cash in hand at")]
SCHOOLS = ["Fernhill Primary", "St Oswald's Academy", "Larchwood Academy", "Brackenbury Primary School"]
CHURCH = ["Bethel Pentecostal Church", "St Wilfrid's", "Jamia Masjid Ghausia", "Guru Ravidass Gurdwara",
          "Elim Fellowship Church"]
SERV = ["Citizens Advice", "Mind", "Shelter", "StepChange", "Age UK", "Samaritans", "NHS Talking Therapies",
        "Change Grow Live", "Turning Point", "Carers Trust", "the food bank", "Universal Credit",
        "Pension Credit", "PIP", "ESA", "the CMHT", "the crisis team", "Refugee Council", "Women's Aid"]
MEDS = ["olanzapine", "sertraline", "mirtazapine", "quetiapine", "aripiprazole", "lithium", "methadone",
        "pregabalin", "clozapine", "venlafaxine", "metformin", "zopiclone"]
CONDS = ["paranoid schizophrenia", "bipolar affective disorder", "EUPD", "PTSD", "recurrent depressive disorder",
         "COPD", "type 2 diabetes", "Parkinson's disease", "emotionally unstable personality disorder",
         "schizoaffective disorder", "alcohol dependence", "hepatitis C"]
LOOKS = ["George Eliot Hospital", "Andy's Man Club", "Princess of Wales", "St Michael's Hospital",
         "robbing Peter to pay Paul", "the town of Stanley", "HMP Whitemoor in March",
         "Queen Elizabeth Hospital", "James Cook University Hospital"]
COMMON = [("no hope", "hope"), ("may need", "may"), ("her faith", "faith"), ("she will", "will"),
          ("in summer", "summer"), ("every penny", "penny"), ("the gas bill", "bill"),
          ("the wood burner", "wood"), ("with grace", "grace"), ("a rose bush", "rose"),
          ("can't cook", "cook"), ("up the hill", "hill"), ("green bin", "green"), ("at dawn", "dawn"),
          ("the price", "price"), ("white goods", "white"), ("frank about", "frank"), ("a joy", "joy")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MON3 = [m[:3] for m in MONTHS]
RELS_F = ["sister", "daughter", "mum", "partner", "friend", "neighbour", "aunt", "niece", "ex-partner"]
RELS_M = ["brother", "son", "dad", "partner", "friend", "neighbour", "uncle", "nephew", "ex-partner"]
ROLES = ["social prescribing link worker", "PCN mental health practitioner", "care co-ordinator",
         "housing officer", "work coach", "support worker", "IDVA", "probation officer"]


def nhs():
    while True:
        d = [R.randint(0, 9) for _ in range(9)]
        if d[0] == 0:
            continue
        c = 11 - sum(x * (10 - i) for i, x in enumerate(d)) % 11
        c = 0 if c == 11 else c
        if c != 10:
            return "".join(map(str, d)) + str(c)


def phone():
    k = R.randint(0, 3)
    if k == 0:
        return "07700 900%03d" % R.randint(0, 999), None
    if k == 1:
        return "020 7946 0%03d" % R.randint(0, 999), None
    if k == 2:
        return "0191 498 0%03d" % R.randint(0, 999), None
    return "0116 496 0%03d" % R.randint(0, 999), None


def dob_forms(y, m, d):
    return ["%02d.%02d.%02d" % (d, m, y % 100), "%d/%d/%d" % (d, m, y), "%d%s %s %d" % (
        d, "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th"), MONTHS[m - 1], y),
        "%s %d %d" % (MONTHS[m - 1], d, y), "%02d-%s-%02d" % (d, MON3[m - 1], y % 100),
        "%d-%02d-%02d" % (y, m, d), "%02d/%02d/%d" % (d, m, y), "%d %s %d" % (d, MON3[m - 1], y)]


def nhs_forms(n):
    return [n, "%s %s %s" % (n[:3], n[3:6], n[6:]), "%s-%s-%s" % (n[:3], n[3:6], n[6:])]


def person(sex, wordy=False, used=set()):
    while True:
        f = R.choice(WORDNAMES[sex] if wordy else FIRST[sex])
        s = R.choice(WORDSUR if wordy and R.random() < 0.5 else SURNAMES)
        if f not in used and s not in used:
            used.add(f)
            used.add(s)
            return f, s


def make_case(n):
    ids, safe = [], []
    used = set()
    sex = R.choice("fm")
    style = ["bullets", "narrative", "email", "lower", "mixed"][n % 5]
    nick = None
    if n % 7 == 3:
        formal = R.choice(list(NICK))
        cf, nick = formal, NICK[formal]
        cs = R.choice(SURNAMES)
    else:
        cf, cs = person(sex, wordy=(n % 4 == 1), used=used)
    used |= {cf, cs}
    y, m, d = R.randint(1945, 2004), R.randint(1, 12), R.randint(1, 28)
    nn = nhs()
    ph, _ = phone()
    num = R.randint(2, 140)
    street = R.choice(STREET_A)
    town = R.choice(TOWNS)
    village = R.choice(VILLAGES)
    flat = "Flat %d" % R.randint(1, 30) if n % 3 == 0 else None
    block = R.choice(BLOCKS) if n % 4 == 2 else None
    addr = ", ".join(x for x in [flat, block, "%d %s" % (num, street), village if n % 2 else None, town] if x)
    pc = R.choice(["LE2 6QR", "SR4 7XT", "BL3 5NB", "WF1 4PL", "LN2 5RT", "NR3 2DS", "CV6 4HX", "NE8 3AB"])
    email = ("%s.%s%02d@example.org" % (cf.lower(), cs.lower(), y % 100)) if n % 3 else None
    client = {"name": "%s %s" % (cf, cs), "nhs_number": R.choice(nhs_forms(nn)),
              "date_of_birth": "%04d-%02d-%02d" % (y, m, d), "address": addr, "postcode": pc, "phone": ph}
    if email:
        client["email"] = email
    for v in client.values():
        pass
    ids += [("NAME", client["name"]), ("NHS_NUMBER", client["nhs_number"]),
            ("DATE", client["date_of_birth"]), ("ADDRESS", addr), ("POSTCODE", pc), ("PHONE", ph)]
    if email:
        ids.append(("EMAIL", email))
    others = []
    for k in range(R.randint(3, 5)):
        s2 = R.choice("fm")
        f2, l2 = person(s2, wordy=(k == 0 and n % 2 == 0), used=used)
        rel = R.choice(RELS_F if s2 == "f" else RELS_M)
        others.append((f2, l2, rel))
    worker = person(R.choice("fm"), used=used)
    gp = R.choice(SURNAMES + ["Okafor", "Nwachukwu", "Sharma"])
    while gp in used:
        gp = R.choice(SURNAMES)
    used.add(gp)
    pub = R.choice(PUBS)
    workplace, wverb = R.choice(WORK)
    school = R.choice(SCHOOLS)
    church = R.choice(CHURCH)
    med, cond = R.choice(MEDS), R.choice(CONDS)
    servs = R.sample(SERV, 3)
    look = R.choice(LOOKS)
    common = [c for c in R.sample(COMMON, 3) if c[1].lower() not in {x.lower() for x in used}]
    dform = R.choice(dob_forms(y, m, d))
    nform = R.choice(nhs_forms(nn))
    ad = R.randint(1, 28)
    appt = "%d%s %s" % (ad, "th" if 10 <= ad <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(ad % 10, "th"), MONTHS[R.randint(0, 11)])
    appt2 = "%02d/%02d/2025" % (R.randint(1, 28), R.randint(1, 12))
    callname = nick or cf
    o1, o2, o3 = others[0], others[1], others[2]
    streetname = street
    parts = []
    if style == "bullets":
        parts.append("%s %s | DOB %s | NHS %s" % (cf, cs.upper(), dform, nform))
        parts.append("Presented by %s %s (%s)" % (worker[0], worker[1], R.choice(ROLES)))
        parts.append("- dx %s, on %s via GP Dr %s. Lives on %s with %s %s." % (cond, med, gp, streetname, o1[2], o1[0]))
        parts.append("- %s %s %s %s most weeks; goes to the %s on Fridays." % (callname, wverb, workplace, village if n % 2 else "town", pub))
        parts.append("- %s %s %s rings; kids at %s. Referred to %s and %s." % (o2[2].capitalize(), o2[0], o2[1], school, servs[0], servs[1]))
        parts.append("- f/u appt %s; letter dated %s. Seen at %s." % (appt, appt2, look))
        parts.append("- %s says %s (%s)." % (o3[0], common[0][0] if common else "ok", o3[2]))
        ids += [("NAME", "%s %s" % (cf, cs.upper())), ("NAME", cf), ("NAME", "%s %s" % worker), ("NAME", gp),
                ("NAME", o1[0]), ("NAME", "%s %s" % (o2[0], o2[1])), ("NAME", o3[0]), ("ADDRESS", streetname),
                ("PLACE", workplace), ("PLACE", pub), ("PLACE", school), ("DATE", appt), ("DATE", appt2),
                ("DATE", dform), ("NHS_NUMBER", nform)]
        if callname != cf:
            ids.append(("NAME", callname))
        if n % 2:
            ids.append(("PLACE", village))
    elif style == "narrative":
        parts.append("%s %s (DOB %s, NHS no. %s) is known to %s. Her GP, Dr %s, referred after an overdose of %s." % (
            cf, cs, dform, nform, servs[0], gp, med) if sex == "f" else "%s %s (DOB %s, NHS no. %s) is known to %s. His GP, Dr %s, referred after an overdose of %s." % (
            cf, cs, dform, nform, servs[0], gp, med))
        parts.append("%s lives at %d %s with their %s, %s, and has %s. Money is tight: %s owes \u00a3%d and is %s." % (
            callname, num, street, o1[2], o1[0], cond, callname, R.randint(200, 4000), "robbing Peter to pay Paul" if look == "robbing Peter to pay Paul" else "behind on rent"))
        parts.append("Until March %s %s %s. The %s %s visits from %s; %s %s helps with forms." % (
            callname, wverb, workplace, o2[2], o2[0], town, o3[0], o3[1]))
        parts.append("Used to drink at the %s in %s and worship at %s. Seen at %s on %s." % (pub, village, church, look, appt))
        parts.append("Worker: %s %s. %s" % (worker[0], worker[1], "; ".join(c[0] for c in common)))
        ids += [("NAME", "%s %s" % (cf, cs)), ("NAME", callname), ("NAME", gp), ("NAME", o1[0]), ("NAME", o2[0]),
                ("NAME", "%s %s" % (o3[0], o3[1])), ("NAME", "%s %s" % worker), ("ADDRESS", "%d %s" % (num, street)),
                ("PLACE", workplace), ("PLACE", pub), ("PLACE", village), ("PLACE", church), ("DATE", appt),
                ("DATE", dform), ("NHS_NUMBER", nform)]
    elif style == "email":
        parts.append("Forwarded with consent:\n> From: %s %s <%s.%s@%s.gov.uk>\n> Sent: %s 2025 10:02\n> Subject: RE: %s %s %s\n> Hi, Ms %s has arrears on %s; please call %s.\n> Thanks, %s" % (
            worker[0], worker[1], worker[0].lower(), worker[1].lower(), town.lower(), appt, "Mr" if sex == "m" else "Ms", cf[0], cs.upper(),
            cs, streetname, ph, worker[0]))
        parts.append("My notes: %s (dob %s, NHS %s) has %s, on %s. %s %s lives nearby in %s." % (
            callname, dform, nform, cond, med, o1[2].capitalize(), o1[0], village))
        parts.append("%s %s %s. %s's %s %s %s is at %s. Open to %s." % (
            callname, wverb, workplace, callname, o2[2], o2[0], o2[1], school, servs[1]))
        parts.append("%s mentioned %s and %s." % (o3[0], look, common[0][0] if common else "the rent"))
        ids += [("NAME", "%s %s" % worker), ("NAME", worker[0]), ("NAME", "%s %s" % (cf[0], cs.upper())), ("NAME", cs),
                ("NAME", callname), ("NAME", o1[0]), ("NAME", "%s %s" % (o2[0], o2[1])), ("NAME", o3[0]),
                ("EMAIL", "%s.%s@%s.gov.uk" % (worker[0].lower(), worker[1].lower(), town.lower())),
                ("DATE", "%s 2025" % appt), ("DATE", dform), ("NHS_NUMBER", nform), ("ADDRESS", streetname),
                ("PHONE", ph), ("PLACE", village), ("PLACE", workplace), ("PLACE", school)]
    elif style == "lower":
        lc = callname.lower()
        parts.append("client: %s %s, dob %s, nhs %s" % (lc, cs.lower(), dform, nform))
        parts.append("saw %s at home on %s with %s (%s). %s has %s, on %s." % (
            lc, appt.lower(), o1[0].lower(), o1[2], lc, cond, med))
        parts.append("%s %s died in 2021. %s %s %s till it closed. goes to %s." % (
            o2[2], o2[0].lower(), lc, wverb, workplace, servs[0]))
        parts.append("%s from the %s pops round. lives on %s. %s" % (o3[0].lower(), pub, streetname.lower(), "; ".join(c[0] for c in common)))
        ids += [("NAME", "%s %s" % (lc, cs.lower())), ("NAME", lc), ("NAME", o1[0].lower()), ("NAME", o2[0].lower()),
                ("NAME", o3[0].lower()), ("DATE", appt.lower()), ("DATE", dform), ("NHS_NUMBER", nform),
                ("PLACE", workplace), ("PLACE", pub), ("ADDRESS", streetname.lower())]
    else:
        parts.append("Pres: %s %s, %s. DOB %s. NHS # %s" % (worker[0], worker[1], R.choice(ROLES), dform, nform))
        parts.append("%s %s (%s) moved into %s%s after eviction; %s %s %s." % (
            cf, cs, callname if callname != cf else cs.upper(), block + ", " if block else "", town, wverb.split(" ")[0], "at", workplace))
        parts.append("Mr/Ms %s's %s %s (%s %s) is in %s; %s %s is the appointee." % (
            cs, o1[2], o1[0], o1[0], o1[1], village, o2[2], o2[0]))
        parts.append("Letter %s; review %s at %s. %s. Also %s." % (appt2, appt, look, "; ".join(c[0] for c in common), servs[2]))
        parts.append("Via %s: 'ask for %s'." % (church, o3[0]))
        ids += [("NAME", "%s %s" % worker), ("NAME", "%s %s" % (cf, cs)), ("NAME", cs), ("NAME", o1[0]),
                ("NAME", "%s %s" % (o1[0], o1[1])), ("NAME", o2[0]), ("NAME", o3[0]), ("PLACE", village),
                ("PLACE", workplace), ("PLACE", church), ("DATE", appt), ("DATE", appt2), ("DATE", dform),
                ("NHS_NUMBER", nform)]
        if callname != cf:
            ids.append(("NAME", callname))
        else:
            ids.append(("NAME", cs.upper()))
        if block:
            ids.append(("ADDRESS", block))
    pres = "\n".join(parts)
    q = "Can %s help %s with the debt, and is there support near %s?" % (servs[2], callname, town)
    risk = "Risk of relapse if %s stops. %s worries about %s." % (med, o1[0] if style != "lower" else o1[0].lower(), callname if style != "lower" else callname.lower())
    case = {"client": client, "needs": R.sample(["debt", "housing", "benefits", "loneliness", "employment"], 3),
            "presentation": pres, "question": q, "risk": risk}
    text_all = "\n".join([pres, q, risk] + [str(v) for v in client.values()])
    seen, gold_ids = set(), []
    for t, v in ids:
        if v in seen or v not in text_all:
            continue
        seen.add(v)
        gold_ids.append({"type": t, "text": v})
    free = "\n".join([pres, q, risk])
    for s in [med, cond, town] + [x for x in servs if x in free] + ([look] if look in free else []) + [c[0] for c in common if c[0] in free]:
        if s in free and s not in safe:
            safe.append(s)
    return case, {"identifiers": gold_ids, "safe_terms": safe}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(here, "cases"), exist_ok=True)
    os.makedirs(os.path.join(here, "gold"), exist_ok=True)
    for n in range(1, 41):
        case, gold = make_case(n)
        with open(os.path.join(here, "cases", "case-%02d.json" % n), "w") as f:
            json.dump(case, f, ensure_ascii=False, indent=1)
        with open(os.path.join(here, "gold", "case-%02d.json" % n), "w") as f:
            json.dump(gold, f, ensure_ascii=False, indent=1)


main()
