#!/usr/bin/env bash
# HTTPS with HTTP/2 when tls_cert and tls_key are set, with a self-signed
# certificate made here.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
start_mdtd "tls_cert = $T/cert.pem" "tls_key = $T/key.pem"
MDT_URL=${MDT_URL/http:/https:}
ver=$(curl -sk --http2 -o "$T/body" -w '%{http_version} %{http_code}' "$MDT_URL/v1/health")
check_eq "HTTP/2 over TLS" "$ver" "2 200"
check_match "health over TLS" "$(cat "$T/body")" '"status":"ok"'
ver=$(curl -sk --http1.1 -o /dev/null -w '%{http_version} %{http_code}' -H "Authorization: Bearer $MDT_TOKEN" "$MDT_URL/v1/orgs")
check_eq "HTTP/1.1 over TLS too" "$ver" "1.1 200"
st=$(curl -sk --http2 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $MDT_TOKEN" \
    -H 'Content-Type: application/json' --data-binary '{"name": "TLS PCN"}' "$MDT_URL/v1/pcns")
check_eq "a write over HTTP/2" "$st" 201
check_fails "plain HTTP is not served on the TLS port" curl -sf --max-time 3 "${MDT_URL/https:/http:}/v1/health"
printf 'tls_cert = %s\ntls_key = %s\n' "$T/none.pem" "$T/key.pem" >"$T/bad.conf"
check_fails "a missing certificate stops start-up" "$MDTD" serve --config "$T/bad.conf" --db "$T/var/mdtd.db" --listen 127.0.0.1:0
check_match "and says which files" "$(cat "$T/err")" 'tls_cert/tls_key: cannot load'
