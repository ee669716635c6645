"""Long fuzzing run of the untrusted inputs: raw mail, authority CSVs, documents, reply text.

    python bench/fuzz.py [--seconds 60] [--seed 2018]

Runs each target of `tests/fuzz_targets.py` for `--seconds` on mutated seeds (and, for reply
text, random text), the longer cousin of the suite's bounded `tests/test_fuzz.py`. A crash is
any exception other than the one the entry point documents (UnreadableDocument for documents;
nothing at all for mail, CSVs and reply text). Prints inputs tried, crashes, and the slowest
input per target; crashing inputs are written to `bench/fuzz-crashes/` to reproduce. The last
line is one JSON object: {"targets": {...}, "inputs": N, "crashes": N}.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_targets import (  # noqa: E402
    CSV_SEEDS,
    DOCUMENT_SEEDS,
    MAIL_SEEDS,
    fuzz_csv,
    fuzz_document,
    fuzz_mime,
    fuzz_reply_text,
    mutate,
)

CRASH_DIR = ROOT / "bench" / "fuzz-crashes"


def _random_text(rng: random.Random) -> str:
    # Typographic dashes and quotes as councils paste them, accents, CJK, zero-width, BOM.
    alphabet = string.printable + "£\u2013\u2014\u201c\u201d\u2018\u2019éàöçßΩ你好\u200b\ufeff"
    words = ["section 21", "not held", "FOI/2018/", "Question", "s40(2)", "exempt", "Xantura"]
    pieces = [
        rng.choice(words) if rng.random() < 0.3 else rng.choice(alphabet)
        for _ in range(rng.randint(0, 4000))
    ]
    return "".join(pieces)


def run(name: str, seconds: float, rng: random.Random) -> dict:
    tried = crashes = 0
    slowest = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seed = rng.randrange(2**32)
        rounds = rng.randint(1, 12)
        started = time.perf_counter()
        try:
            if name == "mime":
                data = mutate(rng.choice(MAIL_SEEDS), seed, rounds)
                fuzz_mime(data)
            elif name == "csv":
                data = mutate(rng.choice(CSV_SEEDS), seed, rounds)
                fuzz_csv(data)
            elif name == "document":
                filename, original = rng.choice(DOCUMENT_SEEDS)
                data = mutate(original, seed, rounds)
                fuzz_document(filename, data)
            else:
                text = _random_text(random.Random(seed))
                data = text.encode("utf-8", "surrogatepass")
                fuzz_reply_text(text)
        except Exception:
            crashes += 1
            CRASH_DIR.mkdir(exist_ok=True)
            (CRASH_DIR / f"{name}-{seed}.bin").write_bytes(data)
            print(f"  crash in {name} (seed {seed}):\n{traceback.format_exc(limit=3)}")
        slowest = max(slowest, time.perf_counter() - started)
        tried += 1
    return {"inputs": tried, "crashes": crashes, "slowest_s": round(slowest, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per target")
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = {}
    for name in ("mime", "csv", "document", "reply_text"):
        results[name] = run(name, args.seconds, rng)
        figures = results[name]
        print(
            f"{name:>10}: {figures['inputs']:>7,} inputs, {figures['crashes']} crashes, "
            f"slowest {figures['slowest_s']:.3f} s"
        )
    total = sum(r["inputs"] for r in results.values())
    crashes = sum(r["crashes"] for r in results.values())
    print(json.dumps({"targets": results, "inputs": total, "crashes": crashes}))


if __name__ == "__main__":
    main()
