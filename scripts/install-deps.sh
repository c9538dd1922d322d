#!/usr/bin/env bash
# Installs the Debian packages esafe builds and tests with, only those missing,
# so `make run` and `make test` work on a fresh Debian 12 machine with no other step.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  libboost-dev libsqlite3-dev sqlite3 libpq-dev nlohmann-json3-dev libcli11-dev
  libspdlog-dev libfmt-dev libyaml-cpp-dev libsodium-dev libidn2-dev liboath-dev libzstd-dev libxlsxwriter-dev
  libhyperscan-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev
)
if [[ "${1:-}" == "--bench" ]]; then
  # The load benchmark serves on PostgreSQL too and renders a board report PDF (Chromium).
  packages+=(squidguard bc time util-linux python3 zstd postgresql-15 chromium)
fi
if [[ "${1:-}" == "--deb" || "${1:-}" == "--test" ]]; then
  # dpkg-shlibdeps (dpkg-dev) computes the package's Depends; systemd-analyze (systemd)
  # checks its units. The tests only use systemd's tools, never a running systemd.
  packages+=(dpkg-dev systemd)
fi
if [[ "${1:-}" == "--test" ]]; then
  # squid-openssl: Debian's Squid built with OpenSSL (ssl_bump, security_file_certgen);
  # it conflicts with the GnuTLS `squid`, which apt removes when it installs it.
  # nginx-light: docs/deploy/nginx-esafe.conf is run in front of serve (integration.web_tls).
  packages+=(postgresql-15 chromium squid-openssl unbound unzip python3 python3-aiosmtpd python3-yaml openssl nginx-light)
  # Node.js may come from Debian (nodejs + npm) or be preinstalled with npm inside;
  # only ask apt for it when the commands are missing.
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "esafe: installing missing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
