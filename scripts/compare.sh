#!/bin/sh
# Usage: BUILD=build sh scripts/compare.sh [-n RUNS] OLD_SESSQ NEW_SESSQ SESSQ_ARGUMENTS...
#
# Times two builds of sessq on the same arguments, their runs taken in turn (old, new, old,
# new...) so that a busy spell of the machine weighs on both alike, and prints for each the
# median, first quartile and fastest wall time of RUNS runs (default 21): the "interleaved
# medians" of the README and of commit messages. One run of each comes first, untimed, to fill
# the page cache. Needs $BUILD/bench/timeit, which `make bench` builds. Exits 64 on bad usage,
# 69 without timeit, and with the status of a run that fails.
set -eu

BUILD=${BUILD:-build}
runs=21
usage="usage: sh scripts/compare.sh [-n RUNS] OLD_SESSQ NEW_SESSQ SESSQ_ARGUMENTS..."
if [ "${1:-}" = -n ]; then
    [ $# -ge 2 ] || {
        echo "$usage" >&2
        exit 64
    }
    runs=$2
    shift 2
fi
case $runs in
'' | *[!0-9]* | 0)
    echo "compare: -n wants a number of at least 1, not '$runs'" >&2
    exit 64
    ;;
esac
if [ $# -lt 3 ]; then
    echo "$usage" >&2
    exit 64
fi
old=$1 new=$2
shift 2
timeit=$BUILD/bench/timeit
if [ ! -x "$timeit" ]; then
    echo "compare: $timeit is missing: run make $timeit" >&2
    exit 69
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$old" "$@" >/dev/null
"$new" "$@" >/dev/null
i=0
while [ "$i" -lt "$runs" ]; do
    "$timeit" -o "$dir/old" "$old" "$@" >/dev/null
    "$timeit" -o "$dir/new" "$new" "$@" >/dev/null
    i=$((i + 1))
done

# The wall times (first field of timeit's lines) sorted, then the median (the mean of the two
# middle ones for an even count), the first quartile and the fastest, in milliseconds.
for which in old new; do
    binary=$old
    [ "$which" = old ] || binary=$new
    cut -d' ' -f1 "$dir/$which" | sort -n | awk -v name="$which ($binary)" '
        { w[NR] = $1 * 1000 }
        END {
            median = NR % 2 ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
            q1 = w[int((NR + 3) / 4)]
            printf "%s: median %.1f ms, first quartile %.1f ms, fastest %.1f ms, %d runs\n",
                name, median, q1, w[1], NR
        }'
done
