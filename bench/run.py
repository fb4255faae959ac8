"""`make bench`: measurements of the built artifact and of the API, not tests (nothing here fails a build).

    .venv/bin/python bench/run.py [--samples N] [--only bytecode,coldstart,inprocess,throughput,store,scale] [--strict]

Everything is discovered from template.yaml (functions, routes, schedules), so a new endpoint is picked
up as soon as it is declared; the requests sent come from bench/scenarios.py.

  bytecode    every module of .aws-sam/build ships valid checked-hash bytecode (bench/bytecode.py)
  (a)         cold start per function vs the floor (bench/coldstart.py, bench/floor_app.py)
  (b) (c)     DynamoDB round trips and warm CPU per request, in process under moto (bench/inprocess.py)
  (d)         ingestion throughput through the local runner vs raw PutItem (bench/throughput.py)
  (e)         the local runner's store as its table grows: ingestion and restart time (bench/store.py)
  (f)         scale: an event matching 1 to 500 rules, progress with 10 to 1,000 campaigns, the window
              closer through 100,000 due windows in bounded runs (bench/scale.py)
  (g)         the outbox publisher's AWS calls and CPU per domain event (bench/outbox.py)
  (h)         points as lots: a debit over 5,000 credits (3,650 lots), the points settler over N
              customers (bench/points.py)
  (i) heat    a large merchant's traffic mix charged to DynamoDB partitions: units per request and the
              rate each route reaches before a partition passes its limit (bench/heat.py); a route below
              its target rate makes the run exit 1, with or without --strict

Prints a table, then the headline figures as JSON; writes everything to bench/results/bench.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bytecode, coldstart, heat
from bench.common import BUILD_DIR, RESULTS_DIR, ROOT, write_json

PARTS = ("bytecode", "coldstart", "inprocess", "throughput", "store", "scale", "outbox", "points", "heat")
CPU_TARGET = 3.0
PART_TIMEOUT_SECONDS = 420
# The store part starts the runner four times, on up to 200,000 items.
STORE_TIMEOUT_SECONDS = 900
# The parts that run in a process of their own: their module and time limit.
SUBPROCESS_PARTS = {
    "inprocess": ("bench.inprocess", PART_TIMEOUT_SECONDS),
    "throughput": ("bench.throughput", PART_TIMEOUT_SECONDS),
    "store": ("bench.store", STORE_TIMEOUT_SECONDS),
    "scale": ("bench.scale", PART_TIMEOUT_SECONDS),
    "outbox": ("bench.outbox", PART_TIMEOUT_SECONDS),
    "points": ("bench.points", PART_TIMEOUT_SECONDS),
    "heat": ("bench.heat", PART_TIMEOUT_SECONDS),
}


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _meta() -> dict[str, Any]:
    return {
        "when": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def _run_part(module: str, timeout: float = PART_TIMEOUT_SECONDS) -> dict[str, Any]:
    """A part in a process of its own (its own environment, moto or server), its stdout discarded
    (the functions' logs and metrics go there); it writes its figures to a file."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", module, str(out)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"{module} did not finish within {timeout:g} s"}
        if done.returncode != 0 or not out.exists():
            return {"error": f"{module} exited with {done.returncode} (its stderr is above)"}
        result: dict[str, Any] = json.loads(out.read_text())
        result["elapsed_seconds"] = round(time.monotonic() - started, 1)
        return result


# ------------------------------------------------------------------------------------------ report


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(headers[i]), *(len(r[i]) for r in rows)) if rows else len(headers[i]) for i in range(len(headers))
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return lines


def _report_bytecode(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return [f"Bytecode: {result['error']}"]
    line = (
        f"Bytecode: {result['checked_hash']}/{result['modules']} modules of {result['root']} ship valid "
        f"checked-hash {result['python']} .pyc (flags=3, source hash matches)"
    )
    return [line, *(f"  ! {p}" for p in result["problems"][:10])]


def _report_coldstart(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return ["(a) Cold start: " + result["error"]]
    origin = "the source tree" if result.get("source") == "source" else ".aws-sam/build"
    lines = [
        f"(a) Cold start: import of the handler module from {origin}, median of {result['samples']} fresh "
        f"processes (ms of {'CPU' if result.get('clock') == 'cpu' else 'wall'} time; tracing disabled)",
        f"    floor {result['floor_ms']} ms = {result['floor']}",
        "    init = import + first DynamoDB client where the import did not create one (the floor creates its own)",
    ]
    rows = []
    notes: list[str] = []
    for row in result["functions"]:
        if row["function"] == coldstart.FLOOR:
            continue
        if "error" in row:
            rows.append([row["function"], "-", "-", "-", "-", "-", "-", "FAILED: " + row["error"][:70]])
            continue
        ratio = row["ratio"]
        beyond = ", ".join(f"{name} {ms:g}" for name, ms in (row.get("beyond_floor_importtime_ms") or [])[:3])
        rows.append(
            [
                row["function"],
                _fmt(row["import_ms"]),
                _fmt(row["init_ms"]),
                row["client"],
                _fmt(row["import_ratio"], 2),
                _fmt(ratio, 2),
                _verdict(ratio <= result["target_ratio"]),
                beyond,
            ]
        )
        if row.get("ours_compiled_from_source"):
            notes.append(f"{row['function']}: compiled from source: {row['ours_compiled_from_source'][:3]}")
    headers = ["function", "import", "init", "client", "import/floor", "init/floor", f"<={result['target_ratio']}"]
    lines.extend("    " + line for line in _table([*headers, "most beyond floor"], rows))
    measured = [r for r in result["functions"] if "ours" in r and r["function"] != coldstart.FLOOR]
    if measured:
        clean = all(r["ours"] == r["ours_checked_hash"] and not r["ours_compiled_from_source"] for r in measured)
        counts = sorted(r["ours"] for r in measured)
        lines.append(
            f"    our modules (functions + shared): {counts[0]} to {counts[-1]} per function, taken from the artifact; "
            + ("all from checked-hash .pyc, none compiled" if clean else "NOT ALL FROM CHECKED-HASH .pyc (see JSON)")
        )
    missing = sorted({m for r in result["functions"] for m in r.get("missing_from_layer") or []})
    if missing:
        lines.append(
            f"    ! imported by the functions but absent from the layer and the Lambda runtime: {', '.join(missing)}"
            " (deployed, their init fails with ModuleNotFoundError)"
        )
    if result["venv"]["stopgaps"]:
        lines.append(f"    ! measured with {', '.join(result['venv']['stopgaps'])} added to .venv-bench as a stopgap")
    lines.append(
        "    most beyond floor: -X importtime self ms of modules the floor does not load (indicative, one run)"
    )
    lines.extend("    ! " + note for note in notes)
    return lines


def _ops(operations: dict[str, int]) -> str:
    return " ".join(f"{op}" if n == 1 else f"{op}x{n}" for op, n in operations.items()) or "-"


def _report_inprocess(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return ["(b)(c): " + result["error"]]
    rows_b, rows_c, notes = [], [], []
    for row in result["rows"]:
        case = row.get("case") or "-"
        if "round_trips" not in row:
            why = row.get("scenario", "?").upper() + ": " + str(row.get("error"))
            rows_b.append([row["route"], case, "-", "-", "-", why[:90]])
            notes.append(f"{row['route']}: {row.get('scenario')}: {row.get('error')}")
            continue
        trips = row["round_trips"]
        status = _fmt(trips["status"])
        if trips["status"] is not None and trips["status"] >= 400:
            status += " !"
            notes.append(
                f"{row['route']} [{case}] answered {trips['status']}: {json.dumps(trips.get('response'))[:200]}"
            )
        function_role = "scheduled" if row["kind"] == "schedule" else "function"
        operations = _ops(trips["operations"].get(function_role, {}))
        if trips["function_init"]:
            operations += f" (+{trips['function_init']} at init)"
        rows_b.append(
            [row["route"], case, status, _fmt(trips["authorizer"] or "-"), _fmt(trips["function"]), operations]
        )
        cpu = row.get("cpu")
        if cpu:
            ratio = cpu.get("ratio")
            rows_c.append(
                [
                    row["route"],
                    case,
                    _fmt(cpu["app_ms"], 2),
                    _fmt(cpu["sdk_ms"], 2),
                    _fmt(cpu["bare_ms"], 2),
                    _fmt(ratio, 1),
                    _verdict(None if ratio is None else ratio <= CPU_TARGET),
                    _fmt(cpu.get("ratio_with_sdk"), 1),
                    _fmt(cpu["dynamodb_excluded_ms"], 1),
                    str(cpu["requests"]),
                ]
            )
        if row.get("error"):
            notes.append(f"{row['route']} [{case}]: {row['error']}")
    lines = ["(b) DynamoDB round trips per request (botocore before-send; moto; authorizer on a cold cache)"]
    lines.extend(
        "    " + line
        for line in _table(["route", "case", "status", "authorizer", "function", "function's calls"], rows_b)
    )
    authorizer = result.get("authorizer", {})
    lines += [
        "",
        "(c) Warm CPU per request outside DynamoDB (process_time of the function's invocation, median, ms)",
        "    app = ours + Powertools + pydantic; sdk = botocore's client side of the DynamoDB calls;",
        "    bare = APIGatewayRestResolver(enable_validation=True), same route and signature, same event;",
        "    ratio = app / bare; moto = DynamoDB's own CPU (moto), excluded from both",
    ]
    headers = ["route", "case", "app", "sdk", "bare", "ratio", f"<={CPU_TARGET:g}", "(app+sdk)/bare", "moto", "n"]
    lines.extend("    " + line for line in _table(headers, rows_c))
    if "app_ms" in authorizer:
        lines.append(
            f"    authorizer (cold cache, behind {authorizer['behind']}): app {authorizer['app_ms']:.2f} ms, "
            f"sdk {authorizer['sdk_ms']:.2f} ms; round trips per request: {authorizer['round_trips_per_request']:g} "
            f"({', '.join(f'{op} {n:g}' for op, n in authorizer['operations_per_request'].items())})"
        )
    if result.get("moto_cpu_per_call_ms"):
        costs = ", ".join(f"{op} {ms:g}" for op, ms in result["moto_cpu_per_call_ms"].items())
        lines.append(f"    moto's CPU per call (ms, small tables): {costs}")
    lines.extend("    ! " + note for note in notes)
    if result.get("missing_scenarios"):
        lines.append(
            f"    !!! NO SCENARIO for: {', '.join(result['missing_scenarios'])} (add one to bench/scenarios.py)"
        )
    return lines


def _report_throughput(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return [f"(d) Throughput: {result['error']}"]
    label = result["route"] + (" (STAND-IN for POST /events, which template.yaml lacks)" if result["stand_in"] else "")
    ingest, raw = result["ingest"], result["put_item"]
    bounds = result["bounds"]
    ratio = result["ratio"]
    return [
        f"(d) Ingestion throughput through the local runner ({result['concurrency']} keep-alive connections, "
        f"at most {bounds['max_requests']} requests or {bounds['max_seconds']:g} s each)",
        f"    {label} [{result['case']}]: {ingest['per_second']} req/s over {ingest['requests']} requests "
        f"(p50 {ingest['p50_ms']} ms, p95 {ingest['p95_ms']} ms; by quarter {ingest['per_second_by_quarter']}; "
        f"statuses {ingest['statuses']})",
        f"    raw PutItem ({result['request_bytes']}-byte body) against the same embedded store: "
        f"{raw['per_second']} req/s (p50 {raw['p50_ms']} ms, p95 {raw['p95_ms']} ms; "
        f"by quarter {raw['per_second_by_quarter']})",
        f"    ratio {ratio} (target >= {result['target_ratio']}): {_verdict(None if ratio is None else ratio >= 0.5)}",
    ]


def _report_store(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return [f"(e) Store: {result['error']}"]
    lines = [
        f"(e) The local runner's store as the table grows: {result['route']} through `rewards dev` (latency: "
        f"one connection; throughput: {result['concurrency']} connections, {result['throughput_seconds']:g} s)",
    ]
    rows = []
    for row in result["rows"]:
        measured = "latency" in row
        ratio, slower = row.get("p50_over_fresh"), row.get("fresh_throughput_over_this")
        worst = max(r for r in (ratio, slower) if r is not None) if measured and ratio is not None else None
        rows.append(
            [
                str(row["items"]),
                _fmt(row["start_seconds"], 2),
                _fmt(row["stop_seconds"], 2),
                _fmt(row["latency"]["p50_ms"]) if measured else "-",
                _fmt(row["latency"]["p95_ms"]) if measured else "-",
                _fmt(row["ingest"]["per_second"]) if measured else "-",
                _fmt(row["put_item"]["per_second"]) if measured else "-",
                _fmt(row.get("ingest_over_put_item"), 2),
                _verdict(None if row.get("ingest_over_put_item") is None else row["ingest_over_put_item"] >= 0.5),
                _fmt(ratio, 2),
                _fmt(slower, 2),
                _verdict(None if worst is None else worst <= result["ratio_target"]),
            ]
        )
    headers = ["items", "start s", "stop s", "p50 ms", "p95 ms", "ingest/s", "PutItem/s", "ingest/put", ">=0.5",
               "p50/fresh", "fresh/s ÷ this", f"<={result['ratio_target']:g}"]  # fmt: skip
    lines.extend("    " + line for line in _table(headers, rows))
    lines.append(
        "    start s: from launch to ready, loading that many items (the restart time); stop s: SIGTERM to exit"
    )
    return lines


def _report_points(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return [f"(h) Points: {result['error']}"]
    debit = result["debit"]
    lines = [
        "(h) Points as lots, in process over moto (CPU outside moto = app + SDK; modelled = that CPU + round trips)",
        f"    a debit of {debit['points_debited']:,} points over {debit['credits']:,} credits in {debit['lots']:,} lots"
        f" ({debit['lots_taken']:,} taken): {debit['round_trips']} round trips ({_ops(debit['operations'])}),"
        f" CPU {debit['cpu_ms']:g} ms, modelled {debit['modelled_latency_ms']:g} ms",
        f"      item sizes: profile {debit['profile_bytes_before']:,} B before, {debit['profile_bytes_after']:,} B"
        f" after; ledger entry {debit['entry_bytes']:,} B (limit {debit['item_limit_bytes']:,} B)",
    ]
    lines.extend(
        f"    settler, {run['customers']} due customers: {run['round_trips']} round trips ({_ops(run['operations'])}),"
        f" CPU {run['cpu_ms']:g} ms ({run['cpu_ms_per_customer']:g} per customer), modelled"
        f" {run['modelled_ms_per_customer']:g} ms per customer per shard;"
        f" idle run {_ops(run['idle_run']['operations'])}"
        for run in result["settle"]
    )
    return lines


def _report_scale(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return [f"(f) Scale: {result['error']}"]
    model = ", ".join(f"{op} {ms:g}" for op, ms in result["model_latency_ms"].items())
    lines = [
        "(f) Scale, in process over moto (median; CPU outside moto = app + SDK; modelled latency = that CPU +",
        f"    the round trips in sequence at {model} ms)",
    ]
    headers = ["request", "status", "round trips", "calls", "CPU ms", "in moto ms", "modelled ms"]

    def row(label: str, figures: dict[str, Any]) -> list[str]:
        return [
            label,
            _fmt(figures["status"]),
            _fmt(figures["round_trips"]),
            _ops(figures["operations"]),
            _fmt(figures["cpu_ms"]),
            _fmt(figures["wall_in_moto_ms"]),
            _fmt(figures["modelled_latency_ms"]),
        ]

    rows = [
        row(f"POST /events, {r['rules']} matching rules ({r['rules_completed']} completed)", r)
        for r in result["ingestion"]
    ]
    rows += [row(f"{r['what']}, {r['campaigns']} campaigns", r) for r in result["campaigns"]]
    lines.extend("    " + line for line in _table(headers, rows))
    closer = result["closer"]
    lines.append(
        f"    window closer: {closer['windows']} due windows, runs of at most {closer['run_budget_seconds']:g} s "
        f"(modelled store): {len(closer['runs'])} runs, {closer['closed']} closed, {closer['left_open']} left open"
    )
    lines.extend(
        f"      run {n}: {run['seconds']:g} s, closed {run['closed']}, read {run['windows_read']}, "
        f"backlog left {run['backlog_left']}, CPU {run['cpu_seconds']:g} s, calls {_ops(run['calls'])}"
        for n, run in enumerate(closer["runs"], 1)
    )
    return lines


def _report_outbox(result: dict[str, Any]) -> list[str]:
    if "error" in result:
        return [f"(g) Outbox publisher: {result['error']}"]
    lines = ["(g) Outbox publisher, per domain event (stream batches of 100, moto; CPU includes moto's serving)"]
    for run in result["runs"]:
        lines.append(
            f"    {run['webhooks']} webhook(s): {run['events']} events from {run['records']} records in "
            f"{run['batches']} batches: {run['calls_per_event']} AWS calls/event {run['calls']}, "
            f"{run['cpu_ms_per_event_including_moto']} ms CPU/event, batch failures {run['batch_failures']}"
        )
    return lines


def _report_heat(result: dict[str, Any]) -> list[str]:
    return heat.report(result, _table)


def _summary(results: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of the table, as JSON."""
    summary: dict[str, Any] = {}
    cold = results.get("coldstart", {})
    if "functions" in cold:
        summary["cold_start"] = {
            "floor_ms": cold["floor_ms"],
            "functions": {
                r["function"]: {"import_ms": r.get("import_ms"), "init_ms": r.get("init_ms"), "ratio": r.get("ratio")}
                for r in cold["functions"]
                if r["function"] != coldstart.FLOOR
            },
        }
    inprocess = results.get("inprocess", {})
    if "rows" in inprocess:
        summary["round_trips"] = {
            f"{r['route']} [{r.get('case')}]": (
                {"authorizer": r["round_trips"]["authorizer"], "function": r["round_trips"]["function"]}
                if "round_trips" in r
                else r.get("scenario")
            )
            for r in inprocess["rows"]
        }
        summary["warm_cpu"] = {
            f"{r['route']} [{r.get('case')}]": {
                "app_ms": r["cpu"]["app_ms"],
                "sdk_ms": r["cpu"]["sdk_ms"],
                "bare_ms": r["cpu"]["bare_ms"],
                "ratio": r["cpu"]["ratio"],
            }
            for r in inprocess["rows"]
            if "cpu" in r
        }
        summary["missing_scenarios"] = inprocess.get("missing_scenarios", [])
    throughput = results.get("throughput", {})
    if "ratio" in throughput:
        summary["throughput"] = {
            "route": throughput["route"],
            "stand_in": throughput["stand_in"],
            "ingest_per_second": throughput["ingest"]["per_second"],
            "put_item_per_second": throughput["put_item"]["per_second"],
            "ratio": throughput["ratio"],
        }
    store = results.get("store", {})
    if "rows" in store:
        summary["store"] = {
            str(row["items"]): {
                "start_seconds": row["start_seconds"],
                **(
                    {
                        "p50_ms": row["latency"]["p50_ms"],
                        "ingest_per_second": row["ingest"]["per_second"],
                        "ingest_over_put_item": row["ingest_over_put_item"],
                        "p50_over_fresh": row.get("p50_over_fresh"),
                    }
                    if "latency" in row
                    else {}
                ),
            }
            for row in store["rows"]
        }
    scale = results.get("scale", {})
    if "ingestion" in scale:
        summary["scale"] = {
            "ingestion": {
                f"{r['rules']} rules": {k: r[k] for k in ("round_trips", "cpu_ms", "modelled_latency_ms")}
                for r in scale["ingestion"]
            },
            "campaigns": {
                f"{r['what']}, {r['campaigns']} campaigns": {
                    k: r[k] for k in ("round_trips", "cpu_ms", "modelled_latency_ms")
                }
                for r in scale["campaigns"]
            },
            "closer": {
                "runs": len(scale["closer"]["runs"]),
                "seconds_per_run": [r["seconds"] for r in scale["closer"]["runs"]],
            },
        }
    outbox = results.get("outbox", {})
    if "runs" in outbox:
        summary["outbox_per_event"] = {
            f"{run['webhooks']} webhook(s)": {
                "aws_calls": run["calls_per_event"],
                "cpu_ms_including_moto": run["cpu_ms_per_event_including_moto"],
            }
            for run in outbox["runs"]
        }
    points = results.get("points", {})
    if "debit" in points:
        debit = points["debit"]
        summary["points"] = {
            "debit_over_lots": {
                k: debit[k] for k in ("lots_taken", "round_trips", "cpu_ms", "profile_bytes_before", "entry_bytes")
            },
            "settler_per_customer": {
                f"{run['customers']} customers": {"cpu_ms": run["cpu_ms_per_customer"], "round_trips": 2}
                for run in points["settle"]
            },
        }
    found = results.get("heat", {}).get("model")
    if found:
        summary["heat"] = {
            row["label"]: {
                "target_per_second": row["target_per_second"],
                "ceiling_per_second": row["ceiling_per_second"],
                "hottest": row["hottest"],
            }
            for row in found["routes"]
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", "9")))
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "bench.json")
    parser.add_argument(
        "--cold-clock",
        choices=sorted(coldstart.CLOCKS),
        default="wall",
        help="what the cold start's milliseconds count: wall time, or the process's CPU time (steady under load)",
    )
    parser.add_argument(
        "--cold-from",
        choices=coldstart.SOURCES,
        default="artifact",
        help="where the cold start imports the functions from: the sam build artifact, or the source tree with "
        "this interpreter (no build needed; ratios only)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if a route has no scenario or a part failed")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if args.samples < 5:
        print(f"bench: --samples {args.samples} < 5: cold-start medians will be noisy", file=sys.stderr)
    needs_build = {"bytecode"} | ({"coldstart"} if args.cold_from == "artifact" else set())
    if not (BUILD_DIR / "template.yaml").exists() and needs_build & set(parts):
        print(f"{BUILD_DIR} is missing: run `make build` (or `make bench`)", file=sys.stderr)
        return 2

    started = time.monotonic()
    results: dict[str, Any] = {"meta": _meta()}
    if "bytecode" in parts:
        report = bytecode.check(BUILD_DIR)
        results["bytecode"] = {
            "root": str(BUILD_DIR.relative_to(ROOT)),
            "python": report.python,
            "modules": report.modules,
            "checked_hash": report.checked_hash,
            "problems": report.problems,
            "stray_bytecode": report.stray_bytecode,
        }
    if "coldstart" in parts:
        try:
            results["coldstart"] = coldstart.measure(args.samples, args.cold_clock, args.cold_from)
        except Exception as error:
            results["coldstart"] = {"error": f"{type(error).__name__}: {error}"}
    for part, (module, timeout) in SUBPROCESS_PARTS.items():
        if part in parts:
            results[part] = _run_part(module, timeout)
    results["meta"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["meta"]["elapsed_seconds"] = round(time.monotonic() - started, 1)
    results = {"summary": _summary(results), **results}
    write_json(args.output, results)

    meta = results["meta"]
    lines = [
        f"Rewards engine bench: commit {meta['commit']}{' (uncommitted changes)' if meta['dirty'] else ''}, "
        f"Python {meta['python']} {meta['machine']}, {meta['cpus']} CPUs, load {meta['load_average_before'][0]} "
        f"-> {meta['load_average_after'][0]}, {meta['elapsed_seconds']} s",
        "",
    ]
    reporters = {
        "bytecode": _report_bytecode,
        "coldstart": _report_coldstart,
        "inprocess": _report_inprocess,
        "throughput": _report_throughput,
        "store": _report_store,
        "scale": _report_scale,
        "outbox": _report_outbox,
        "points": _report_points,
        "heat": _report_heat,
    }
    for part in PARTS:
        if part in results:
            lines.extend([*reporters[part](results[part]), ""])
    print("\n".join(lines))
    print(json.dumps(results["summary"], indent=1))
    print(f"\nAll figures: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    failed = [p for p in parts if "error" in results.get(p, {})]
    missing = results.get("inprocess", {}).get("missing_scenarios")
    below_target = results.get("heat", {}).get("model", {}).get("failing")
    return 1 if below_target or (args.strict and (failed or missing)) else 0


if __name__ == "__main__":
    sys.exit(main())
