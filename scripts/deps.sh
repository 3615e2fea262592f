#!/bin/sh
# Installs, with apt-get, the Debian packages sessq builds and tests with, when any is missing.
set -eu
missing=""
have_header() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1; }
have_header csv.h || missing="$missing libcsv-dev"
have_header zlib.h || missing="$missing zlib1g-dev"
CC="${CC:-cc} -DPCRE2_CODE_UNIT_WIDTH=8" have_header pcre2.h || missing="$missing libpcre2-dev"
have_header criterion/criterion.h || missing="$missing libcriterion-dev"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
[ -z "$missing" ] && exit 0
echo "sessq: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing >/dev/null
