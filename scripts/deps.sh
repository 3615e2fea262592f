#!/bin/sh
# Installs, with apt-get, the Debian packages sessq builds and tests with, when any is missing.
# `sh scripts/deps.sh bench` also installs what `make bench` compares sessq with: yajl (the
# yardstick, never needed to build sessq) and jq.
set -eu
missing=""
have_header() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1; }
have_header csv.h || missing="$missing libcsv-dev"
have_header zlib.h || missing="$missing zlib1g-dev"
CC="${CC:-cc} -DPCRE2_CODE_UNIT_WIDTH=8" have_header pcre2.h || missing="$missing libpcre2-dev"
have_header criterion/criterion.h || missing="$missing libcriterion-dev"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
# The export and install tests read parts back with python3 and render the man page with man.
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v man >/dev/null 2>&1 || missing="$missing man-db"
# `make check` fuzzes too (fuzz/), which takes clang and its libFuzzer runtime: a tiny target must
# link. libclang-rt-14-dev matches Debian 12's clang, 14.
have_fuzzer() {
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' |
        clang -fsanitize=fuzzer,address,undefined -x c -o /dev/null - >/dev/null 2>&1
}
if ! command -v clang >/dev/null 2>&1; then
    missing="$missing clang libclang-rt-14-dev"
elif ! have_fuzzer; then
    missing="$missing libclang-rt-14-dev"
fi
# `sessq report`'s tests check the HTML with xmllint and render it in headless Chromium.
command -v xmllint >/dev/null 2>&1 || missing="$missing libxml2-utils"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
if [ "${1:-}" = bench ]; then
    have_header yajl/yajl_parse.h || missing="$missing libyajl-dev"
    command -v jq >/dev/null 2>&1 || missing="$missing jq"
fi
[ -z "$missing" ] && exit 0
echo "sessq: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing >/dev/null
