"""Find wording copied from the seed article: runs of 6 or more words shared with data/.

    python tools/check_copying.py /work/shared/seed/*.txt
    python tools/check_copying.py SEED.txt --data DIR --words 8

Every string in the content folder's YAML files (cities, topics, country, sources and
any other) is compared with the seed text, word by word, case, punctuation and
apostrophes aside. Each run of `--words` (default 6) or more consecutive words that
also appears in the seed is printed with its file and line; the exit status is 1 if
there is any, 0 if there is none. The seed is not part of the repository, so this is a
tool to run by hand, not a test.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from brochure.content.yamlfile import read_yaml
from brochure.resources import builtin_data

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
#: Keys whose values are identifiers or addresses, not prose.
SKIP_KEYS = {"id", "source", "url", "sector", "code", "country", "region", "as_of", "accessed"}


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept inside a word (it's, city's)."""
    return _WORD.findall(text.translate(_QUOTES).lower())


def shared_runs(text: list[str], seed: set[tuple[str, ...]], size: int) -> list[str]:
    """The longest runs of `size` or more words of `text` whose every n-gram is in `seed`."""
    hits = [tuple(text[i : i + size]) in seed for i in range(len(text) - size + 1)]
    runs: list[str] = []
    i = 0
    while i < len(hits):
        if not hits[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(hits) and hits[j + 1]:
            j += 1
        runs.append(" ".join(text[i : j + size]))
        i = j + 1
    return runs


def find_copying(data: Path, seed_text: str, size: int) -> list[str]:
    """`file:line: "run"` for each copied run in the content folder."""
    seed_words = words(seed_text)
    seed = {tuple(seed_words[i : i + size]) for i in range(len(seed_words) - size + 1)}
    found: list[str] = []
    for path in sorted(data.rglob("*.y*ml")):
        doc = read_yaml(path)
        for loc, text in doc.strings():
            if loc and loc[-1] in SKIP_KEYS:
                continue
            for run in shared_runs(words(text), seed, size):
                found.append(f'{doc.where(loc)}: {len(run.split())} words: "{run}"')
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print each copied run and a count; 1 if there is any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("seed", nargs="+", type=Path, help="the seed article's text file(s)")
    parser.add_argument("--data", type=Path, default=builtin_data(), help="content folder")
    parser.add_argument("--words", type=int, default=6, help="shortest run to report")
    args = parser.parse_args(argv)
    seed_text = "\n".join(p.read_text(encoding="utf-8") for p in args.seed)
    found = find_copying(args.data, seed_text, args.words)
    for line in found:
        print(line)
    plural = "s" if len(found) != 1 else ""
    print(f"{len(found)} run{plural} of {args.words}+ words shared with the seed")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
