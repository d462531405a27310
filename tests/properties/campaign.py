"""A large mutation campaign against `validate` (not part of `make test`; run it by hand).

Each case is a seed file mutated by 1-5 random steps (tests/properties/mutations.py); case N is the
same on every run. Every case runs in-process through the CLI's main() in worker processes, with a
time limit (a hang), an address-space limit and its peak resident memory measured; every 25th case
also runs through the real CLI in a subprocess. A case that breaks the rules (exit 3, a hang past
--timeout, RSS past --max-rss-mb, an unlocated problem) is written to tests/properties/corpus/ for
test_corpus.py to replay for ever.

    .venv/bin/python tests/properties/campaign.py --cases 5000 [--workers 2] [--start 0]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from clirunner import Result, run_cli, validate_in_process  # noqa: E402
from mutations import mutate, numbered_case, seeds, write_case  # noqa: E402
from outcome import violations  # noqa: E402

CORPUS = HERE / "corpus"
SEEDS = seeds()
ADDRESS_SPACE = 3 << 30  # a runaway read fails here instead of taking the machine down


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so the CLI's own handler does not swallow it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise Hang


def _init_worker() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    signal.signal(signal.SIGALRM, _on_alarm)


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_case(n: int, timeout: float, max_rss_mb: float, subprocess_too: bool) -> dict[str, object]:
    seed, steps = numbered_case(n, len(SEEDS))
    data = mutate(SEEDS[seed][1], steps)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_case(Path(tmp), data)
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS to the current one
        start = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            r = validate_in_process("-f", str(path))
            found = violations(r, path)
        except Hang:
            found = [f"hang: still running after {timeout} s"]
        except MemoryError:
            found = ["MemoryError: the address-space limit was reached"]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - start
        rss = _peak_rss_mb()
        if rss > max_rss_mb:
            found.append(f"peak RSS {rss:.0f} MB")
        sub = None
        if subprocess_too:
            sub = _subprocess(path, timeout)
            found += [f"subprocess: {v}" for v in sub.pop("violations")]  # type: ignore[attr-defined]
    return {"n": n, "seed": SEEDS[seed][0], "steps": steps, "seconds": elapsed, "rss_mb": rss, "violations": found,
            "data": data if found else b"", "subprocess": sub}  # fmt: skip


def _subprocess(path: Path, timeout: float) -> dict[str, object]:
    start = time.perf_counter()
    try:
        r = run_cli("-f", str(path), "validate", timeout=timeout)
        found = violations(r, path)
    except subprocess.TimeoutExpired:
        r, found = Result(-1, "", ""), [f"hang: the CLI ran past {timeout} s"]
    return {"seconds": time.perf_counter() - start, "code": r.code, "violations": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--max-rss-mb", type=float, default=500.0)
    parser.add_argument("--no-save", action="store_true", help="do not write failing cases to the corpus")
    args = parser.parse_args()
    numbers = range(args.start, args.start + args.cases)
    started = time.perf_counter()
    results = []
    with ProcessPoolExecutor(args.workers, initializer=_init_worker) as pool:
        futures = [pool.submit(run_case, n, args.timeout, args.max_rss_mb, n % 25 == 0) for n in numbers]
        for i, future in enumerate(futures, 1):
            result = future.result()
            results.append(result)
            if result["violations"]:
                print(f"case {result['n']}: {result['violations']} ({result['seed']}, {result['steps']})", flush=True)
                if not args.no_save:
                    CORPUS.mkdir(exist_ok=True)
                    (CORPUS / f"campaign-{result['n']:06d}.yaml").write_bytes(result["data"])  # type: ignore[arg-type]
            if i % 500 == 0:
                print(f"{i} cases, {time.perf_counter() - started:.0f} s", flush=True)
    bad = [r for r in results if r["violations"]]
    slow = sorted(results, key=lambda r: r["seconds"], reverse=True)[:5]  # type: ignore[arg-type, return-value]
    subs = [r["subprocess"] for r in results if r["subprocess"]]
    print(f"\n{len(results)} cases in {time.perf_counter() - started:.0f} s; {len(bad)} broke the rules")
    print("slowest in-process: " + ", ".join(f"case {r['n']} {r['seconds']:.2f} s" for r in slow))
    print(f"peak RSS of one case: {max(float(r['rss_mb']) for r in results):.0f} MB")  # type: ignore[arg-type]
    if subs:
        print(f"{len(subs)} through the CLI subprocess; slowest {max(float(s['seconds']) for s in subs):.2f} s")  # type: ignore[index]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
