#!/bin/sh
# Usage: sh fuzz/run.sh [-q] DIR TARGET SECONDS
# Runs the libFuzzer target DIR/TARGET for SECONDS on its corpus DIR/corpus-TARGET, first seeded
# with every file of testdata/'s fixtures, cases, demo and JSONTestSuite, and fuzz/seeds/ (gzip
# members and UTF-16 that testdata has not: members are the only chunk boundaries an input under
# 256 KiB gets through in_open_buffer, and they split a token there; and inputs that once broke
# a target, such as split-*.json for fuzz_split); the inputs it finds stay
# in that corpus, never in the repository, and what it breaks on is written to DIR/TARGET-crash-*
# (or -leak-, -timeout-, -oom-). All output goes to DIR/TARGET.log, on screen too unless -q;
# either way a summary line ends it. Exits 1 on any crash, leak, hang or sanitizer report.
set -eu
quiet=
if [ "$1" = -q ]; then
    quiet=1
    shift
fi
dir=$1 target=$2 seconds=$3
corpus=$dir/corpus-$target
log=$dir/$target.log

mkdir -p "$corpus"
# Flattened names, as the same name is in several folders.
find testdata/fixtures testdata/cases testdata/demo testdata/paging testdata/jsontestsuite/test_parsing fuzz/seeds \
    -type f |
    while IFS= read -r f; do cp "$f" "$corpus/$(printf '%s' "$f" | tr / _)"; done

set -- "$dir/$target" -max_total_time="$seconds" -max_len=65536 -dict=fuzz/json.dict \
    -timeout=10 -artifact_prefix="$dir/$target-" -print_final_stats=1 "$corpus"
rm -f "$log.status"
if [ -n "$quiet" ]; then
    "$@" >"$log" 2>&1 || echo $? >"$log.status"
else
    { "$@" 2>&1 || echo $? >"$log.status"; } | tee "$log"
fi

if [ -e "$log.status" ]; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target failed (exit $(cat "$log.status")): see $log and $dir/$target-*" >&2
    rm -f "$log.status"
    exit 1
fi
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -E '^#[0-9]+.*cov:' "$log" | tail -n 1 | sed 's/.*\(cov: [0-9]* ft: [0-9]*\).*\(corp: [^ ]*\).*/\1 \2/')
echo "fuzz: $target: $runs runs in $seconds s ($speed exec/s), $cov: no crash, leak or sanitizer report"
