#!/usr/bin/env bash
# Summary: Check that every relative link in the Markdown files resolves
# Usage: scripts/test/markdown-links.sh [DIR]
#
# Reads every Markdown file of DIR (default: this repository): from git when DIR is a
# clone (tracked files and untracked ones that are not ignored), from the file tree
# otherwise. Each relative link, image, reference definition and HTML href/src must name
# a file or folder that exists inside DIR, and a #fragment must be a heading's anchor in
# the target Markdown file, as GitHub makes them: lower case, punctuation dropped except
# `-` and `_`, each space a `-`, repeated headings suffixed -1, -2, ... (or an explicit
# id/name attribute; #L12 or #L12-L20 in other files). Links with a scheme (https:,
# mailto:, ...) are not checked. Code blocks and code spans are skipped.
# Prints one line per broken link, "FILE:LINE: LINK: reason", and exits 1 when there is any.
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
handle_help "$@"
(($# <= 1)) || abort "one directory at most (see: scripts/test/markdown-links.sh --help)"
[[ "${1:-}" != -* ]] || abort "unknown option '$1' (see: scripts/test/markdown-links.sh --help)"
root=$(cd "${1:-$PROTOSTAR_ROOT}" 2>/dev/null && pwd -P) || abort "no such directory: $1"

markdown_files() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
    [[ "$(git -C "$root" rev-parse --show-toplevel)" == "$root" ]]; then
    git -C "$root" ls-files -co --exclude-standard -- '*.md'
  else
    (cd "$root" && find . -type f -name '*.md' -not -path './.git/*' -not -path '*/target/*' | sed 's|^\./||')
  fi
}
mapfile -t files < <(markdown_files | sort -u)

python3 - "$root" "${files[@]}" <<'PY'
import os, re, sys, unicodedata
from urllib.parse import unquote

root, files = os.path.realpath(sys.argv[1]), sys.argv[2:]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
REFERENCE = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*(<[^>]*>|\S+)", re.M)
HTML_LINK = re.compile(r"""<[a-zA-Z][^>]*?\s(?:href|src)\s*=\s*["']([^"']*)["']""")
HTML_ID = re.compile(r"""<[a-zA-Z][^>]*?\s(?:id|name)\s*=\s*["']([^"']*)["']""")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
LINE_ANCHOR = re.compile(r"^L\d+(-L\d+)?$")


def blank(match):
    """The match with every character but newlines made a space: offsets and lines stay."""
    return re.sub(r"[^\n]", " ", match.group(0))


def unfenced(text):
    """The text with the lines of fenced code blocks emptied: line numbers stay."""
    lines, fence = text.split("\n"), None
    for i, line in enumerate(lines):
        m = FENCE.match(line)
        if fence:
            closing = m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
            if closing and not line.strip().strip(fence[0]):
                fence = None
            lines[i] = ""
        elif m and not (m.group(1)[0] == "`" and "`" in line.strip()[len(m.group(1)):]):
            fence, lines[i] = m.group(1), ""
    return "\n".join(lines)


def prose(text):
    """The text without code (blocks and spans) or HTML comments, blanked out in place."""
    return CODE_SPAN.sub(blank, COMMENT.sub(blank, unfenced(text)))


def slug(heading):
    """GitHub's anchor of a heading (github-slugger), before duplicates are numbered."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")
    kept = (c for c in text.lower()
            if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return "".join(kept).replace(" ", "-")


ANCHORS = {}


def anchors(path):
    """Every anchor a link may name in the Markdown file path."""
    if path not in ANCHORS:
        with open(path, encoding="utf-8") as f:
            text = unfenced(f.read())
        headings, previous = [], ""
        for line in text.split("\n"):
            m = ATX.match(line)
            if m:
                headings.append(m.group(1) or "")
            elif SETEXT.match(line) and previous.strip() and not ATX.match(previous) \
                    and not previous.lstrip().startswith(("|", "-", "*", "+", ">")):
                headings.append(previous.strip())
            previous = line
        found, occurrences = set(HTML_ID.findall(prose(text))), {}
        for heading in headings:
            base = result = slug(heading)
            while result in occurrences:
                occurrences[base] += 1
                result = f"{base}-{occurrences[base]}"
            occurrences[result] = 0
            found.add(result)
        ANCHORS[path] = found
    return ANCHORS[path]


def destinations(text):
    """(offset, destination) of every inline link or image in text."""
    for m in re.finditer(r"\]\(", text):
        i = m.end()
        while i < len(text) and text[i] in " \t\n":
            i += 1
        if text.startswith("<", i):
            end = text.find(">", i)
            if end > 0:
                yield m.start(), text[i + 1:end]
            continue
        depth, start = 0, i
        while i < len(text):
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c in " \t\n" or (c == ")" and depth == 0):
                break
            depth += {"(": 1, ")": -1}.get(c, 0)
            i += 1
        yield m.start(), text[start:i]


def problem(source, link):
    """Why link, written in the file source, does not resolve; None when it does."""
    if not link or SCHEME.match(link):
        return None
    path, _, fragment = link.partition("#")
    path = unquote(path.split("?", 1)[0])
    if path.startswith("/"):
        target = os.path.join(root, path.lstrip("/"))
    elif path:
        target = os.path.join(os.path.dirname(source), path)
    else:
        target = source
    target = os.path.realpath(target)
    if target != root and not target.startswith(root + os.sep):
        return "outside the repository"
    if not os.path.exists(target):
        return f"no such file or folder: {os.path.relpath(target, root)}"
    if not fragment:
        return None
    fragment = unquote(fragment)
    if os.path.isdir(target):
        readme = os.path.join(target, "README.md")
        if not os.path.isfile(readme):
            return f"#{fragment} in a folder without README.md"
        target = readme
    if not target.endswith(".md"):
        return None if LINE_ANCHOR.match(fragment) else f"#{fragment}: not a line anchor (#L12) of a non-Markdown file"
    if fragment not in anchors(target):
        return f"no heading with the anchor #{fragment} in {os.path.relpath(target, root)}"
    return None


broken = checked = 0
for name in files:
    source = os.path.join(root, name)
    if not os.path.isfile(source):
        continue  # deleted but still in git's index
    with open(source, encoding="utf-8") as f:
        text = prose(f.read())
    links = list(destinations(text))
    links += [(m.start(2), m.group(2).strip("<>")) for m in REFERENCE.finditer(text)]
    links += [(m.start(1), m.group(1)) for m in HTML_LINK.finditer(text)]
    for offset, link in sorted(links):
        checked += 1
        reason = problem(source, link)
        if reason:
            broken += 1
            print(f"{name}:{text.count(chr(10), 0, offset) + 1}: {link}: {reason}")

print(f"{checked} links in {len(files)} Markdown files: {broken} broken", file=sys.stderr)
sys.exit(1 if broken else 0)
PY
