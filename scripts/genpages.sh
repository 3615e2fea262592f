#!/bin/sh
# Usage: sh scripts/genpages.sh [OPTIONS] DIR
#
# Writes a folder of page files as a support engineer receives them: one response per page of
# the session collection (NAME-offset-N.json), made by bench/gendump.c, then damaged on purpose
# with the options below, to try `sessq check` on. The same options give the same bytes.
#
#   --sessions N        sessions in the whole collection (default 1000)
#   --page-size N       sessions per page, the limit of each request (default 100)
#   --shape S           v6-restore (default), v6-retrieval or azure (Azure pages carry
#                       totalCount, so a missing last page shows)
#   --seed S            another collection of the same size
#   --pretty            pretty-printed as the documentation shows responses
#   --drop OFFSET       leave out the page at OFFSET (repeatable)
#   --duplicate OFFSET  save the page at OFFSET a second time, as NAME-offset-N (1).json, the
#                       name a browser gives a file downloaded twice (repeatable)
#   --overlap OFFSET    add a page of --page-size sessions starting at OFFSET, which should not
#                       be a multiple of the page size (repeatable)
#   --gzip              gzip every page (NAME-offset-N.json.gz)
#
# The generator is $GENDUMP, else build/bench/gendump (built with make when missing). DIR must
# not exist yet.
set -eu

die() {
    echo "genpages: $*" >&2
    exit 64
}

number() {
    case $2 in
    '' | *[!0-9]*) die "$1 takes a whole number, not '$2'" ;;
    esac
}

sessions=1000 size=100 shape=v6-restore seed=1 pretty='' gzip=0
drops='' duplicates='' overlaps=''
while [ $# -gt 1 ]; do
    case $1 in
    --sessions | --page-size | --seed | --drop | --duplicate | --overlap)
        number "$1" "$2"
        case $1 in
        --sessions) sessions=$2 ;;
        --page-size) size=$2 ;;
        --seed) seed=$2 ;;
        --drop) drops="$drops $2" ;;
        --duplicate) duplicates="$duplicates $2" ;;
        --overlap) overlaps="$overlaps $2" ;;
        esac
        shift 2
        ;;
    --shape)
        case $2 in
        v6-restore | v6-retrieval | azure) shape=$2 ;;
        *) die "--shape is v6-restore, v6-retrieval or azure, not '$2'" ;;
        esac
        shift 2
        ;;
    --pretty)
        pretty=--pretty
        shift
        ;;
    --gzip)
        gzip=1
        shift
        ;;
    *) die "unknown option '$1' (see the top of $0)" ;;
    esac
done
[ $# -eq 1 ] || die "usage: sh $0 [OPTIONS] DIR"
dir=$1
[ "$size" -gt 0 ] || die "--page-size must be at least 1"
[ ! -e "$dir" ] || die "$dir exists already"

gendump=${GENDUMP:-build/bench/gendump}
if [ ! -x "$gendump" ]; then
    make -s "$gendump" >&2 || die "cannot build $gendump"
fi
case $shape in
azure) prefix=jobsessions ;;
v6-retrieval) prefix=dataretrievalsessions ;;
*) prefix=restoresessions ;;
esac

"$gendump" --shape "$shape" --sessions "$sessions" --seed "$seed" $pretty --pages "$size" "$dir"

page() {
    file="$dir/$prefix-offset-$1.json"
    [ -e "$file" ] || die "there is no page at offset $1 (pages start at multiples of $size)"
}

for offset in $overlaps; do
    [ "$offset" -lt "$sessions" ] || die "--overlap $offset is past the last session"
    scratch="$dir.overlap"
    rm -rf "$scratch"
    "$gendump" --shape "$shape" --sessions "$sessions" --seed "$seed" $pretty --pages "$size" \
        "$scratch" --first "$offset"
    mv "$scratch/$prefix-offset-$offset.json" "$dir/"
    rm -rf "$scratch"
done
for offset in $duplicates; do
    page "$offset"
    cp "$file" "$dir/$prefix-offset-$offset (1).json"
done
for offset in $drops; do
    page "$offset"
    rm "$file"
done
if [ "$gzip" = 1 ]; then
    for file in "$dir"/*.json; do
        gzip -n "$file"
    done
fi
