#!/usr/bin/env python3
"""Check a labelled scrubber corpus (deid-dev format) and list what a scrubber loses.

Usage:
  check-corpus.py [DIR]                     check the labels of DIR (default: scrub-corpus-hard)
  check-corpus.py --perfect-scrub CASE      print CASE with exactly its gold spans replaced
  check-corpus.py --lost DIR -- COMMAND...  run COMMAND on every case and print the
                                            identifiers it leaks and the safe terms it loses

The label check verifies, for every case: both files parse and have the right
shape; every NHS number passes Modulus 11; postcodes, NI numbers and phones look
right; every gold text and safe term occurs verbatim (case-sensitive) in the
case; no text is listed twice; every client block value is labelled. Then it
runs deid-score with the simulated perfect scrub, which must give recall 1.0,
retention 1.0 and no client block leaks: that catches an unlabelled variant of
a labelled form (other case, other spacing) and a safe term that clashes with
an identifier.
"""
import json, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "scrub-corpus-hard")
SCORER = os.environ.get("DEID_SCORE", "/work/shared/tools/deid-score")
TYPES = {"NAME", "NHS_NUMBER", "DATE", "ADDRESS", "POSTCODE", "PHONE", "EMAIL", "NI_NUMBER",
         "MRN", "PLACE", "URL_OR_HANDLE", "VEHICLE", "AGE_OVER_89", "OTHER_ID"}
CODE_TYPES = {"NHS_NUMBER", "PHONE", "NI_NUMBER", "MRN", "POSTCODE", "VEHICLE", "OTHER_ID"}
NEEDS = {"debt", "housing", "benefits", "physical health", "employment", "loneliness",
         "substance use", "carers", "bereavement", "domestic abuse", "exploitation",
         "immigration", "legal", "education", "food poverty", "digital exclusion"}
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.I)
NINO = re.compile(r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D]$", re.I)


def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
          "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def spoken_digits(s):
    """'oh seven double nine' -> '0799', for numbers dictated into notes."""
    out, double = [], False
    for w in re.findall(r"[a-z]+|\d", s.lower()):
        if w in ("double", "treble"):
            double = 2 if w == "double" else 3
            continue
        d = w if w.isdigit() else DIGITS.get(w)
        if d is None:
            return s
        out.append(d * (double or 1))
        double = False
    return "".join(out)


def nhs_ok(s):
    d = re.sub(r"\D", "", spoken_digits(s))
    if len(d) != 10:
        return False
    t = sum(int(d[i]) * (10 - i) for i in range(9))
    c = 11 - t % 11
    c = 0 if c == 11 else c
    return c != 10 and c == int(d[9])


def fold(s):
    return re.sub(r"\s+", " ", s).strip().lower()


def alnum(s):
    return re.sub(r"[^0-9a-z]", "", s.lower())


def words_in(needle, hay):
    n = fold(needle)
    return bool(n) and re.search(r"(?<![0-9a-z])" + re.escape(n) + r"(?![0-9a-z])", fold(hay)) is not None


def gold_path(case_path):
    d, n = os.path.split(os.path.abspath(case_path))
    return os.path.join(os.path.dirname(d), "gold", n)


def perfect_scrub(case_path):
    case = json.load(open(case_path))
    gold = json.load(open(gold_path(case_path)))
    texts = sorted({i["text"] for i in gold["identifiers"]}, key=len, reverse=True)
    # Whole words only, as the scorer matches: a name must not eat a safe word it is part of.
    def rx(t):
        return (r"(?<!\w)" if re.match(r"\w", t) else "") + re.escape(t) + \
            (r"(?!\w)" if re.search(r"\w$", t) else "")
    pat = re.compile("|".join(rx(t) for t in texts)) if texts else None

    def scrub(v):
        if isinstance(v, str):
            return pat.sub("[X]", v) if pat else v
        if isinstance(v, list):
            return [scrub(x) for x in v]
        if isinstance(v, dict):
            return {k: scrub(x) for k, x in v.items()}
        return v
    out = {k: scrub(v) for k, v in case.items() if k != "client"}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def check(corpus):
    errs = []
    cases = sorted(f for f in os.listdir(os.path.join(corpus, "cases")) if f.endswith(".json"))
    golds = sorted(f for f in os.listdir(os.path.join(corpus, "gold")) if f.endswith(".json"))
    if cases != golds:
        errs.append(f"cases and gold differ: {sorted(set(cases) ^ set(golds))}")
    counts, nident, nsafe = {}, 0, 0
    for name in cases:
        def err(msg):
            errs.append(f"{name}: {msg}")
        try:
            case = json.load(open(os.path.join(corpus, "cases", name)))
            gold = json.load(open(os.path.join(corpus, "gold", name)))
        except (OSError, ValueError) as e:
            err(f"does not parse: {e}")
            continue
        if set(case) != {"client", "needs", "presentation", "question", "risk"}:
            err(f"case keys {sorted(case)}")
        cl = case.get("client", {})
        for k in ("name", "nhs_number", "date_of_birth", "address", "postcode"):
            if not isinstance(cl.get(k), str) or not cl.get(k):
                err(f"client.{k} missing")
        if set(cl) - {"name", "nhs_number", "date_of_birth", "address", "postcode", "phone", "email"}:
            err(f"client has unknown keys {sorted(cl)}")
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", cl.get("date_of_birth", "")):
            err("client.date_of_birth is not YYYY-MM-DD")
        for n in case.get("needs", []):
            if n not in NEEDS:
                err(f"need {n!r} is not in the vocabulary")
        nw = len(case.get("presentation", "").split())
        if not 120 <= nw <= 300:
            err(f"presentation has {nw} words")
        body = "\n".join(strings(case))
        ids = gold.get("identifiers", [])
        seen = set()
        for i in ids:
            t, text = i.get("type"), i.get("text", "")
            if t not in TYPES:
                err(f"unknown type {t}")
            if text in seen:
                err(f"{text!r} listed twice")
            seen.add(text)
            if text not in body:
                err(f"{t} {text!r} does not occur verbatim")
            elif t not in CODE_TYPES and not words_in(text, body):
                err(f"{t} {text!r} never occurs as whole words, so it is never scored")
            if t == "NHS_NUMBER" and not nhs_ok(text):
                err(f"NHS number {text!r} fails Modulus 11")
            if t == "POSTCODE" and not POSTCODE.match(text):
                err(f"postcode {text!r} has a bad format")
            if t == "NI_NUMBER" and (not NINO.match(text) or
                                     text[:2].upper() in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")):
                err(f"NI number {text!r} has a bad format")
            if t == "NAME" and re.match(r"(Mr|Mrs|Ms|Miss|Dr|PC|DC|Rev)\.? ", text):
                err(f"name {text!r} keeps its title")
            if t == "NAME" and re.search(r"'s$", text):
                err(f"name {text!r} keeps its possessive")
            counts[t] = counts.get(t, 0) + 1
        nident += len(ids)
        for v in cl.values():
            if v not in seen:
                err(f"client value {v!r} is not labelled")
        if cl.get("nhs_number") and not nhs_ok(cl["nhs_number"]):
            err("client NHS number fails Modulus 11")
        safe = gold.get("safe_terms", [])
        nsafe += len(safe)
        if len(set(safe)) != len(safe):
            err("a safe term is listed twice")
        for s in safe:
            if s not in body:
                err(f"safe term {s!r} does not occur verbatim")
    for e in errs:
        print(e)
    print(f"{len(cases)} cases, {nident} identifier forms, {nsafe} safe terms")
    for t in sorted(counts):
        print(f"  {t:14s} {counts[t]:4d}")
    p = subprocess.run([sys.executable, SCORER, "--corpus", corpus, "--", sys.executable,
                        os.path.abspath(__file__), "--perfect-scrub"], capture_output=True, text=True)
    tail = p.stdout.strip().splitlines()
    bad = [l for l in tail if l.startswith(("leak", "client block", "FAILED"))]
    for l in bad:
        print("perfect scrub: " + l)
    print("perfect scrub: " + (tail[-1] if tail else p.stderr.strip()))
    if not tail or "recall 1.0000" not in tail[-1] or "retention 1.0000" not in tail[-1] \
            or not tail[-1].endswith("client block leaks 0"):
        errs.append("perfect scrub is not perfect")
    return 1 if errs else 0


def lost(corpus, cmd):
    """Run the scrubber and print leaks and lost safe terms, one per line."""
    names = sorted(f for f in os.listdir(os.path.join(corpus, "cases")) if f.endswith(".json"))
    nlost = nsafe = 0
    for name in names:
        path = os.path.join(corpus, "cases", name)
        gold = json.load(open(os.path.join(corpus, "gold", name)))
        p = subprocess.run(cmd + [path], capture_output=True, text=True)
        if p.returncode != 0:
            print(f"FAILED {name}: exit {p.returncode}: {p.stderr.strip()[-200:]}")
            continue
        try:
            out = "\n".join(strings(json.loads(p.stdout)))
        except ValueError:
            out = p.stdout
        case = json.load(open(path))
        src = "\n".join(strings({k: v for k, v in case.items() if k != "client"}))
        for i in gold["identifiers"]:
            t, text = i["type"], i["text"]
            code = t in CODE_TYPES and len(alnum(text)) >= 5
            def occurs(h):
                return alnum(text) in alnum(h) if code else words_in(text, h)
            if occurs(src) and occurs(out):
                print(f"leak {name} {t}: {text}")
        for s in gold.get("safe_terms", []):
            nsafe += 1
            if not words_in(s, out):
                nlost += 1
                print(f"lost {name}: {s}")
    print(f"{nlost} of {nsafe} safe terms lost")
    return 0


def main(argv):
    if argv[:1] == ["--perfect-scrub"] and len(argv) == 2:
        return perfect_scrub(argv[1])
    if argv[:1] == ["--lost"]:
        if "--" not in argv:
            print(__doc__, file=sys.stderr)
            return 2
        i = argv.index("--")
        corpus = argv[1] if i == 2 else DEFAULT
        return lost(corpus, argv[i + 1:])
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(__doc__, file=sys.stderr)
        return 2
    return check(argv[0] if argv else DEFAULT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
