#!/usr/bin/env python3
"""nhs-numbers.py SEED: the NHS numbers of a hand-typed corpus, random with a
valid Modulus 11 check digit, from a fixed seed so the list can be printed
again (scrub-corpus-hard3: 20261123, scrub-corpus-hard4: 20261124,
scrub-corpus-hard5: 20261125, scrub-corpus-hard6: 20261126,
scrub-corpus-hard7: 20261177, scrub-corpus-hard8: 20261178,
scrub-corpus-hard9: 20261179). Numbers
in the 999 range and any already used by the other corpora were skipped by
hand."""
import random
import sys


def number(rng):
    while True:
        d = [rng.randrange(10) for _ in range(9)]
        if d[0] == 0:
            continue
        c = 11 - sum(x * (10 - i) for i, x in enumerate(d)) % 11
        c = 0 if c == 11 else c
        if c != 10:
            return "".join(map(str, d)) + str(c)


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.stderr.write("usage: nhs-numbers.py SEED\n")
        return 2
    rng = random.Random(int(sys.argv[1]))
    for i in range(1, 41):
        n = number(rng)
        print(f"{i:02d} {n[:3]} {n[3:6]} {n[6:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
