#!/usr/bin/env bash
# Installs Vérif'Lien on a Debian (12+) or Ubuntu VM: a venv under /opt/veriflien, settings in
# /etc/veriflien/veriflien.toml, a secret in /etc/veriflien/secret.env, and the hardened systemd
# unit. Run from a clone of the repository, as root:
#
#   sudo deploy/install-debian.sh [--redis] [--listen 127.0.0.1:8080]
#
# --prefix DIR puts every path under DIR and --no-systemd skips systemctl and apt: the test suite
# runs every other step that way, in a temporary directory, without root.
set -euo pipefail

usage() {
  cat <<USAGE
usage: install-debian.sh [--prefix DIR] [--no-systemd] [--redis] [--listen HOST:PORT]
                         [--python PYTHON] [--pip-args ARGS]
  --prefix DIR     install under DIR (DIR/opt/veriflien, DIR/etc/veriflien, ...); default /
  --no-systemd     do not install packages, users or the unit, nor start anything
  --redis          install redis-server from Debian and point the service at it
  --listen H:P     address the service listens on (default 127.0.0.1:8080, behind a proxy)
  --python PYTHON  interpreter for the venv (default python3, 3.11 or later)
  --pip-args ARGS  extra arguments for pip (e.g. "--no-index --find-links /srv/wheels")
USAGE
}

PREFIX=""
SYSTEMD=1
REDIS=0
LISTEN="127.0.0.1:8080"
PYTHON="python3"
PIP_ARGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2%/}"; shift 2 ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --redis) REDIS=1; shift ;;
    --listen) LISTEN="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    --pip-args) PIP_ARGS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

SRC="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$PREFIX/opt/veriflien"
ETC="$PREFIX/etc/veriflien"
UNIT_DIR="$PREFIX/etc/systemd/system"
HOST="${LISTEN%:*}"
PORT="${LISTEN##*:}"

step() { printf '==> %s\n' "$*"; }

if [ "$SYSTEMD" = 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "run as root (or use --prefix DIR --no-systemd)" >&2; exit 1; }
  step "Debian packages"
  packages=(python3 python3-venv)
  if [ "$REDIS" = 1 ]; then packages+=(redis-server); fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python 3.11 or later is needed ($PYTHON is older)" >&2; exit 1; }

step "venv in $VENV"
"$PYTHON" -m venv "$VENV"
# Same install as the README and the Makefile: `pip install .` from the clone.
# shellcheck disable=SC2086  # PIP_ARGS is a list of words on purpose
"$VENV/bin/pip" install --quiet --disable-pip-version-check $PIP_ARGS "$SRC"
cp "$SRC/deploy/README.md" "$VENV/README.md"

step "settings in $ETC"
install -d -m 0755 "$ETC"
if [ ! -e "$ETC/veriflien.toml" ]; then
  redis_url=""
  [ "$REDIS" = 1 ] && redis_url="redis://127.0.0.1:6379/0"
  cat >"$ETC/veriflien.toml" <<TOML
# Vérif'Lien settings (the README's settings table lists them all). Environment variables
# (VERIFLIEN_*) override this file; the instance key is in secret.env, readable by root only.
host = "$HOST"
port = $PORT
# Worker processes: 0 = one per vCPU (~150 MiB each at peak; the unit's MemoryMax is 1G).
workers = 0
log_level = "info"
# Shared state (cache, rate limits). Empty: in process memory, fine for one VM.
redis_url = "$redis_url"
cache_ttl = 600.0
keys_file = "/etc/veriflien/api-keys"
# Behind Caddy or nginx on this machine: anonymous checks for the public, limited per address.
anonymous_checks = "any"
rate_limit_per_client = 20
rate_limit_per_key = 300
trusted_proxies = ["127.0.0.1/32", "::1/128"]
# Host names answered (others get 421, against DNS rebinding). Caddy passes the visitor's Host:
# add your public name, e.g. ["verif.example.org", "localhost", "127.0.0.1", "::1"].
allowed_hosts = ["localhost", "127.0.0.1", "::1"]
default_lang = "fr"
default_country = "FR"
TOML
  chmod 0644 "$ETC/veriflien.toml"
else
  echo "    keeping the existing $ETC/veriflien.toml"
fi
if [ ! -e "$ETC/secret.env" ]; then
  (umask 077; printf 'VERIFLIEN_INSTANCE_KEY=%s\n' "$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')" >"$ETC/secret.env")
fi
touch "$ETC/api-keys"
chmod 0644 "$ETC/api-keys"  # salted hashes only; the service user must read it

step "checking the settings"
# With the secret, as systemd will start it: with redis_url set, an empty key refuses to start.
(
  set -a
  # shellcheck disable=SC1091  # written above
  . "$ETC/secret.env"
  set +a
  "$VENV/bin/python" -c 'import sys; from veriflien.settings import load; load(config_file=sys.argv[1])' \
    "$ETC/veriflien.toml"
)

step "systemd unit in $UNIT_DIR"
install -d -m 0755 "$UNIT_DIR/veriflien.service.d" "$UNIT_DIR/veriflien-selftest.service.d"
install -m 0644 "$SRC/deploy/veriflien.service" "$UNIT_DIR/veriflien.service"
install -m 0644 "$SRC/deploy/veriflien-selftest.service" "$UNIT_DIR/veriflien-selftest.service"
install -m 0644 "$SRC/deploy/veriflien-selftest.timer" "$UNIT_DIR/veriflien-selftest.timer"
# The unit denies private destinations; the resolvers in resolv.conf are often on one (cloud
# VPC resolvers, a home router), so they are allowed by name here.
resolvers="$(awk '/^nameserver/ {print $2}' /etc/resolv.conf 2>/dev/null | tr '\n' ' ')"
{
  echo "# Written by install-debian.sh: this machine's DNS resolvers (see veriflien.service)."
  echo "[Service]"
  if [ -n "${resolvers// /}" ]; then echo "IPAddressAllow=${resolvers% }"; fi
} >"$UNIT_DIR/veriflien.service.d/network.conf"
# The unit forbids executing anything outside a short list (NoExecPaths=/); the interpreter this
# venv runs on must be on it, wherever that Python lives.
interpreter="$(readlink -f "$VENV/bin/python")"
{
  echo "# Written by install-debian.sh: the Python the service runs on (see veriflien.service)."
  echo "[Service]"
  echo "ExecPaths=$interpreter"
} >"$UNIT_DIR/veriflien.service.d/exec.conf"
cp "$UNIT_DIR/veriflien.service.d/network.conf" "$UNIT_DIR/veriflien.service.d/exec.conf" \
  "$UNIT_DIR/veriflien-selftest.service.d/"

if [ "$SYSTEMD" = 1 ]; then
  step "starting"
  if [ "$REDIS" = 1 ]; then systemctl enable --now redis-server; fi
  systemctl daemon-reload
  systemctl enable --now veriflien
  systemctl enable --now veriflien-selftest.timer   # daily self-test (see README)
  systemctl --no-pager --lines=0 status veriflien || true
fi

cat <<DONE
Installed. Next:
  - an API key:   sudo VERIFLIEN_KEYS_FILE=$ETC/api-keys $VENV/bin/veriflien keys add NAME
  - HTTPS:        put Caddy in front (deploy/README.md, "Debian VM")
  - health:       curl -s http://$LISTEN/readyz
DONE
