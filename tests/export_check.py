#!/usr/bin/env python3
"""sessq export, end to end: run from the repository root by tests/test_export.c with $SESSQ.

Reads the exported parts back with gzip, json and csv alone (as DuckDB or Spark would, with the
partition values taken from the paths) and checks them against what was written by hand here
and against `sessq list` and `sessq stats`. Exits non-zero with a message on the first failure.
"""
import csv
import fcntl
import gzip
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from decimal import Decimal

SESSQ = os.environ.get("SESSQ", "build/sessq")
DEMO = "testdata/demo"
ODD = "testdata/cases/export-odd-values.json"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def fail(msg):
    print("export_check: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def sessq(*args, expect=0):
    r = subprocess.run([SESSQ, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode != expect:
        fail("sessq %s: exit %d, wanted %d\n%s" % (" ".join(args), r.returncode, expect, r.stderr))
    return r


def files_under(d):
    out = []
    for root, dirs, names in os.walk(d):
        for n in names:
            out.append(os.path.relpath(os.path.join(root, n), d))
    return sorted(out)


def read_parts(d, fmt="ndjson"):
    """Every session in the parts under d, with the partition keys from the path, as a reader
    with hive partitioning sees them: {path: [row, ...]}."""
    parts = {}
    for rel in files_under(d):
        if rel.startswith("_sessq"):
            continue
        check(rel.endswith("." + fmt + ".gz"), "unexpected file " + rel)
        partition = {}
        for comp in rel.split("/")[:-1]:
            k, v = comp.split("=", 1)
            v = urllib.parse.unquote(v)
            partition[k] = None if v == NULL_PARTITION else v
        with gzip.open(os.path.join(d, rel), "rb") as f:
            data = f.read()  # raises on a damaged gzip stream
        if fmt == "ndjson":
            rows = [json.loads(line, parse_float=Decimal) for line in data.decode().splitlines()]
        else:
            check(b"\r\n" in data, rel + ": csv lines should end in CRLF")
            rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
        for row in rows:
            for k in partition:
                check(k not in row, "%s: partition key %s is also a column" % (rel, k))
            row.update(partition)
        parts[rel] = rows
    return parts


def all_rows(parts):
    return [r for rows in parts.values() for r in rows]


def listed(*inputs):
    out = sessq("list", "-f", "ndjson", *inputs).stdout
    return [json.loads(l, parse_float=Decimal) for l in out.splitlines()]


def month(row):
    return row["start"][:7] if row["start"] else None


def test_round_trip(tmp):
    d = os.path.join(tmp, "by-month")
    r = sessq("export", "-p", "month", "-o", d, DEMO)
    printed = r.stdout.splitlines()
    parts = read_parts(d)
    check(sorted(printed) == sorted(os.path.join(d, p) for p in parts),
          "the printed paths are not the parts: %s" % printed)
    # the demo's months, counted by hand from its files
    want = {"2017-06": 1, "2018-06": 1, "2020-02": 14, "2022-01": 8, "2022-02": 3, "2022-03": 5}
    got = {p.split("/")[0]: len(rows) for p, rows in parts.items()}
    check(got == {"month=" + m: n for m, n in want.items()}, "partitions: %s" % got)
    check(all(p.endswith("/part-0000.ndjson.gz") for p in parts), "part names: %s" % list(parts))
    rows = all_rows(parts)
    for row in rows:
        check(row["month"] == month(row), "session %s in month=%s" % (row["id"], row["month"]))
    # every session exactly once, with the values `sessq list` gives
    keyed = {(r["source"], r["id"]): r for r in rows}
    check(len(keyed) == len(rows) == 32, "%d rows, %d distinct" % (len(rows), len(keyed)))
    for want_row in listed(DEMO):
        got_row = dict(keyed[(want_row["source"], want_row["id"])])
        del got_row["month"]
        check(got_row == want_row, "session differs:\n%s\n%s" % (got_row, want_row))
        check(list(got_row) == list(want_row), "column order differs")
    manifest = open(os.path.join(d, "_sessq_manifest")).read().splitlines()
    check(manifest[0] == "sessq-export 1\tformat=ndjson\tpartition-by=month", manifest[0])
    check(len(manifest) == 33, "manifest lines: %d" % len(manifest))
    check(not os.path.exists(os.path.join(d, "_sessq_tmp")), "temporary directory left")
    return d


def test_append(tmp, d):
    before = {p: open(os.path.join(d, p), "rb").read() for p in files_under(d)}
    r = sessq("export", "-p", "month", "--append", "-o", d, DEMO)
    check(r.stdout == "", "a second run over the same inputs wrote parts: " + r.stdout)
    check("exported 0 sessions in 0 parts" in r.stderr and "(32 already there)" in r.stderr,
          r.stderr)
    after = {p: open(os.path.join(d, p), "rb").read() for p in files_under(d)}
    check(after == before, "a second run over the same inputs changed the tree")
    # new dumps: only the new sessions are written, in new parts beside the old ones
    r = sessq("export", "-p", "month", "--append", "-o", d, DEMO, ODD)
    new = sorted(r.stdout.splitlines())
    check(new == sorted([os.path.join(d, "month=%s/part-0000.ndjson.gz" % NULL_PARTITION),
                         os.path.join(d, "month=2022-05/part-0000.ndjson.gz"),
                         os.path.join(d, "month=2022-06/part-0000.ndjson.gz")]),
          "new parts: %s" % new)
    for p, data in before.items():
        check(open(os.path.join(d, p), "rb").read() == data or p == "_sessq_manifest",
              p + " was rewritten")
    rows = all_rows(read_parts(d))
    check(len(rows) == 37, "after appending: %d rows" % len(rows))
    # a session that changed since is not written twice
    changed = os.path.join(tmp, "changed.json")
    with open(ODD) as f:
        sessions = json.load(f)
    sessions[1]["state"] = "Stopped"
    sessions[1]["result"] = "Success"
    with open(changed, "w") as f:
        json.dump(sessions, f)
    r = sessq("export", "-p", "month", "--append", "-o", d, changed)
    check(r.stdout == "" and "1 session already exported has other values now" in r.stderr,
          r.stderr)
    # another partitioning or format is refused, and nothing changes
    r = sessq("export", "-p", "day", "--append", "-o", d, DEMO, expect=64)
    check("partition-by=month" in r.stderr, r.stderr)
    sessq("export", "-p", "month", "-f", "csv", "--append", "-o", d, DEMO, expect=64)
    r = sessq("export", "-p", "month", "-o", d, DEMO, expect=64)
    check("--append" in r.stderr, r.stderr)
    check(len(all_rows(read_parts(d))) == 37, "a refused run changed the tree")


def test_odd_values(tmp):
    d = os.path.join(tmp, "by-org")
    sessq("export", "--partition-by", "organization", "-o", d, ODD)
    parts = read_parts(d)
    names = sorted(p.split("/")[0] for p in parts)
    # written by hand: Hive's escaping, and null and empty text in the default partition
    check(names == ["organization=Grösse AG", "organization=%s" % NULL_PARTITION,
                    "organization=a%2Fb%3Dc%25d"], "partition names: %s" % names)
    ids = {p.split("/")[0]: [r["id"] for r in rows] for p, rows in parts.items()}
    check(ids["organization=a%2Fb%3Dc%25d"] == ["e1", "e5\tx"], ids)
    check(ids["organization=" + NULL_PARTITION] == ["e2", "e3"], ids)
    manifest = open(os.path.join(d, "_sessq_manifest")).read()
    check("vb365-restore\te5%09x\t" in manifest, "the id's tab is not escaped in the manifest")
    # a partition that has parts gets the next number
    more = os.path.join(tmp, "more.json")
    with open(more, "w") as f:
        json.dump([{"id": "e6", "organization": "Grösse AG", "creationTime": "2022-05-09T00:00:00Z"}], f)
    r = sessq("export", "--partition-by", "organization", "--append", "-o", d, ODD, more)
    check(r.stdout == os.path.join(d, "organization=Grösse AG/part-0001.ndjson.gz") + "\n", r.stdout)
    # two keys, nested in the order given
    d2 = os.path.join(tmp, "by-source-month")
    sessq("export", "-p", "source,month", "-o", d2, ODD)
    got = sorted(p.rsplit("/", 1)[0] for p in read_parts(d2))
    check(got == ["source=vb365-restore/month=2022-05", "source=vb365-restore/month=2022-06",
                  "source=vb365-restore/month=" + NULL_PARTITION], got)


def test_csv_and_part_rows(tmp):
    d = os.path.join(tmp, "csv")
    # --append into a directory that does not exist yet starts an export there
    r = sessq("export", "-f", "csv", "--part-rows", "2", "--append", "-o", d, ODD)
    parts = read_parts(d, "csv")
    check(sorted(parts) == ["part-0000.csv.gz", "part-0001.csv.gz", "part-0002.csv.gz"],
          "parts: %s" % sorted(parts))
    check([len(parts[p]) for p in sorted(parts)] == [2, 2, 1], "rows per part")
    rows = all_rows(parts)
    check([r["id"] for r in rows] == ["e1", "e2", "e3", "e4", "e5\tx"], "order: input order")
    check(rows[4]["name"] == "=1+1", "csv must be raw: " + rows[4]["name"])
    check(rows[0]["duration"] == "60" and rows[1]["end"] == "", "csv cells: %s" % rows[0])
    with gzip.open(os.path.join(d, "part-0000.csv.gz"), "rt", newline="") as f:
        header = f.readline()
    check(header.startswith("source,id,name,type,status,") and header.endswith("reason\r\n"),
          header)
    check(len(r.stdout.splitlines()) == 3, r.stdout)


def test_failures_leave_nothing(tmp):
    d = os.path.join(tmp, "failed")
    sessq("export", "-o", d, "testdata/cases/truncated.json", expect=65)
    check(not os.path.exists(d), "a failed export left " + d)
    # with -k the damaged file is skipped and the rest exported, exit status still 65
    r = sessq("export", "-k", "-o", d, ODD, "testdata/cases/truncated.json", expect=65)
    check(len(all_rows(read_parts(d))) == 5, "-k: the good file is exported")
    # a non-empty directory that is not an export
    other = os.path.join(tmp, "other")
    os.makedirs(other)
    open(os.path.join(other, "notes.txt"), "w").close()
    sessq("export", "-o", other, ODD, expect=64)
    sessq("export", "--append", "-o", other, ODD, expect=64)
    check(files_under(other) == ["notes.txt"], "a refused export wrote into " + other)
    # a directory that cannot be written: the temporary parts cannot be made
    if os.geteuid() != 0:
        ro = os.path.join(tmp, "ro")
        os.makedirs(ro)
        os.chmod(ro, 0o500)
        sessq("export", "-o", os.path.join(ro, "x"), ODD, expect=74)
        os.chmod(ro, 0o700)
    # a partition directory whose name is too long for the file system: nothing is left
    long_name = os.path.join(tmp, "long.json")
    with open(long_name, "w") as f:
        json.dump([{"id": "L", "organization": "o" * 300, "creationTime": "2022-01-01T00:00:00Z"},
                   {"id": "M", "organization": "short", "creationTime": "2022-01-01T00:00:00Z"}], f)
    d3 = os.path.join(tmp, "long")
    r = sessq("export", "-p", "organization", "-o", d3, long_name, expect=74)
    check("cannot make the directory" in r.stderr, r.stderr)
    check(not os.path.exists(d3), "a failed export left " + str(files_under(d3)))
    # an export already running holds the lock
    d4 = os.path.join(tmp, "locked")
    sessq("export", "-o", d4, ODD)
    with open(os.path.join(d4, "_sessq_manifest")) as m:
        fcntl.flock(m, fcntl.LOCK_EX)
        r = sessq("export", "--append", "-o", d4, DEMO, expect=74)
        check("another sessq export" in r.stderr, r.stderr)
    # a damaged manifest is named, not trusted
    with open(os.path.join(d4, "_sessq_manifest"), "a") as m:
        m.write("garbage line\n")
    r = sessq("export", "--append", "-o", d4, DEMO, expect=65)
    check("_sessq_manifest" in r.stderr, r.stderr)


def nearest_rank(sorted_values, q):
    return sorted_values[max(1, math.ceil(q * len(sorted_values))) - 1]


def test_duckdb_equivalent(d):
    """What the README's DuckDB query computes, over the parts: it must equal `sessq stats --by
    month` on the same inputs."""
    groups = {}
    for row in all_rows(read_parts(d)):
        groups.setdefault(row["month"], []).append(row)
    stats = json.loads(sessq("stats", "--by", "month", "-f", "json", DEMO, ODD).stdout,
                       parse_float=Decimal)
    check([s["month"] for s in stats] == sorted(groups, key=lambda m: (m is None, m or "")),
          "months differ")
    for s in stats:
        rows = groups[s["month"]]
        status = [r["status"] for r in rows]
        durations = sorted(r["duration"] for r in rows if r["duration"] is not None)
        starts = sorted(r["start"] for r in rows if r["start"] is not None)
        mine = {
            "count": len(rows),
            "success": status.count("Success"),
            "warning": status.count("Warning"),
            "failed": status.count("Failed") + status.count("Error"),
            "running": status.count("Running"),
            "canceled": status.count("Canceled"),
            "duration_min": durations[0] if durations else None,
            "duration_p50": nearest_rank(durations, 0.5) if durations else None,
            "duration_p95": nearest_rank(durations, 0.95) if durations else None,
            "duration_max": durations[-1] if durations else None,
            "duration_total": sum(durations) if durations else None,
            "processed_objects_total": sum(r["processed_objects"] or 0 for r in rows),
            "first_start": starts[0] if starts else None,
            "last_start": starts[-1] if starts else None,
        }
        mine["other"] = len(rows) - sum(mine[k] for k in
                                         ("success", "warning", "failed", "running", "canceled"))
        done = mine["count"] - mine["running"]
        for k, v in mine.items():
            check(s[k] == v, "month %s: %s is %s in stats, %s from the parts" % (s["month"], k, s[k], v))
        rate = mine["success"] / done if done else None
        check((rate is None and s["success_rate"] is None) or
              abs(float(s["success_rate"]) - rate) < 1e-12, "success_rate")


def main():
    tmp = tempfile.mkdtemp(prefix="sessq-export-")
    try:
        d = test_round_trip(tmp)
        test_append(tmp, d)
        test_duckdb_equivalent(d)
        test_odd_values(tmp)
        test_csv_and_part_rows(tmp)
        test_failures_leave_nothing(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("export_check: ok")


if __name__ == "__main__":
    main()
