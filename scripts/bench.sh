#!/bin/sh
# Usage: BUILD=build BENCH_RUNS=5 BENCH_BIG=0 sh scripts/bench.sh (what `make bench` runs, once
# $BUILD/sessq and the tools of bench/ are built).
#
# Times sessq on generated VB365 v6 restore-session dumps (128,000 sessions: pretty-printed,
# compact, gzip, a folder of 128 pages) beside a yardstick, yajl's streaming SAX parser counting
# result values and doing nothing else (on the pretty dump, and on the compact one for the
# compact rows), and beside jq and the floors of reading (cat) and of inflating (zcat); two
# sessq -j 1 at once on half of the pages each, what two cores give to work divided perfectly
# (beside -j 2); and the pretty dump again, each run after a pause, as a single run meets the
# memory. Two probes of the machine itself: two yajl counts at once (the cores, on work without
# fresh memory), and bench/fresh making as much memory present as the table takes, back to
# back, two at once and after a pause (the host's supply of memory). The dumps are generated once into $BUILD/bench/data and kept. Each command runs once
# to fill the page cache, then BENCH_RUNS times, each run right after one of the yardstick, so
# that load from other processes weighs on both alike. BENCH_BIG=1 adds a 10 times larger dump,
# to show whether time grows linearly with size. Prints a table and writes it, in Markdown, to
# $BUILD/bench/results.md.
set -eu

BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-5}
BIG=${BENCH_BIG:-0}
SESSIONS=128000
PAUSE=3 # seconds of idle before each run of the rows that show a single run's memory
# For `sh -c "$TWICE_AT_ONCE" PROGRAM ARGUMENT`: two runs of PROGRAM ARGUMENT at once.
# shellcheck disable=SC2016 # expanded by the inner shell
TWICE_AT_ONCE='"$0" "$1" >/dev/null & first=$!; "$0" "$1" >/dev/null && wait "$first"'
FRESH_MIB=48 # about what the table of SESSIONS sessions takes (peak RSS of stats -j 1)
bench=$BUILD/bench
data=$bench/data
sessq=$BUILD/sessq
samples=$bench/samples
rows=$bench/rows.tsv
notes=$bench/notes.txt
JQ_PROGRAM='[.results[] | .result] | group_by(.) | map({(.[0]): length}) | add'

case $RUNS in
'' | *[!0-9]* | 0)
    echo "bench: BENCH_RUNS must be a number of at least 1, not '$RUNS'" >&2
    exit 64
    ;;
esac

# Writes FILE with gendump ARGS unless it is there already; through a temporary name, so that
# an interrupted run leaves no half dump to be taken for a whole one next time.
generate() {
    file=$1
    shift
    [ -e "$file" ] && return 0
    echo "bench: generating $file" >&2
    "$bench/gendump" "$@" >"$file.tmp"
    mv "$file.tmp" "$file"
}

generate_pages() {
    dir=$1
    shift
    [ -d "$dir" ] && return 0
    echo "bench: generating $dir/" >&2
    rm -rf "$dir.tmp"
    "$bench/gendump" "$@" --pages 1000 "$dir.tmp"
    mv "$dir.tmp" "$dir"
}

# Two folders of links to the first and the second half of a folder's files: what two
# processes read at once to show what two cores give to work divided perfectly. Made under
# temporary names, as the dumps are.
generate_halves() {
    dir=$1
    [ -d "$dir.half1" ] && [ -d "$dir.half2" ] && return 0
    echo "bench: linking the halves of $dir/" >&2
    rm -rf "$dir.half1" "$dir.half2" "$dir.half1.tmp" "$dir.half2.tmp"
    mkdir "$dir.half1.tmp" "$dir.half2.tmp"
    find "$(cd "$dir" && pwd)" -type f | sort |
        awk '{ file[NR] = $0 }
             END { for (i = 1; i <= NR; i++) print (i <= NR / 2 ? 1 : 2), file[i] }' |
        while read -r half file; do
            ln -s "$file" "$dir.half$half.tmp/"
        done
    mv "$dir.half1.tmp" "$dir.half1"
    mv "$dir.half2.tmp" "$dir.half2"
}

generate_gzip() {
    [ -e "$1.gz" ] && return 0
    echo "bench: generating $1.gz" >&2
    gzip -c "$1" >"$1.gz.tmp"
    mv "$1.gz.tmp" "$1.gz"
}

# The JSON bytes a command reads: a folder's files added up.
json_bytes() {
    if [ -d "$1" ]; then
        find "$1" -type f -exec cat {} + | wc -c
    else
        wc -c <"$1"
    fi
}

# BYTES in decimal megabytes, as the MB/s column counts them.
mb() {
    awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'
}

note() {
    printf '%s\n' "$*" >>"$notes"
}

# sample FILE CMD...: appends "wall cpu peak_rss_kib" of one run of CMD to FILE; the output
# goes nowhere. (Variables are global in sh: no function here sets one its caller still needs.)
sample() {
    "$bench/timeit" -o "$@" >/dev/null
}

# bench_row LABEL INPUT BYTES REFERENCE CMD...: one warm-up run, then RUNS runs of CMD, each
# after a run of the yardstick on REFERENCE. A command that fails is left out with a note; when
# it is sessq, the whole run fails at the end (jq's or DuckDB's failure is theirs, not ours).
row=0
failed=0
idle=0 # seconds to wait before each timed run (see the idle row)
bench_row() {
    label=$1 input=$2 bytes=$3 reference=$4
    shift 4
    row=$((row + 1))
    status=0
    "$@" >/dev/null || status=$?
    if [ "$status" -ne 0 ]; then
        note "$label on $input failed (exit status $status): left out."
        case $label in sessq*) failed=1 ;; esac
        return 0
    fi
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        [ "$idle" -eq 0 ] || sleep "$idle"
        sample "$samples/$row.ref" "$bench/yajl_count" "$reference"
        sample "$samples/$row.cmd" "$@"
        i=$((i + 1))
    done
    printf '%s\t%s\t%s\t%s\n' "$label" "$input" "$bytes" "$row" >>"$rows"
}

# The yardstick's own row: RUNS runs of it alone; its ratio is 1 by definition.
reference_row() {
    input=$1 bytes=$2 dump=$3
    row=$((row + 1))
    "$bench/yajl_count" "$dump" >/dev/null
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        sample "$samples/$row.cmd" "$bench/yajl_count" "$dump"
        i=$((i + 1))
    done
    cp "$samples/$row.cmd" "$samples/$row.ref"
    printf '%s\t%s\t%s\t%s\n' "yajl_count (yardstick)" "$input" "$bytes" "$row" >>"$rows"
}

loadavg() {
    cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown
}

# The rows, medians worked out: label, input, median wall, median CPU, MB/s, peak RSS (MiB),
# ratio to the yardstick; and a note for each row whose runs spread widely.
summarize() {
    while IFS="$(printf '\t')" read -r label input bytes n; do
        awk -v label="$label" -v input="$input" -v bytes="$bytes" \
            -v cmd="$samples/$n.cmd" -v ref="$samples/$n.ref" -v notes="$notes" '
            function load(file, w, c, r,    n, f, line) {
                n = 0
                while ((getline line < file) > 0) {
                    split(line, f, " ")
                    n++
                    w[n] = f[1]; c[n] = f[2]; r[n] = f[3]
                }
                close(file)
                return n
            }
            # Sorts a[1..n] in place: the callers read the smallest and largest from it after.
            function median(a, n,    i, j, t) {
                for (i = 2; i <= n; i++)
                    for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                        t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
                    }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            }
            BEGIN {
                n = load(cmd, w, c, r)
                load(ref, rw, rc, rr)
                peak = 0
                for (i = 1; i <= n; i++) if (r[i] + 0 > peak) peak = r[i] + 0
                wall = median(w, n)
                printf "%s\t%s\t%.3f\t%.3f\t%.0f\t%.1f\t%.2f\n", label, input, wall,
                    median(c, n), bytes / wall / 1e6, peak / 1024, wall / median(rw, n)
                if (w[n] > 1.25 * w[1])
                    printf "%s on %s: runs from %.3f s to %.3f s (noisy).\n", label, input,
                        w[1], w[n] >> notes
            }'
    done <"$rows"
}

HEADER='command	input	median wall (s)	median CPU (s)	MB/s	peak RSS (MiB)	ratio to yajl'

# An aligned text table of tab-separated lines, the first being the header; the first two
# columns left-aligned, the numbers right-aligned.
print_text() {
    awk -F '\t' '
        {
            for (i = 1; i <= NF; i++) {
                cell[NR, i] = $i
                if (length($i) > width[i]) width[i] = length($i)
            }
        }
        END {
            for (r = 1; r <= NR; r++) {
                line = ""
                for (i = 1; i <= 7; i++)
                    line = line sprintf("%" (i <= 2 ? "-" : "") width[i] "s  ", cell[r, i])
                sub(/ +$/, "", line)
                print line
            }
        }'
}

print_markdown() {
    awk -F '\t' '
        {
            line = "|"
            for (i = 1; i <= NF; i++) line = line " " $i " |"
            print line
            if (NR == 1) print "|---|---|--:|--:|--:|--:|--:|"
        }'
}

# The -j 2 row beside what two cores gave the same work divided perfectly: -j 1's time over
# that of two -j 1 at once, each reading half of the files.
halves_note() {
    awk -F '\t' -v one="$1" -v two="$2" -v halves="$3" '
        $1 == one && $2 == "128 pages" { t1 = $3 }
        $1 == two && $2 == "128 pages" { t2 = $3 }
        $1 == halves { th = $3 }
        END {
            if (t1 && t2 && th)
                printf "Two cores on work divided perfectly: two -j 1 at once, each on half of " \
                    "the 128 pages, took %.3f s against %.3f s for one on all, %.2f times " \
                    "faster; -j 2 was %.2f times faster than -j 1.\n", th, t1, t1 / th, t1 / t2
        }'
}

# What the machine itself gives: the two cores on work that needs no fresh memory, and fresh
# memory on its own.
machine_note() {
    awk -F '\t' -v pair="$1" -v fresh="$2" -v fresh_pair="$3" -v fresh_idle="$4" -v idle="$5" \
        -v mib="$6" '
        $1 == "yajl_count (yardstick)" && $2 == "pretty" { one = $3 }
        $1 == pair { two = $3 }
        $1 == fresh { back = $3 }
        $1 == fresh_pair { both = $3 }
        $1 == fresh_idle { after = $3 }
        END {
            if (one && two)
                printf "Two cores on work that needs no fresh memory: two yajl_count at once, " \
                    "each on the whole pretty dump, took %.3f s against %.3f s for one alone, " \
                    "%.2f times the work per second.\n", two, one, 2 * one / two
            if (back && both && after)
                printf "Fresh memory alone: making %d MiB present as the table does (bench/fresh) " \
                    "took %.1f ms back to back, %.1f ms for two processes at once, and %.1f ms " \
                    "after %d s idle.\n", mib, back * 1000, both * 1000, after * 1000, idle
        }'
}

# Big over small median times for the commands timed on both: linear when they grow as the
# bytes do. CPU time too, which waiting for a busy core does not blur.
linearity() {
    awk -F '\t' -v big="$1" -v ratio="$2" '
        $2 == "pretty" { wall[$1] = $3; cpu[$1] = $4 }
        $2 == big && ($1 in wall) {
            printf "Linearity, %s: on %s, %.1f times the wall time and %.1f times the CPU time " \
                "of pretty, for %.1f times the bytes.\n", $1, big, $3 / wall[$1], $4 / cpu[$1], ratio
        }'
}

started=$(date +%s)
mkdir -p "$data"
rm -rf "$samples"
mkdir -p "$samples"
: >"$rows"
: >"$notes"
load_before=$(loadavg)

pretty=$data/v6-restore-$SESSIONS-pretty.json
compact=$data/v6-restore-$SESSIONS-compact.json
pages=$data/v6-restore-$SESSIONS-pages
generate "$pretty" --sessions "$SESSIONS" --pretty
generate "$compact" --sessions "$SESSIONS"
generate_gzip "$pretty"
generate_pages "$pages" --sessions "$SESSIONS" --pretty
generate_halves "$pages"
pretty_bytes=$(json_bytes "$pretty")
compact_bytes=$(json_bytes "$compact")
pages_bytes=$(json_bytes "$pages")
gzip_bytes=$(json_bytes "$pretty.gz")

stats="sessq stats --by status -f csv"
echo "bench: timing, $RUNS runs per command" >&2
reference_row pretty "$pretty_bytes" "$pretty"
bench_row "$stats" pretty "$pretty_bytes" "$pretty" \
    "$sessq" stats --by status -f csv "$pretty"
bench_row "$stats -j 1" pretty "$pretty_bytes" "$pretty" \
    "$sessq" stats --by status -f csv -j 1 "$pretty"
# Compact input beside yajl on the same bytes: its own yardstick, with less whitespace to skip.
reference_row compact "$compact_bytes" "$compact"
bench_row "$stats" compact "$compact_bytes" "$compact" \
    "$sessq" stats --by status -f csv "$compact"
bench_row "$stats -j 1" compact "$compact_bytes" "$compact" \
    "$sessq" stats --by status -f csv -j 1 "$compact"
bench_row "$stats" pretty.gz "$pretty_bytes" "$pretty" \
    "$sessq" stats --by status -f csv "$pretty.gz"
bench_row "$stats" "128 pages" "$pages_bytes" "$pretty" \
    "$sessq" stats --by status -f csv "$pages"
if "$sessq" stats --help | grep -Eq -- '(^|[[:space:],])-j([[:space:],]|$)'; then
    for j in 1 2; do
        bench_row "$stats -j $j" "128 pages" "$pages_bytes" "$pretty" \
            "$sessq" stats --by status -f csv -j "$j" "$pages"
    done
    halves="two of $stats -j 1 at once"
    # Each half misses the other's pages, which sessq notes on standard error: expected here.
    # shellcheck disable=SC2016 # expanded by the inner shell
    bench_row "$halves" "64 + 64 pages" "$pages_bytes" "$pretty" \
        sh -c '"$0" stats --by status -f csv -j 1 "$1" 2>/dev/null & first=$!
               "$0" stats --by status -f csv -j 1 "$2" 2>/dev/null && wait "$first"' \
        "$sessq" "$pages.half1" "$pages.half2"
else
    note "sessq stats -j: not in 'sessq stats --help' yet, so no -j 1 and -j 2 rows."
fi
# What the two cores give work that needs no fresh memory: the yardstick twice at once, each on
# the whole dump (a ratio of 1 is twice the work in the same time).
cpu_pair="two of yajl_count at once"
bench_row "$cpu_pair" "pretty, twice" "$((2 * pretty_bytes))" "$pretty" \
    sh -c "$TWICE_AT_ONCE" "$bench/yajl_count" "$pretty"
# What memory costs by itself: as much as the table of the dump's sessions takes, got as the
# table gets it, back to back, two at once, and after a pause.
fresh="fresh (${FRESH_MIB} MiB made present)"
fresh_pair="two of $fresh at once"
fresh_idle="$fresh, each run after ${PAUSE} s idle"
fresh_bytes=$((FRESH_MIB * 1048576))
bench_row "$fresh" memory "$fresh_bytes" "$pretty" "$bench/fresh" "$FRESH_MIB"
bench_row "$fresh_pair" "memory, twice" "$((2 * fresh_bytes))" "$pretty" \
    sh -c "$TWICE_AT_ONCE" "$bench/fresh" "$FRESH_MIB"
# Memory a process frees goes back to the host of this VM within seconds, and the next process
# to touch it waits for the host to supply it afresh: back-to-back runs, as above, reuse what
# the run before freed, while a run after a pause, as a user's mostly is, pays for every page.
idle=$PAUSE
bench_row "$stats, each run after ${idle} s idle" pretty "$pretty_bytes" "$pretty" \
    "$sessq" stats --by status -f csv "$pretty"
bench_row "$fresh_idle" memory "$fresh_bytes" "$pretty" \
    "$bench/fresh" "$FRESH_MIB"
idle=0
bench_row "sessq list -f ndjson" pretty "$pretty_bytes" "$pretty" "$sessq" list -f ndjson "$pretty"
bench_row "sessq list -f csv" pretty "$pretty_bytes" "$pretty" "$sessq" list -f csv "$pretty"
if command -v jq >/dev/null 2>&1; then
    bench_row "jq (group_by result)" pretty "$pretty_bytes" "$pretty" jq "$JQ_PROGRAM" "$pretty"
    note "jq runs: jq '$JQ_PROGRAM'"
else
    note "jq: not installed ('sh scripts/deps.sh bench' installs it), so no jq row."
fi
if command -v duckdb >/dev/null 2>&1; then
    sql="SELECT r.result, count(*) FROM (SELECT unnest(results) AS r FROM read_json('$pretty', \
maximum_object_size = 2000000000)) GROUP BY 1"
    bench_row "duckdb (group by result)" pretty "$pretty_bytes" "$pretty" duckdb -c "$sql"
    note "duckdb runs: duckdb -c \"$sql\""
else
    note "duckdb: not installed (Debian does not package it), so no DuckDB row."
fi
bench_row "zcat (the zlib floor)" pretty.gz "$pretty_bytes" "$pretty" zcat "$pretty.gz"
bench_row "cat (the read floor)" pretty "$pretty_bytes" "$pretty" cat "$pretty"

sizes="pretty $(mb "$pretty_bytes"), compact $(mb "$compact_bytes"), pretty.gz $(mb "$gzip_bytes"), \
128 pages of 1,000 (pretty)"
if [ "$BIG" = 1 ]; then
    big=$data/v6-restore-$((SESSIONS * 10))-pretty.json
    generate "$big" --sessions $((SESSIONS * 10)) --pretty
    big_bytes=$(json_bytes "$big")
    sizes="$sizes, big pretty $(mb "$big_bytes")"
    reference_row "big pretty" "$big_bytes" "$big"
    bench_row "$stats" "big pretty" "$big_bytes" "$big" \
        "$sessq" stats --by status -f csv "$big"
    bench_row "cat (the read floor)" "big pretty" "$big_bytes" "$big" cat "$big"
fi

table=$bench/table.tsv
{
    printf '%s\n' "$HEADER"
    summarize
} >"$table"
if [ "$BIG" = 1 ]; then
    tail -n +2 "$table" | linearity "big pretty" \
        "$(awk -v a="$big_bytes" -v b="$pretty_bytes" 'BEGIN { print a / b }')" >>"$notes"
fi

tail -n +2 "$table" | halves_note "$stats -j 1" "$stats -j 2" "${halves:-}" >>"$notes"
tail -n +2 "$table" | machine_note "$cpu_pair" "$fresh" "$fresh_pair" "$fresh_idle" "$PAUSE" "$FRESH_MIB" >>"$notes"

took=$(($(date +%s) - started))
title="sessq bench, $(date -u +%Y-%m-%dT%H:%MZ), $("$sessq" --version 2>/dev/null || echo sessq)"
about="$SESSIONS v6 restore sessions: $sizes. $RUNS timed runs of each, from the page cache. \
$(nproc) cores, load average $load_before before, $(loadavg) after. Took $took s."
legend="Median wall and CPU (user + system) time of the runs; MB/s: JSON bytes read (uncompressed \
for pretty.gz; for the fresh rows, bytes of memory made present) / median wall, in 10^6 bytes; peak RSS: the largest of the runs; ratio to yajl: \
median wall / median wall of the yardstick runs made between this command's runs, on the same \
bytes for compact (and big pretty), on pretty for the others."
{
    printf '# %s\n\n%s\n\n' "$title" "$about"
    print_markdown <"$table"
    printf '\n%s\n' "$legend"
    if [ -s "$notes" ]; then
        echo
        sed 's/^/- /' "$notes"
    fi
} >"$bench/results.md"

printf '%s\n%s\n\n' "$title" "$about"
print_text <"$table"
printf '\n%s\n' "$legend"
if [ -s "$notes" ]; then
    sed 's/^/- /' "$notes"
fi
echo "(also in $bench/results.md)"
exit "$failed"
