#!/usr/bin/env python3
"""build-corpus.py DIR: build DIR/cases/*.json and DIR/gold/*.json from
DIR/src/*.txt (the hand-typed corpora scrub-corpus-hard2 and -hard3).

Each source file is one case typed by hand with its labels inline:
  [[T:text]]  an identifier of type T (the text is kept, the label is gold)
  {{text}}    a safe term
T is one of N (NAME), D (DATE), P (PLACE), A (ADDRESS), PC (POSTCODE),
T (PHONE), E (EMAIL), NHS, NI, MRN, ID (OTHER_ID), U (URL_OR_HANDLE),
V (VEHICLE), AGE (AGE_OVER_89). The file starts with client lines
("name: ...", "dob: ...", "nhs: ...", "address: ...", "postcode: ...",
"phone: ...", "email: ..."), a "needs: a, b" line, then the sections
"== presentation", "== question", "== risk". Client values are labelled
with their type automatically. Run it after editing a source, then
check-corpus.py on the directory:
  python3 build-corpus.py scrub-corpus-hard3 && python3 check-corpus.py scrub-corpus-hard3
"""
import json, os, re, sys

TYPES = {"N": "NAME", "D": "DATE", "P": "PLACE", "A": "ADDRESS", "PC": "POSTCODE",
         "T": "PHONE", "E": "EMAIL", "NHS": "NHS_NUMBER", "NI": "NI_NUMBER", "MRN": "MRN",
         "ID": "OTHER_ID", "U": "URL_OR_HANDLE", "V": "VEHICLE", "AGE": "AGE_OVER_89"}
CLIENT = [("name", "name", "NAME"), ("nhs", "nhs_number", "NHS_NUMBER"),
          ("dob", "date_of_birth", "DATE"), ("address", "address", "ADDRESS"),
          ("postcode", "postcode", "POSTCODE"), ("phone", "phone", "PHONE"),
          ("email", "email", "EMAIL")]
MARK = re.compile(r"\[\[([A-Z]+):(.+?)\]\]|\{\{(.+?)\}\}", re.S)


def build(src):
    head, _, rest = src.partition("\n== presentation\n")
    pres, _, rest = rest.partition("\n== question\n")
    ques, _, risk = rest.partition("\n== risk\n")
    client, needs, ids, safe = {}, [], [], []
    for line in head.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        k, _, v = line.partition(":")
        k, v = k.strip(), v.strip()
        if k == "needs":
            needs = [x.strip() for x in v.split(",") if x.strip()]
            continue
        for short, key, typ in CLIENT:
            if k == short:
                client[key] = v
                ids.append((typ, v))
                break
        else:
            raise SystemExit(f"unknown client line {line!r}")

    def text(s):
        def sub(m):
            if m.group(1):
                ids.append((TYPES[m.group(1)], m.group(2)))
                return m.group(2)
            safe.append(m.group(3))
            return m.group(3)
        return MARK.sub(sub, s.strip())
    case = {"client": client, "needs": needs, "presentation": text(pres),
            "question": text(ques), "risk": text(risk)}
    seen, gold_ids = set(), []
    for t, v in ids:
        if v not in seen:
            seen.add(v)
            gold_ids.append({"type": t, "text": v})
    return case, {"identifiers": gold_ids, "safe_terms": list(dict.fromkeys(safe))}


def main():
    if len(sys.argv) != 2 or not os.path.isdir(os.path.join(sys.argv[1], "src")):
        sys.stderr.write("usage: build-corpus.py DIR (a corpus with DIR/src/*.txt)\n")
        return 2
    HERE = sys.argv[1]
    for d in ("cases", "gold"):
        os.makedirs(os.path.join(HERE, d), exist_ok=True)
    for name in sorted(os.listdir(os.path.join(HERE, "src"))):
        if not name.endswith(".txt"):
            continue
        case, gold = build(open(os.path.join(HERE, "src", name), encoding="utf-8").read())
        out = name[:-4] + ".json"
        with open(os.path.join(HERE, "cases", out), "w", encoding="utf-8") as f:
            json.dump(case, f, ensure_ascii=False, indent=1)
            f.write("\n")
        with open(os.path.join(HERE, "gold", out), "w", encoding="utf-8") as f:
            f.write('{"identifiers": [\n')
            f.write(",\n".join("  " + json.dumps(i, ensure_ascii=False) for i in gold["identifiers"]))
            f.write('\n],\n "safe_terms": ' + json.dumps(gold["safe_terms"], ensure_ascii=False) + "}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
