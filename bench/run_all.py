"""Run the whole benchmark suite: the pipeline benchmarks, then the others that exist.

    python -m bench.run_all [--quick] [--only throughput,growth] [--out DIR]

Each benchmark runs as its own process (its own embedded servers), one after the other, with
its output shown and kept in ``--out``; a summary table ends the run. `--quick` runs everything
at a small size (a few minutes in all); other engineers' scripts get `--quick` when their
`--help` offers it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT, machine

# name: (module, full-size arguments, quick arguments)
PIPELINE: dict[str, tuple[str, list[str], list[str]]] = {
    "generator": ("bench.generator", ["--sessions", "200"], ["--sessions", "30"]),
    "store_ceiling": ("bench.store_ceiling", ["--sessions", "40"], ["--sessions", "5"]),
    "throughput": (
        "bench.throughput",
        ["--sessions", "16", "--workers", "1,2"],
        ["--sessions", "4", "--workers", "1,2"],
    ),
    "ingest_latency": (
        "bench.ingest_latency",
        ["--rates", "25,100,250,500", "--duration-s", "10"],
        ["--rates", "100,500", "--duration-s", "3"],
    ),
    "freshness": (
        "bench.freshness",
        ["--rate", "1000", "--duration-s", "20", "--wait-s", "90"],
        ["--rate", "1000", "--duration-s", "5", "--wait-s", "30"],
    ),
    # The same at a rate one worker keeps up with here, to show freshness without a backlog.
    "freshness_sustained": (
        "bench.freshness",
        ["--rate", "20", "--duration-s", "30", "--wait-s", "60"],
        ["--rate", "20", "--duration-s", "5", "--wait-s", "30"],
    ),
    "growth": (
        "bench.growth",
        ["--levels", "10000,30000,100000", "--ingest-sessions", "2"],
        ["--levels", "1000,3000", "--ingest-sessions", "2", "--pool", "4", "--max-pages", "1"],
    ),
}
OTHERS = (
    "redaction_*.py",
    "dashboard_queries.py",
    "signal_accuracy.py",
    "false_alarms.py",
    "fault_*.py",
    "fuzz_*.py",
    "load.py",
)
TIMEOUT_S = 1800


def other_scripts() -> list[Path]:
    """The benchmark scripts matching OTHERS; modules that only hold parts (no main) are left."""
    found: list[Path] = []
    for pattern in OTHERS:
        for script in sorted((ROOT / "bench").glob(pattern)):
            if 'if __name__ == "__main__":' in script.read_text():
                found.append(script)
    return found


def module_command(script: Path) -> list[str]:
    """``python -m bench.<name>``: run as a module, a script imports the project as a package."""
    return [sys.executable, "-m", f"bench.{script.stem}"]


def offers_quick(script: Path) -> bool:
    result = subprocess.run(
        [*module_command(script), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return "--quick" in result.stdout


def run_one(name: str, command: list[str], out_dir: Path) -> dict[str, Any]:
    """Run one benchmark, echoing its output; return its status and duration."""
    print(f"\n### {name}: {' '.join(command[1:])}", flush=True)
    started = time.monotonic()
    log_path = out_dir / f"{name}.txt"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            log.write(line)
        try:
            status = process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            status = -9
    return {"name": name, "status": status, "seconds": time.monotonic() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes in all")
    parser.add_argument("--only", help="comma-separated names (pipeline names or script stems)")
    parser.add_argument(
        "--out", type=Path, help="directory for outputs (default: a new one in /tmp)"
    )
    parser.add_argument("--skip-others", action="store_true", help="pipeline benchmarks only")
    args = parser.parse_args()

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_dir = args.out or Path("/tmp") / f"stuckpoint-bench-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    print(f"machine: {json.dumps(machine())}")
    print(f"outputs: {out_dir}")

    results = []
    for name, (module, full, quick) in PIPELINE.items():
        if only and name not in only:
            continue
        extra = ["--json", str(out_dir / f"{name}.json")] if name != "generator" else []
        command = [sys.executable, "-m", module, *(quick if args.quick else full), *extra]
        results.append(run_one(name, command, out_dir))
    for script in [] if args.skip_others else other_scripts():
        if only and script.stem not in only:
            continue
        flags = ["--quick"] if args.quick and offers_quick(script) else []
        results.append(run_one(script.stem, [*module_command(script), *flags], out_dir))

    print("\n### summary")
    for row in results:
        state = "ok" if row["status"] == 0 else f"FAILED ({row['status']})"
        print(f"  {row['name']:24} {state:12} {row['seconds']:>7.0f} s")
    (out_dir / "summary.json").write_text(json.dumps(results, indent=2))
    sys.exit(0 if all(r["status"] == 0 for r in results) else 1)


if __name__ == "__main__":
    main()
