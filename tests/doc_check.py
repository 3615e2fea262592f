#!/usr/bin/env python3
"""Every flag the program accepts is documented in its --help and in the man page, and the bash
completion offers it: run from the repository root by tests/test_docs.c with $SESSQ.

The flags are found by asking the program itself, not by reading a list kept beside it: every
long option named in a `struct option` entry anywhere in src/ or include/, and every letter, is
tried on every command that `sessq --help` lists, and the ones that are not "unknown" are the
accepted ones. A command or flag added later is therefore checked without editing this file.
"""
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile

SESSQ = os.path.abspath(os.environ.get("SESSQ", "build/sessq"))
MAN = "docs/sessq.1"
COMPLETION = "completion/sessq.bash"
problems = []


# Probes run here: a flag that takes a path (-o) makes its file or directory in this scratch
# directory, never anywhere that matters.
SCRATCH = tempfile.mkdtemp(prefix="sessq-doc-check-")


def run(*args, cwd=None):
    return subprocess.run([SESSQ, *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=30, cwd=cwd)


def commands():
    out = run("--help").stdout
    block = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.startswith("  ")]


def candidate_long_options():
    names = set()
    for d in ("src", "include"):
        for f in os.listdir(d):
            text = open(os.path.join(d, f)).read()
            names |= set(re.findall(r'\{\s*"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument',
                                    text))
    return sorted(names)


def accepted(cmd, flag):
    r = run(cmd, flag, "probe", cwd=SCRATCH)
    return "unknown option" not in r.stderr


def man_text():
    r = subprocess.run(["man", "-l", MAN], capture_output=True, text=True,
                       env={**os.environ, "MANWIDTH": "200", "LC_ALL": "C.UTF-8"})
    if r.returncode != 0:
        sys.exit("doc_check: man -l %s failed: %s" % (MAN, r.stderr))
    return re.sub(r".\x08", "", r.stdout)


def man_sections(text):
    """The man page's text per command subsection ('sessq list ...' under COMMANDS), and the
    shared sections."""
    cmds, shared, current, where = {}, [], None, None
    for line in text.splitlines():
        if re.match(r"^[A-Z][A-Z ]+$", line):
            where = line.strip()
            current = None
            continue
        m = re.match(r"^   sessq ([a-z-]+)", line)
        if where == "COMMANDS" and m:
            current = m.group(1)
            cmds[current] = []
            continue
        if current:
            cmds[current].append(line)
        elif where in ("COMMON OPTIONS", "FILTERS"):
            shared.append(line)
    return {k: "\n".join(v) for k, v in cmds.items()}, "\n".join(shared)


def documented(flag, text):
    return re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text) is not None


def completion_flags(cmd):
    script = 'source %s; COMP_WORDS=(%s %s -); COMP_CWORD=2; _sessq; printf "%%s\\n" "${COMPREPLY[@]}"' % (
        COMPLETION, SESSQ, cmd)
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    return set(r.stdout.split())


def main():
    cmds = commands()
    if len(cmds) < 5:
        sys.exit("doc_check: sessq --help lists only %s" % cmds)
    longs = candidate_long_options()
    man = man_text()
    per_command, shared = man_sections(man)
    checked = 0
    for cmd in cmds:
        help_text = run(cmd, "--help").stdout
        if run("help", cmd).stdout != help_text:
            problems.append("'sessq help %s' and 'sessq %s --help' differ" % (cmd, cmd))
        if cmd not in per_command:
            problems.append("the man page has no subsection 'sessq %s' under COMMANDS" % cmd)
            continue
        offered = completion_flags(cmd)
        flags = ["--" + n for n in longs if accepted(cmd, "--" + n)]
        flags += ["-" + c for c in string.ascii_letters if accepted(cmd, "-" + c)]
        for flag in flags:
            checked += 1
            if not documented(flag, help_text):
                problems.append("sessq %s accepts %s, but its --help does not say so" % (cmd, flag))
            if not documented(flag, per_command[cmd]) and not documented(flag, shared):
                problems.append("sessq %s accepts %s, but the man page does not say so" % (cmd, flag))
            if flag not in offered:
                problems.append("the completion does not offer %s for sessq %s" % (flag, cmd))
        # and the other way round: an option the command's subsection lists as an item (a line
        # at the items' indentation that starts with a dash) is one the command takes
        for line in per_command[cmd].splitlines():
            if not re.match(r"^ {7}-", line):
                continue
            for flag in re.findall(r"(?<!\S)(--?[A-Za-z][\w-]*)", line):
                if flag not in flags:
                    problems.append("the man page lists %s for sessq %s, which does not take it"
                                    % (flag, cmd))
    # the completion's keys are the program's (which an unknown key's message lists)
    keys = re.search(r"\(keys: ([^)]*)\)", run("stats", "--by", "nope").stderr).group(1).split(", ")
    script_keys = re.search(r'_sessq_keys="([^"]*)"', open(COMPLETION).read()).group(1).split()
    if keys != script_keys:
        problems.append("the completion's keys %s are not the program's %s" % (script_keys, keys))
    if checked < 60:
        problems.append("only %d flags found: the discovery is broken" % checked)
    for p in problems:
        print("doc_check: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print("doc_check: %d flags of %d commands documented" % (checked, len(cmds)))


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
