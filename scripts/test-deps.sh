#!/usr/bin/env bash
# Installs what the test suite needs beyond JDK 17, Maven, Node and redis-server (which a fresh machine has):
# Debian's Chromium for the real-browser tests, iproute2/util-linux for their loopback-only network
# namespace, coturn for the TURN credentials test, nginx and promtool for the deploy/ checks, and the npm packages of the Node-driven tests. Idempotent; non-interactive; fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
command -v ip >/dev/null || need+=(iproute2)
command -v unshare >/dev/null || need+=(util-linux)
command -v redis-server >/dev/null || need+=(redis-server)
# coturn: a real TURN server for the ICE-servers test (its turnutils_uclient is the TURN client)
command -v turnserver >/dev/null || need+=(coturn)
# nginx: the shipped deploy/nginx config runs in front of three nodes; promtool (Debian's prometheus
# package, its only source there) checks the shipped alert rules
[[ -x /usr/sbin/nginx ]] || need+=(nginx)
command -v promtool >/dev/null || need+=(prometheus)
if (( ${#need[@]} )); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "test-deps: installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # the tests start nginx and use promtool themselves: the packages' own services (nginx on port 80, a
  # Prometheus server on 9090) are not wanted where a service manager started them
  for service in nginx prometheus; do
    if [[ " ${need[*]} " == *" $service "* ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
      $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
    fi
  done
fi

for dir in tests/src/test/browser tests/src/test/grpc-node tests/src/test/tokens; do
  if [[ -f "$dir/package-lock.json" ]]; then
    echo "test-deps: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
