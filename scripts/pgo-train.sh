#!/bin/sh
# Usage: sh scripts/pgo-train.sh SESSQ GENDUMP DIR
#
# The training run of the profile-guided build (the Makefile's PGO): runs SESSQ, built with
# -fprofile-generate, over dumps that GENDUMP writes into DIR, so that the profile it leaves
# weighs each branch as real dumps do. Every shape, pretty and compact, gzip and page files, and
# the commands support engineers run most. The seed and sizes differ from `make bench`'s dumps:
# the profile is of the kind of data, not of the benchmark's bytes. Any failure stops the build.
set -eu

sessq=$1
gendump=$2
dir=$3
rm -rf "$dir"
mkdir -p "$dir"

run() {
    "$sessq" "$@" >/dev/null
}

# v6 restore sessions, the most common dumps, weigh most.
for shape in v6-restore v6-retrieval v5 azure; do
    n=3000
    [ "$shape" = v6-restore ] && n=20000
    "$gendump" --seed 7 --sessions $n --shape "$shape" --pretty >"$dir/$shape-pretty.json"
    "$gendump" --seed 8 --sessions $n --shape "$shape" >"$dir/$shape-compact.json"
done
"$gendump" --seed 9 --sessions 4000 --shape v6-restore --pages 500 "$dir/pages"
gzip -c "$dir/v6-restore-pretty.json" >"$dir/v6-restore-pretty.json.gz"

for f in "$dir"/*.json "$dir/v6-restore-pretty.json.gz" "$dir/pages"; do
    run stats --by status -q -j 1 "$f"
done
# Two threads whatever the machine has, and one input read by two: the reader's split and the
# merge of its log.
SESSQ_SPLIT=64K run stats --by status -q -j 2 "$dir/v6-restore-pretty.json"
run stats --by status -q -j 2 "$dir/pages"
run stats --by source,type -q "$dir/v5-compact.json" "$dir/azure-compact.json"
run list -q -f ndjson "$dir/v6-restore-compact.json"
run list -q -f csv "$dir/v6-retrieval-pretty.json"
run list -q --where 'status == "Failed"' "$dir/v6-restore-pretty.json"
run check -q "$dir/pages"
