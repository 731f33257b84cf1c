"""Tables of benchmark figures, rendered from the JSON the benchmarks write.

Used by scripts/bench/report (see its --help). A table has a row per figure and a column
per run, then the worst of the runs: the largest value, or the smallest for a figure where
more is better (throughput, recall, streams held), and false for a goal any run missed.
"""

import argparse
import json
import re
import shlex
import sys
from pathlib import Path

# Figures where more is better; every other number is a time, a size or a count of
# failures, where less is.
MORE_IS_BETTER = re.compile(
    r"(jobs_s|chunks_s|recall|mrr|connected|held|answered|of_raw|open_at_end|open_backend|^goal\.ratio)")
# A table's markers each stand on a line of their own.
BLOCK = re.compile(r"^(<!-- report: (?P<args>[^\n]*) -->\n)(?P<table>[\s\S]*?)^(<!-- /report -->)$", re.M)


def parse(argv):
    parser = argparse.ArgumentParser(prog="scripts/bench/report", add_help=False)
    parser.add_argument("--keys", default=".")
    parser.add_argument("--label", action="append", default=[])
    parser.add_argument("files", nargs="+")
    return parser.parse_args(argv)


def load(path, base):
    file = Path(path) if Path(path).is_absolute() else base / path
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        sys.exit(f"report: {path}: no such file")
    except json.JSONDecodeError as error:
        sys.exit(f"report: {path}: not JSON ({error})")


def selected(keys, runs):
    """The keys the patterns name, in the patterns' order, each once."""
    every = sorted({key for run in runs for key in run})
    chosen = []
    for pattern in keys.split(","):
        regex = re.compile(pattern.strip())
        chosen += [key for key in every if regex.search(key) and key not in chosen]
    return chosen


def shown(value):
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) < 1:
            return f"{value:.3f}"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def worst(key, values):
    present = [value for value in values if value is not None]
    if not present:
        return None
    if all(isinstance(value, bool) for value in present):
        return all(present)
    numbers = [value for value in present if isinstance(value, (int, float)) and not isinstance(value, bool)]
    if len(numbers) != len(present):
        return None
    return min(numbers) if MORE_IS_BETTER.search(key) else max(numbers)


def table(argv, base):
    args = parse(argv)
    runs = [load(path, base) for path in args.files]
    labels = dict(label.split("=", 1) for label in args.label)
    keys = selected(args.keys, runs)
    if not keys:
        sys.exit(f"report: no figure matches --keys {args.keys}")
    heads = [str(run.get("run.time") or Path(path).stem) for run, path in zip(runs, args.files)]
    lines = ["| figure | " + " | ".join(heads) + (" | worst |" if len(runs) > 1 else " |"),
             "|---" * (len(runs) + 1 + (len(runs) > 1)) + "|"]
    for key in keys:
        values = [run.get(key) for run in runs]
        cells = [shown(value) for value in values]
        if len(runs) > 1:
            cells.append("**" + shown(worst(key, values)) + "**")
        lines.append(f"| {labels.get(key, key)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def rewrite(markdown, check):
    path = Path(markdown)
    text = path.read_text(encoding="utf-8")
    base = path.parent

    def render(match):
        return match.group(1) + table(shlex.split(match.group("args")), base) + match.group(4)

    updated = BLOCK.sub(render, text)
    if check:
        if updated != text:
            sys.exit(f"report: a table in {markdown} differs from its figures: scripts/bench/report --update {markdown}")
        print(f"{markdown}: {len(BLOCK.findall(text))} tables match their figures")
    elif updated != text:
        path.write_text(updated, encoding="utf-8")
        print(f"{markdown}: tables rewritten from their figures")


def main(argv):
    if argv and argv[0] in ("--update", "--check"):
        if len(argv) != 2:
            sys.exit(f"report: {argv[0]} takes one Markdown file")
        rewrite(argv[1], argv[0] == "--check")
    else:
        sys.stdout.write(table(argv, Path.cwd()))


if __name__ == "__main__":
    main(sys.argv[1:])
