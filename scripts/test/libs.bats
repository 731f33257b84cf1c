#!/usr/bin/env bats
# The layering of scripts/lib: a library uses only its own functions, those of the
# libraries it sources (transitively), and those of common.sh and config.sh, which every
# command sources first. So no library calls up into a library or command that sources
# it: a failure is reported through a lower library (change.sh's deploy_fail), and what a
# caller must run is passed in (deploy_begin's undo, run_watched's progress).

load test_helper

# library_problems — one line per use of a function a library may not call.
library_problems() {
  python3 - "$PROTOSTAR_REPO" <<'PY'
import os, re, sys
root = sys.argv[1]
DEF = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{', re.M)
SRC = re.compile(r'^\s*source\s+"\$\{?PROTOSTAR_ROOT\}?/scripts/lib/([a-z0-9-]+\.sh)"', re.M)
WORD = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')

def without_comments(text):
    lines = (l for l in text.splitlines() if not l.lstrip().startswith('#'))
    return '\n'.join(re.sub(r'\s#\s.*$', '', l) for l in lines)

texts = {}
for folder in ('scripts/lib', 'scripts/libexec'):
    for name in sorted(os.listdir(os.path.join(root, folder))):
        texts[f'{folder}/{name}'] = open(os.path.join(root, folder, name)).read()
defs = {f: set(DEF.findall(t)) for f, t in texts.items()}
sources = {f: [f'scripts/lib/{s}' for s in SRC.findall(t)] for f, t in texts.items()}
where = {}
for f, names in defs.items():
    for n in names:
        where.setdefault(n, []).append(f)

def closure(f, seen):
    if f not in seen:
        seen.add(f)
        for s in sources.get(f, []):
            closure(s, seen)
    return seen

for f in (f for f in texts if f.startswith('scripts/lib/')):
    if any(f in closure(s, set()) for s in sources[f]):
        print(f'{f} sources itself (a cycle)')
    allowed = closure(f, set())
    for base in ('scripts/lib/common.sh', 'scripts/lib/config.sh'):
        if base == f:
            break
        allowed |= closure(base, set())
    mine = set().union(*(defs[a] for a in allowed))
    for word in sorted(set(WORD.findall(without_comments(texts[f])))):
        if word in where and word not in mine:
            print(f"{f} uses {word} of {', '.join(where[word])}, which it does not source")
PY
}

@test "no library calls a function of a library or command that sources it (or that it does not source)" {
  run library_problems
  assert_status 0
  [[ -z "$output" ]] || fail "$output"
}

@test "the check finds a library calling up into its caller" {
  # A copy of the libraries where containers.sh fails through deploy_fail, a function of
  # change.sh, which it does not source (routing.sh sources both).
  mkdir -p "$TEST_ROOT/repo/scripts"
  cp -r "$PROTOSTAR_REPO/scripts/lib" "$PROTOSTAR_REPO/scripts/libexec" "$TEST_ROOT/repo/scripts/"
  echo 'service_gone() { deploy_fail "the service is gone"; }' >>"$TEST_ROOT/repo/scripts/lib/containers.sh"
  PROTOSTAR_REPO="$TEST_ROOT/repo" run library_problems
  assert_output_contains "scripts/lib/containers.sh uses deploy_fail of scripts/lib/change.sh, which it does not source"
}

@test "the deploy flow stays short enough to read: scripts/lib/deploy.sh has at most 300 lines" {
  (($(wc -l <"$PROTOSTAR_REPO/scripts/lib/deploy.sh") <= 300)) || fail "$(wc -l <"$PROTOSTAR_REPO/scripts/lib/deploy.sh") lines"
}
