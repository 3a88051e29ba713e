#!/usr/bin/env bash
# make install into a temporary DESTDIR puts every file where it belongs
# (and nothing else); make uninstall removes exactly those files.
. "$(dirname "$0")/lib.sh"

D=$T/dest
P=/usr/local
# -o: the binaries of this build count as up to date, so that the test
# installs exactly what the other tests ran.
inst() { make -C "$TOP" -s -o "$BUILD/mdtd" -o "$BUILD/mdt" O="$BUILD" "$@"; }

mkdir -p "$D$P/bin" && echo keep >"$D$P/bin/someone-elses"
check "make install PREFIX=$P DESTDIR=..." inst install PREFIX=$P DESTDIR="$D"

expected() {
    printf '%s\n' sbin/mdtd bin/mdt bin/someone-elses \
        share/man/man1/mdt.1 share/man/man5/mdtd.conf.5 share/man/man8/mdtd.8 \
        share/doc/mdtd/mdtd.conf.example share/doc/mdtd/operations.md \
        share/doc/mdtd/guide-chair.md share/doc/mdtd/guide-case-holder.md \
        share/doc/mdtd/guide-partner.md share/doc/mdtd/API.md \
        share/bash-completion/completions/mdt lib/systemd/system/mdtd.service
    for f in "$TOP"/schema/[0-9]*.sql; do echo "share/mdtd/schema/$(basename "$f")"; done
}
check_eq "installed files are exactly the expected ones" \
    "$(cd "$D$P" && find . -type f | sed 's|^\./||' | sort)" "$(expected | sort)"
check_eq "nothing outside PREFIX" "$(cd "$D" && find . -type f | grep -v "^\./${P#/}/")" ""
check_eq "binaries are 0755" "$(stat -c %a "$D$P/sbin/mdtd" "$D$P/bin/mdt" | sort -u)" 755
check_eq "pages and data are 0644" \
    "$(find "$D$P/share" "$D$P/lib" -type f -exec stat -c %a {} + | sort -u)" 644
check_match "installed mdtd runs" "$("$D$P/sbin/mdtd" --version)" '^mdtd [0-9]'
check_match "installed mdt runs" "$("$D$P/bin/mdt" --version 2>&1)" '[0-9]+\.[0-9]+'
check_match "the unit starts the installed binary" \
    "$(grep ^ExecStart= "$D$P/lib/systemd/system/mdtd.service")" "^ExecStart=$P/sbin/mdtd serve "
check_eq "man finds the installed pages" \
    "$(MANPATH=$D$P/share/man man -w mdtd.conf mdtd mdt 2>&1 | sed "s|^$D$P/||" | tr '\n' ' ')" \
    "share/man/man5/mdtd.conf.5 share/man/man8/mdtd.8 share/man/man1/mdt.1 "
"$D$P/sbin/mdtd" serve --config "$D$P/share/doc/mdtd/mdtd.conf.example" --check >"$T/out" 2>&1
check_eq "the example configuration is valid (mdtd serve --check)" "$(cat "$T/out")" "configuration OK"

# The completion script completes groups and commands with the installed mdt.
comp() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mdt; echo "${COMPREPLY[*]}"' \
        _ "$D$P/share/bash-completion/completions/mdt" "$D$P/bin/mdt" "$@"
}
check_eq "completion: groups" "$(comp or)" org
check_match "completion: commands of a group" "$(comp org "")" '(^| )create( .*)? list( |$)'

# Another prefix: the unit follows it.
check "make install PREFIX=/opt/mdtd" inst install PREFIX=/opt/mdtd DESTDIR="$T/opt"
check_match "the unit follows PREFIX" "$(grep ^ExecStart= "$T/opt/opt/mdtd/lib/systemd/system/mdtd.service")" \
    '^ExecStart=/opt/mdtd/sbin/mdtd serve '

check "make uninstall" inst uninstall PREFIX=$P DESTDIR="$D"
check_eq "uninstall leaves only what was there before" "$(cd "$D$P" && find . -type f)" "./bin/someone-elses"
check_eq "our own directories are gone" \
    "$(ls -d "$D$P/share/doc/mdtd" "$D$P/share/mdtd" 2>/dev/null)" ""
check "uninstall twice is harmless" inst uninstall PREFIX=$P DESTDIR="$D"
