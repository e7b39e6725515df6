#!/usr/bin/env bash
# Installs the Debian packages of the commands a benchmark needs, those missing only.
#   bench/need.sh wrk=wrk h2load=nghttp2-client
set -euo pipefail
missing=()
for pair in "$@"; do
  cmd=${pair%%=*}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${pair#*=}")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
