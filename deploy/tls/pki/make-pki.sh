#!/bin/sh
# The certificates of the TLS deployment, made with cfssl (Debian golang-cfssl) as in CrowdSec's
# multi-server TLS guide: root CA → intermediate CA → server, agent and bouncer certificates.
# Usage: make-pki.sh <output dir>. Also makes the certificates the LAPI must refuse (a wrong OU,
# an expired one, one no CA signed), which test/e2e/tls-reverse-proxy.test.ts uses.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
cd "$out"
cfssl gencert -initca "$src/ca.json" 2>/dev/null | cfssljson --bare ca
cfssl gencert -initca "$src/intermediate.json" 2>/dev/null | cfssljson --bare intermediate
cfssl sign -ca ca.pem -ca-key ca-key.pem -config "$src/profiles.json" -profile intermediate_ca \
  intermediate.csr 2>/dev/null | cfssljson --bare intermediate
leaf() { # <profile> <csr json>
  cfssl gencert -ca intermediate.pem -ca-key intermediate-key.pem -config "$src/profiles.json" \
    -profile "$1" "$src/$2.json" 2>/dev/null | cfssljson --bare "$2"
}
leaf server server
leaf client agent
leaf client bouncer
leaf client mssp-bouncer
leaf client wrong-ou
leaf expired_client expired
cfssl selfsign agent-unsigned "$src/unsigned.json" 2>/dev/null | cfssljson --bare unsigned
cat server.pem intermediate.pem > server-bundle.pem
cat intermediate.pem ca.pem > ca-chain.pem
