#!/usr/bin/env bash
# The man pages render without a single warning and do not drift from the
# code: every command of every mdt group is in mdt.1, every option of
# mdtd serve in mdtd.conf.5, every mdtd command in mdtd.8.
. "$(dirname "$0")/lib.sh"

MAN=$TOP/docs/man
for page in mdt.1 mdtd.8 mdtd.conf.5; do
    f=$MAN/$page
    if ! [ -s "$f" ]; then not_ok "$page exists"; continue; fi
    if command -v groff >/dev/null; then
        groff -ww -mandoc -z "$f" >"$T/out" 2>&1
        check_eq "$page: groff -ww -mandoc -z says nothing" "$(cat "$T/out")" ""
    fi
    if command -v mandoc >/dev/null; then
        mandoc -T lint -W warning "$f" >"$T/out" 2>&1
        check_eq "$page: mandoc -T lint" "$(cat "$T/out")" ""
    fi
    if command -v man >/dev/null; then
        MANWIDTH=80 man --warnings -l "$f" >"$T/page" 2>"$T/err"
        check_eq "$page: man --warnings -l renders without warnings" "$(cat "$T/err")" ""
        check_match "$page: rendered text has a NAME section" "$(cat "$T/page")" '^NAME'
    fi
    command -v groff >/dev/null || command -v man >/dev/null ||
        echo "ok - # SKIP $page: neither man nor groff installed (man-db or groff-base)"
done

# help_words SECTION ARGS...: the first words of a section of mdt's help.
help_words() {
    local section=$1; shift
    "$MDT" "$@" 2>/dev/null | awk -v s="$section" '
        $0 ~ "^" s ":" { on = 1; next }
        on && /^$/ { on = 0 }
        on && /^  [a-z-]/ { print $1 }'
}
groups=$(help_words "Command groups" help)
check_match "mdt help lists groups" "$groups" 'org'
missing=""
for g in $groups; do
    grep -qE "^\.Ss $g: " "$MAN/mdt.1" || missing+=" group '$g' (.Ss $g: ...)"
    for c in $(help_words Commands help "$g"); do
        grep -qE "^\.It Cm $g $c( |\$)" "$MAN/mdt.1" || missing+=" '$g $c' (.It Cm $g $c ...)"
    done
done
check_eq "every group and command of mdt help is in docs/man/mdt.1" "${missing# }" ""

opts=$("$MDTD" serve --help | sed -n 's/^  --\([a-z0-9-]*\) [A-Z].*/\1/p' | tr - _ | grep -vx config)
check_match "mdtd serve --help lists options" "$opts" 'listen'
missing=""
for o in $opts; do
    grep -qE "^\.It Ic $o( |\$)" "$MAN/mdtd.conf.5" || missing+=" $o (.It Ic $o ...)"
done
check_eq "every option of mdtd serve --help is in docs/man/mdtd.conf.5" "${missing# }" ""

cmds=$("$MDTD" --help | sed -n 's/^\(usage:\)\{0,1\} *mdtd \([a-z]*\) .*/\2/p')
check_match "mdtd --help lists commands" "$cmds" 'serve'
missing=""
for c in $cmds; do
    grep -qE "^\.It Cm $c( |\$)" "$MAN/mdtd.8" || missing+=" $c"
done
check_eq "every mdtd command is in docs/man/mdtd.8" "${missing# }" ""

# And the other way: no key documented that mdtd no longer knows.
stale=""
for o in $(sed -n 's/^\.It Ic \([a-z0-9_]*\) Ar .*/\1/p' "$MAN/mdtd.conf.5"); do
    printf '%s\n' $opts | grep -qx "$o" || stale+=" $o"
done
check_eq "every key in docs/man/mdtd.conf.5 is an option of mdtd serve" "${stale# }" ""
