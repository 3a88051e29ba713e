#!/usr/bin/env bash
# Upgrades: a database made by the first migration only, with data in it,
# is migrated when mdtd serve (or mdtd init) starts on it, after a backup
# next to it; the data is intact and served. A new database gets no backup.
. "$(dirname "$0")/lib.sh"

# What this mdtd carries (the tree may hold newer files than the build).
mkdir -p "$T/fresh"
"$MDTD" init --db "$T/fresh/mdtd.db" >"$T/fresh/out" 2>&1
LATEST=$(sed -n 's/^database .*: schema version \([0-9]*\) .*/\1/p' "$T/fresh/out")
NMIG=$(sed -n 's/.*(\([0-9]*\) migrations applied).*/\1/p' "$T/fresh/out")
TOKEN=mdt_$(printf '%064d' 7)
HASH=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$TOKEN")

# old_db FILE: schema/0001-init.sql by hand, as the first release made it.
old_db() {
    sqlite3 "$1" <"$TOP/schema/0001-init.sql"
    sqlite3 "$1" "PRAGMA user_version = 1;
        INSERT INTO orgs (name, kind, needs, email, created_at, updated_at)
            VALUES ('Lewisham Homes', 'housing', '[\"housing\"]', 'homes@lewisham.example', 1700000000, 1700000000),
                   ('Mind, Lewisham', 'vcse', '[]', 'info@mind.example', 1700000000, 1700000000);
        INSERT INTO people (name, email, org_id, title, created_at, updated_at)
            VALUES ('Ann Smith', 'ann@mind.example', 2, 'Peer worker', 1700000000, 1700000000);
        INSERT INTO pcns (name, created_at, updated_at) VALUES ('Lewisham North', 1700000000, 1700000000);
        INSERT INTO tokens (hash, name, role, created_at) VALUES (x'$HASH', 'admin', 'admin', 1700000000);"
    chmod 600 "$1"
}
digest() { # the directory's rows, to compare before and after
    sqlite3 "$1" "SELECT name, kind, needs, email FROM orgs ORDER BY id;
                  SELECT name, email, org_id, title FROM people ORDER BY id;
                  SELECT name FROM pcns; SELECT name, role FROM tokens"
}

mkdir -p "$T/var"
DB=$T/var/mdtd.db
old_db "$DB"
check_eq "the old database is at version 1" "$(sqlite3 "$DB" 'PRAGMA user_version')" 1
before=$(digest "$DB")

printf 'listen = 127.0.0.1:0\ndb = %s\n' "$DB" >"$T/mdtd.conf"
"$MDTD" serve --config "$T/mdtd.conf" 2>"$T/mdtd.log" &
MDTD_PID=$!
for _ in $(seq 1 200); do grep -q 'ready on' "$T/mdtd.log" && break; sleep 0.05; done
port=$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/mdtd.log" | head -1)
export MDT_URL=http://127.0.0.1:$port MDT_TOKEN=$TOKEN

backups=("$DB".pre-v"$LATEST"-*)
check_eq "one backup next to the database" "${#backups[@]}" 1
bk=${backups[0]}
check_match "named FILE.pre-vN-UTC stamp" "$bk" "/mdtd\\.db\\.pre-v$LATEST-[0-9]{8}T[0-9]{6}Z\$"
check_match "the backup is logged before the first migration" \
    "$(grep -n 'backup first\|applied migration' "$T/mdtd.log" | head -1)" \
    "schema version 1, migrating to $LATEST: backup first, in $bk"
check_eq "the backup is the old database (version 1)" "$(sqlite3 "$bk" 'PRAGMA user_version')" 1
check_eq "the backup holds the old rows" "$(digest "$bk")" "$before"
check_eq "the backup passes integrity_check" "$(sqlite3 "$bk" 'PRAGMA integrity_check')" ok
check_eq "the backup is mode 0600" "$(stat -c %a "$bk")" 600
check_eq "every migration after the first was applied" \
    "$(grep -c 'applied migration' "$T/mdtd.log")" "$((NMIG - 1))"
check_eq "the database is at the latest version" "$(sqlite3 "$DB" 'PRAGMA user_version')" "$LATEST"
check_eq "the data is intact" "$(digest "$DB")" "$before"
check_status "the old token still works" 200 GET /v1/orgs
check_match "old rows are served" "$HTTP_BODY" '"name":"Mind, Lewisham"'
check_status "the old person is served" 200 GET /v1/people/ann@mind.example
check_status "and the upgraded database takes writes" 201 POST /v1/pcns \
    -H 'Content-Type: application/json' --data-binary '{"name":"Lewisham South"}'
stop_mdtd

# A second start has nothing to migrate: no second backup.
"$MDTD" serve --config "$T/mdtd.conf" 2>"$T/mdtd2.log" &
MDTD_PID=$!
for _ in $(seq 1 200); do grep -q 'ready on' "$T/mdtd2.log" && break; sleep 0.05; done
stop_mdtd
backups=("$DB".pre-v*)
check_eq "an up-to-date database is not copied again" "${#backups[@]}" 1

# The same through mdtd init.
DB2=$T/var/init.db
old_db "$DB2"
"$MDTD" init --db "$DB2" >"$T/init.out" 2>"$T/init.err"
check_eq "mdtd init upgrades too" "$(sqlite3 "$DB2" 'PRAGMA user_version')" "$LATEST"
check_match "... after a backup" "$(cat "$T/init.err")" "backup first, in $DB2\\.pre-v$LATEST-"
check_match "... and prints no new admin token (one exists)" "$(cat "$T/init.out")" 'an admin token exists already'
check_eq "... data intact" "$(digest "$DB2")" "$before"

# A new database has nothing to keep: no backup.
"$MDTD" init --db "$T/var/new.db" >/dev/null 2>"$T/new.err"
check_fails "a new database is not backed up" compgen -G "$T/var/new.db.pre-*"
