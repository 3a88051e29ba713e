#!/bin/bash
# Scrubber quality: recall of identifiers and retention of safe terms,
# measured by the shared deid-score tool on the shared dev corpus and on
# our own labelled corpora (tests/data/scrub-corpus, scrub-corpus-hard,
# scrub-corpus-hard2 to -hard9). No daemon needed.
. "$(dirname "$0")/lib.sh"

check "mdt key init" "$MDT" key init

score() { # DESC CORPUS MIN_RECALL MIN_RETENTION
    local desc=$1 corpus=$2 rec=$3 ret=$4
    if python3 "$SHARED/tools/deid-score" --corpus "$corpus" --min-recall "$rec" \
        --min-retention "$ret" -- "$MDT" case scrub >"$T/score" 2>&1; then
        ok "$desc: $(tail -1 "$T/score")"
    else
        not_ok "$desc (want recall >= $rec, retention >= $ret)"
        grep -E '^(leak|recall|block|fail)' "$T/score" | head -30 | sed 's/^/#   /'
    fi
}

if [ -n "$SHARED" ] && [ -d "$SHARED/corpus/deid-dev/cases" ] && [ -x "$SHARED/tools/deid-score" ]; then
    score "dev corpus" "$SHARED/corpus/deid-dev" 0.995 0.98
    score "own corpus" "$TOP/tests/data/scrub-corpus" 0.99 0.98
    # The hand-written adversarial corpora are below the issue's targets
    # (see their LEAKS.txt): these floors, a little under what the scrubber
    # reaches, stop them getting worse.
    score "hard corpus" "$TOP/tests/data/scrub-corpus-hard" 0.995 0.975
    score "hard corpus 2" "$TOP/tests/data/scrub-corpus-hard2" 0.975 0.975
    score "hard corpus 3" "$TOP/tests/data/scrub-corpus-hard3" 0.985 0.98
    score "hard corpus 4" "$TOP/tests/data/scrub-corpus-hard4" 0.995 0.97
    score "hard corpus 5" "$TOP/tests/data/scrub-corpus-hard5" 0.96 0.945
    score "hard corpus 6" "$TOP/tests/data/scrub-corpus-hard6" 0.98 0.98
    score "hard corpus 7" "$TOP/tests/data/scrub-corpus-hard7" 0.985 0.985
    score "hard corpus 8" "$TOP/tests/data/scrub-corpus-hard8" 0.98 0.985
    score "hard corpus 9" "$TOP/tests/data/scrub-corpus-hard9" 0.965 0.97
else
    ok "# SKIP shared corpus and deid-score not present"
fi
