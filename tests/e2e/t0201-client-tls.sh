#!/usr/bin/env bash
# mdt over TLS: certificates are always verified; MDT_CA (or 'ca' in the
# config file) names the CA that signed the daemon's certificate.
. "$(dirname "$0")/lib.sh"

# A private CA and a certificate for 127.0.0.1 signed by it.
mkdir -p "$T/pki"
(
    cd "$T/pki" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
        -subj "/CN=mdt test CA" 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
        -subj "/CN=127.0.0.1" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
        -out server.pem -days 2 -extfile ext 2>/dev/null &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
        -subj "/CN=someone else" 2>/dev/null
) || { not_ok "could not make test certificates"; exit 1; }

start_mdtd "tls_cert = $T/pki/server.pem" "tls_key = $T/pki/server.key"
export MDT_URL=${MDT_URL/http:/https:}

RC=0; "$MDT" pcn list >"$T/out" 2>"$T/err" || RC=$?
check_eq "an unknown CA is refused: exit 1" "$RC" 1
check_match "an unknown CA: one line naming the certificate problem" "$(cat "$T/err")" "^mdt: cannot reach https://127\.0\.0\.1:[0-9]+: .*certificate"
RC=0; MDT_CA=$T/pki/other.pem "$MDT" pcn list >"$T/out" 2>"$T/err" || RC=$?
check_eq "the wrong CA is refused" "$RC" 1
RC=0; MDT_CA=$T/pki/ca.pem "$MDT" pcn create --name "Secure PCN" >"$T/out" 2>"$T/err" || RC=$?
check_eq "MDT_CA: the request succeeds over TLS" "$RC" 0
mkdir -p "$XDG_CONFIG_HOME/mdt"
printf 'ca = %s\n' "$T/pki/ca.pem" >"$XDG_CONFIG_HOME/mdt/config"
RC=0; "$MDT" pcn list --json >"$T/out" 2>"$T/err" || RC=$?
check_eq "'ca' in the config file" "$RC" 0
check_match "the answer came over TLS" "$(cat "$T/out")" "Secure PCN"
