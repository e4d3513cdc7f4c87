#!/usr/bin/env bash
# Setup on a fresh Debian/Ubuntu machine: installs what the build links and the tests drive,
# only what is missing. `.ci/run` starts with it; the README's setup is this and a build.
set -euo pipefail

# System packages: readline for the REPL, tmux for the REPL's terminal tests, python3 for the
# conformance runner and the example generators, mosquitto and its clients for the message-bus
# tests (Debian puts the broker in /usr/sbin), SQLite's headers and library for the SQLite sink,
# librdkafka's headers and library for the Kafka source and sink, kcat to look at topics by hand,
# and pip when the Kafka tests' broker (noida-db, from PyPI) must be installed.
# Installed only when missing.
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ -e /usr/include/readline/readline.h ] || missing+=(libreadline-dev)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || missing+=(mosquitto-clients)
[ -e /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
[ -e /usr/include/librdkafka/rdkafka.h ] || missing+=(librdkafka-dev)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
if ! python3 -c 'import noida_db' >/dev/null 2>&1 && ! python3 -m pip --version >/dev/null 2>&1; then
  missing+=(python3-pip)
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y "${missing[@]}"
fi
# The Kafka tests' broker: the noida-db binary from PyPI (an externally managed Debian Python
# needs --break-system-packages for a user-wide install).
if ! python3 -c 'import noida_db' >/dev/null 2>&1; then
  python3 -m pip install --user noida-db==0.2.3 \
    || python3 -m pip install --user --break-system-packages noida-db==0.2.3 \
    || python3 -m pip install noida-db==0.2.3
fi
