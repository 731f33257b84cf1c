#!/usr/bin/env bash
# Summary: Find checks in test code whose failure `set -e` ignores (neutered checks)
# Usage: scripts/test/neutered-checks.sh [FILE|DIRECTORY]...
#
# Under `set -e` (every e2e check, every bats test) a failing command stops the check only
# where errexit watches it. It does not watch a command on the left of `&&` or `||`, nor
# one negated with `!`; such a list counts only where its status becomes the check's: as
# the last command of a function, a test or a subshell. So these pass when the feature is
# broken, and are reported as FILE:LINE: WHAT:
#   a && b      not the last command (a failing `a` is ignored), unless `b` only sets a
#               variable or moves control (an assignment, unset, break, continue, return,
#               exit): then `a` is a condition, not an assertion
#   ! cmd       not the last command
#   a || b      where `b` only reports (echo, printf, cat, info, warn, step) and so
#               always succeeds; `|| true`, `|| return 1`, `|| fail ...`, `|| rc=$?` and a
#               fallback that can fail itself are fine
# A loop's body never counts as last (only its last round would count), and conditions
# (if, while, until, the left of && and ||) are not checks. Inside $( ) a `||` gives a
# default value, not a verdict.
# With no argument: the repository's test code (every *.bats, *.bash and *.sh under
# scripts/test); with a directory, the same files under it. Exits 1 when
# anything is found. Needs shfmt (its parser reads bash and bats).
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
handle_help "$@"
command -v shfmt >/dev/null || abort "shfmt is missing (Debian: apt-get install shfmt; scripts/test.sh installs it)"

# The test code of the repository, relative to its root.
test_files() {
  (cd "$PROTOSTAR_ROOT" && find scripts/test -type f \( -name '*.bats' -o -name '*.bash' -o -name '*.sh' \) | sort)
}

files=()
if (($# == 0)); then
  cd "$PROTOSTAR_ROOT"
  mapfile -t files < <(test_files)
else
  for arg in "$@"; do
    if [[ -d "$arg" ]]; then
      mapfile -t -O "${#files[@]}" files < <(find "$arg" -type f \( -name '*.bats' -o -name '*.bash' -o -name '*.sh' \) | sort)
    elif [[ -f "$arg" ]]; then
      files+=("$arg")
    else
      abort "no such file or directory: $arg"
    fi
  done
fi
((${#files[@]})) || abort "no test files to read"

python3 - "${files[@]}" <<'PY'
import json
import subprocess
import sys

AND, OR = 10, 11  # shfmt's BinaryCmd operators; 12 and 13 are the pipes
SETS_OR_MOVES = {"unset", "break", "continue", "return", "exit"}
REPORTS = {"echo", "printf", "cat", "info", "warn", "step"}
findings = []


def name_of(stmt):
    """The command's name when it is a plain word, else None."""
    cmd = stmt.get("Cmd") or {}
    if cmd.get("Type") != "CallExpr" or not cmd.get("Args"):
        return None
    parts = cmd["Args"][0].get("Parts") or []
    return parts[0]["Value"] if len(parts) == 1 and parts[0].get("Type") == "Lit" else None


def last_of(stmt):
    """The command that decides a statement's status: the last of a block or a list."""
    cmd = stmt.get("Cmd") or {}
    if stmt.get("Negated"):
        return stmt
    if cmd.get("Type") in ("Block", "Subshell") and cmd.get("Stmts"):
        return last_of(cmd["Stmts"][-1])
    if cmd.get("Type") == "BinaryCmd" and cmd["Op"] in (AND, OR):
        return last_of(cmd["Y"])
    return stmt


def only_sets_or_moves(stmt):
    cmd = stmt.get("Cmd") or {}
    assignment = cmd.get("Type") == "CallExpr" and not cmd.get("Args") and bool(cmd.get("Assigns"))
    return assignment or name_of(stmt) in SETS_OR_MOVES


def assigns_with_printf(stmt):
    """`printf -v VAR ...` sets a variable rather than reporting."""
    args = (stmt.get("Cmd") or {}).get("Args") or []
    parts = args[1].get("Parts") or [] if len(args) > 1 else []
    return name_of(stmt) == "printf" and len(parts) == 1 and parts[0].get("Value") == "-v"


def only_reports(stmt):
    last = last_of(stmt)
    return not last.get("Negated") and name_of(last) in REPORTS and not assigns_with_printf(last)


def walk_list(path, stmts, last_counts, ctx):
    stmts = stmts or []
    for i, stmt in enumerate(stmts):
        walk(path, stmt, last_counts and i == len(stmts) - 1, ctx)


def walk(path, stmt, counts, ctx):
    """ctx: "check" (errexit watches), "condition" (it does not) or "subst" (in $( ))."""
    cmd = stmt.get("Cmd") or {}
    kind = cmd.get("Type")
    line = stmt["Pos"]["Line"]
    if ctx != "condition":
        if stmt.get("Negated") and not counts:
            findings.append((path, line, "`! cmd` that is not the last command: its failure is ignored"))
        if kind == "BinaryCmd" and cmd["Op"] == AND and not counts and not only_sets_or_moves(cmd["Y"]):
            findings.append((path, line, "`a && b` that is not the last command: a failing `a` is ignored"))
        if kind == "BinaryCmd" and cmd["Op"] == OR and ctx == "check" and only_reports(cmd["Y"]):
            findings.append((path, line, "`a || b` where b only reports: a failing `a` passes"))
    if kind == "BinaryCmd":
        if cmd["Op"] in (AND, OR):
            walk(path, cmd["X"], False, "condition")
            walk(path, cmd["Y"], counts, ctx)
        else:  # a pipe: each side runs in a subshell of its own
            walk(path, cmd["X"], True, ctx)
            walk(path, cmd["Y"], True, ctx)
    elif kind == "Block":
        walk_list(path, cmd.get("Stmts"), counts, ctx)
    elif kind == "Subshell":
        walk_list(path, cmd.get("Stmts"), True, ctx)
    elif kind in ("FuncDecl", "TestDecl"):
        walk(path, cmd["Body"], True, "check")
    elif kind == "IfClause":
        while cmd:
            walk_list(path, cmd.get("Cond"), False, "condition")
            walk_list(path, cmd.get("Then"), counts, ctx)
            cmd = cmd.get("Else")
    elif kind == "WhileClause":
        walk_list(path, cmd.get("Cond"), False, "condition")
        walk_list(path, cmd.get("Do"), False, ctx)
    elif kind == "ForClause":
        walk_words(path, cmd.get("Loop"), ctx)
        walk_list(path, cmd.get("Do"), False, ctx)
    elif kind == "CaseClause":
        walk_words(path, cmd.get("Word"), ctx)
        for item in cmd.get("Items") or []:
            walk_list(path, item.get("Stmts"), counts, ctx)
    else:
        walk_words(path, cmd, ctx)
    walk_words(path, stmt.get("Redirs"), ctx)


def walk_words(path, node, ctx):
    """Command substitutions anywhere in a command's words."""
    if isinstance(node, list):
        for item in node:
            walk_words(path, item, ctx)
    elif isinstance(node, dict):
        if node.get("Type") in ("CmdSubst", "ProcSubst"):
            walk_list(path, node.get("Stmts"), True, "condition" if ctx == "condition" else "subst")
            return
        for value in node.values():
            if isinstance(value, (dict, list)):
                walk_words(path, value, ctx)


status = 0
for path in sys.argv[1:]:
    dialect = "bats" if path.endswith(".bats") else "bash"
    with open(path, "rb") as source:
        parsed = subprocess.run(["shfmt", "-ln", dialect, "--to-json"], stdin=source, capture_output=True)
    if parsed.returncode != 0:
        print(f"{path}: shfmt cannot parse it: {parsed.stderr.decode().strip()}", file=sys.stderr)
        status = 2
        continue
    walk_list(path, json.loads(parsed.stdout).get("Stmts"), True, "check")

for path, line, what in findings:
    print(f"{path}:{line}: {what}")
if findings:
    print(f"{len(findings)} neutered check(s): make each the check's last command, or use if/refute/|| fail", file=sys.stderr)
sys.exit(1 if findings else status)
PY
