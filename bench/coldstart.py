"""(a) Cold start: import time of each function's handler module from the ``sam build`` artifact.

Each sample is a fresh ``python -I -B`` process of ``.venv-bench`` (boto3 + shared/requirements.txt and
nothing else: no awscrt or other dev packages, which slow ``import boto3`` down) that sets ``sys.path``
as Lambda would, except for where third-party code comes from:

    .aws-sam/build/<LogicalId>/       the function (LAMBDA_TASK_ROOT), from its checked-hash .pyc
    <stdlib>
    .venv-bench/.../site-packages     third-party packages: x86 builds of the layer's pinned versions
    .aws-sam/build/SharedLayer/python our ``shared`` package, from its checked-hash .pyc

(the layer's own copies of pydantic etc. are aarch64 wheels and cannot load on this machine). The
process times ``importlib.import_module`` of the handler module with ``time.perf_counter`` (or, with
``--cold-clock cpu``, the process's CPU time, ``time.process_time``: on a loaded machine wall time measures
the scheduler more than the import, CPU time barely moves) and prints milliseconds; "init" adds the
first ``shared.storage.dynamodb.client()`` where the import did not create it already, so that a
function that defers its client is not flattered. Samples of all functions and of the floor
(bench/floor_app.py, imported the same way) are interleaved, after one unmeasured warm-up round. One
more, unmeasured, process per function verifies where every module came from, that none of ours was
compiled from source, and that every third-party module the function loads is in the layer (or in the
Lambda runtime).

Without a ``sam build`` (``--cold-from source``), the same samples run with the interpreter of the bench
itself (the dev venv, dev packages included) and import each handler from the source tree: the function's
directory of template.yaml, then our ``shared`` from the tree's root, both from bytecode compiled first
(so no sample compiles). The floor pays the same venv, so the ratios compare; the absolute milliseconds
do not compare with an artifact run's.

Environment as Lambda's: the function's variables from template.yaml, AWS_REGION, fake credentials, no
~/.aws files, LAMBDA_TASK_ROOT and friends; tracing disabled (POWERTOOLS_TRACE_DISABLED=true: no X-Ray
daemon here; tracing would add the patching of botocore).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BENCH_VENV, BUILD_DIR, ROOT, TABLE_NAME, median
from rewards_cli.template import PROJECT_ROOT, Function, load, resolve_environment

FLOOR = "floor"
FLOOR_SOURCE = Path(__file__).with_name("floor_app.py")
LAYER_ID = "SharedLayer"
TARGET_RATIO = 1.10
# What the python3.13 Lambda runtime provides besides the standard library.
LAMBDA_RUNTIME_PACKAGES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})
# A module the functions need that shared/requirements.txt does not install, and the requirement that
# provides it. Installed into .venv-bench only when an import fails for want of it, and reported.
# What a sample's milliseconds count: the wall clock (what a cold start costs in latency) or the process's CPU.
CLOCKS = {"wall": "perf_counter", "cpu": "process_time"}
# Where the functions' code is imported from: the sam build artifact, or the source tree (no build needed).
SOURCES = ("artifact", "source")
STOPGAPS = {"aws_xray_sdk": ("aws-lambda-powertools", "tracer")}

_SAMPLE = r"""
import importlib, json, sys, time
spec = json.loads(sys.argv[1])
sys.path[:] = [spec["task_root"], *spec["stdlib"], spec["site_packages"], spec["layer"]]
compiled = []
if spec["verify"]:
    from importlib.machinery import SourceFileLoader
    original = SourceFileLoader.source_to_code
    def source_to_code(self, data, path, *args, **kwargs):
        compiled.append(path)
        return original(self, data, path, *args, **kwargs)
    SourceFileLoader.source_to_code = source_to_code
clock = getattr(time, spec["clock"])
started = clock()
try:
    importlib.import_module(spec["module"])
except BaseException as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}", "missing": getattr(error, "name", None)}))
    raise SystemExit(0)
imported = clock()
storage = sys.modules.get("shared.storage.dynamodb")
client_at_import = storage is not None and storage.client.cache_info().currsize > 0
if storage is not None:
    storage.client()
ready = clock()
result = {
    "import_ms": (imported - started) * 1000,
    "init_ms": (ready - started) * 1000,
    "client": "at import" if client_at_import else ("first use" if storage is not None else "none"),
}
if spec["verify"]:
    # site-packages before the layer: from the source tree, the layer is the tree's root, which may hold the venv
    roots = {"function": spec["task_root"], "site-packages": spec["site_packages"], "layer": spec["layer"]}
    def origin_of(path):
        return next((k for k, root in roots.items() if path.startswith(root + "/")), "stdlib")
    origin = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        origin[name] = (origin_of(path), path, getattr(module, "__cached__", None))
    ours = {n: o for n, o in origin.items() if o[0] in ("function", "layer")}
    checked = 0
    for where, path, cached in ours.values():
        try:
            with open(cached, "rb") as f:
                checked += int.from_bytes(f.read(8)[4:8], "little") == 3
        except (OSError, TypeError):
            pass
    def is_ours(path):
        return origin_of(path) in ("function", "layer")
    result.update(
        modules=len(sys.modules),
        ours=len(ours),
        ours_checked_hash=checked,
        ours_compiled_from_source=sorted(p for p in compiled if is_ours(p)),
        others_compiled_from_source=len([p for p in compiled if not is_ours(p)]),
        third_party=sorted({n.split(".")[0] for n, o in origin.items() if o[0] == "site-packages"}),
        shared_from=getattr(sys.modules.get("shared"), "__file__", None),
    )
print(json.dumps(result))
"""


# ------------------------------------------------------------------------------------------ environment


def runtime_requirements() -> list[str]:
    """boto3 (as the dev environment pins it; the Lambda runtime provides it) and shared/requirements.txt."""
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    boto3 = next((r for r in dev if r.replace(" ", "").startswith(("boto3=", "boto3>", "boto3<", "boto3~"))), "boto3")
    lines = (ROOT / "shared" / "requirements.txt").read_text().splitlines()
    return [boto3, *(line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip())]


def _venv_python() -> Path:
    return BENCH_VENV / "bin" / "python"


def _pip(*args: str) -> None:
    subprocess.run(
        [str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        check=True,
    )


def ensure_venv() -> list[str]:
    """(Re)create .venv-bench when the runtime requirements change; the stopgaps it holds stay listed."""
    requirements = runtime_requirements()
    stamp = BENCH_VENV / ".bench-requirements.json"
    state: dict[str, Any] = json.loads(stamp.read_text()) if stamp.exists() else {}
    if not _venv_python().exists() or state.get("requirements") != requirements:
        print(f"bench: creating {BENCH_VENV.name} with {' '.join(requirements)}", file=sys.stderr)
        shutil.rmtree(BENCH_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        _pip(*requirements)
        state = {"requirements": requirements, "stopgaps": []}
        stamp.write_text(json.dumps(state))
    stopgaps: list[str] = state.get("stopgaps", [])
    return stopgaps


def _add_stopgap(module: str) -> str | None:
    if module not in STOPGAPS:
        return None
    package, extra = STOPGAPS[module]
    pinned = next((r for r in runtime_requirements() if r.lower().startswith(package)), package)
    requirement = pinned.replace(package, f"{package}[{extra}]", 1)
    print(
        f"bench: {module} is missing from the runtime requirements; adding {requirement} to {BENCH_VENV.name}",
        file=sys.stderr,
    )
    _pip(requirement)
    stamp = BENCH_VENV / ".bench-requirements.json"
    state = json.loads(stamp.read_text())
    state["stopgaps"] = sorted({*state.get("stopgaps", []), requirement})
    stamp.write_text(json.dumps(state))
    return requirement


def _venv_paths(python: Path) -> tuple[str, list[str]]:
    """A venv's site-packages and its standard library entries of ``sys.path``."""
    found = subprocess.run(
        [
            str(python),
            "-I",
            "-c",
            "import json, sys, sysconfig; print(json.dumps([sysconfig.get_paths()['purelib'], sys.path]))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    site, path = json.loads(found.stdout)
    return site, [p for p in path if p and p != site and "site-packages" not in p]


def _lambda_environment(function: Function | None, task_root: Path, home: str) -> dict[str, str]:
    logical_id = function.logical_id if function else "FloorFunction"
    handler = function.handler if function else "app.lambda_handler"
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": home,
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": handler,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "ASIABENCHBENCHBENCH0",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        # Lambda has no shared config or credentials files; do not read the developer's.
        "AWS_CONFIG_FILE": "/nonexistent/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if function is not None:
        environment.update(resolve_environment(function, TABLE_NAME))
    environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    return environment


# ------------------------------------------------------------------------------------------ sampling


class _Target:
    def __init__(self, name: str, function: Function | None, task_root: Path, module: str) -> None:
        self.name, self.function, self.task_root, self.module = name, function, task_root, module
        self.samples: list[dict[str, Any]] = []
        self.verified: dict[str, Any] = {}


@dataclass(frozen=True)
class _Runtime:
    """The interpreter of the samples and where it takes each part of the code from."""

    source: str
    python: Path
    layer: Path
    site_packages: str
    stdlib: list[str]

    def task_root(self, function: Function) -> Path:
        return function.code_dir if self.source == "source" else BUILD_DIR / function.logical_id


def _runtime(source: str) -> tuple[_Runtime, list[str]]:
    """The runtime of ``source`` and the stopgaps its venv holds."""
    if source == "source":
        python = Path(sys.executable)
        # Our code from bytecode as in the artifact, so that no sample compiles it.
        _compile(python, PROJECT_ROOT / "shared", PROJECT_ROOT / "functions")
        return _Runtime(source, python, PROJECT_ROOT, *_venv_paths(python)), []
    layer = BUILD_DIR / LAYER_ID / "python"
    if not layer.is_dir():
        raise SystemExit(f"{layer} is missing: run `make build` first")
    stopgaps = ensure_venv()
    return _Runtime(source, _venv_python(), layer, *_venv_paths(_venv_python())), stopgaps


def _compile(python: Path, *roots: Path) -> None:
    subprocess.run(
        [str(python), "-m", "compileall", "-q", "--invalidation-mode", "checked-hash", *map(str, roots)],
        check=True,
    )


def _run_sample(
    target: _Target,
    runtime: _Runtime,
    home: str,
    *,
    verify: bool,
    importtime: bool = False,
    clock: str = "wall",
) -> dict[str, Any]:
    spec = {
        "task_root": str(target.task_root),
        "layer": str(runtime.layer),
        "site_packages": runtime.site_packages,
        "stdlib": runtime.stdlib,
        "module": target.module,
        "verify": verify,
        "clock": CLOCKS[clock],
    }
    flags = ["-X", "importtime"] if importtime else []
    completed = subprocess.run(
        [str(runtime.python), "-I", "-B", *flags, "-c", _SAMPLE, json.dumps(spec)],
        env=_lambda_environment(target.function, target.task_root, home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        return {"error": f"exit {completed.returncode}: {completed.stderr.strip()[-500:]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    if importtime:
        result["self_us"] = _parse_importtime(completed.stderr)
    return result


def _parse_importtime(stderr: str) -> dict[str, int]:
    """``-X importtime`` lines (``import time: self [us] | cumulative | name``) as module -> self time."""
    found: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            found[fields[2].strip()] = int(fields[0])
    return found


def _group(module: str) -> str:
    parts = module.split(".")
    depth = {"aws_lambda_powertools": 3, "shared": 2}.get(parts[0], 1)
    return ".".join(parts[:depth])


def _beyond_floor(function: dict[str, int], floor: dict[str, int]) -> list[tuple[str, float]]:
    """Import self time (ms, under -X importtime: indicative) of what the function loads and the floor
    does not, by package, largest first."""
    groups: dict[str, float] = {}
    for module, self_us in function.items():
        if module not in floor or module == "app":
            groups[_group(module)] = groups.get(_group(module), 0.0) + self_us / 1000
    return sorted(((g, round(ms, 1)) for g, ms in groups.items()), key=lambda item: -item[1])


def _targets(workdir: Path, runtime: _Runtime) -> list[_Target]:
    floor_root = workdir / "floor"
    floor_root.mkdir()
    shutil.copy(FLOOR_SOURCE, floor_root / "app.py")
    _compile(runtime.python, floor_root)
    targets = [_Target(FLOOR, None, floor_root, "app")]
    for function in load().functions.values():
        module = function.handler.rsplit(".", 1)[0]
        targets.append(_Target(function.logical_id, function, runtime.task_root(function), module))
    return targets


def _layer_gaps(third_party: list[str], layer: Path) -> list[str]:
    def in_layer(name: str) -> bool:
        return (layer / name).is_dir() or (layer / f"{name}.py").exists() or any(layer.glob(f"{name}.*.so"))

    return [n for n in third_party if n not in LAMBDA_RUNTIME_PACKAGES and not in_layer(n) and n != "_cffi_backend"]


def measure(samples: int, clock: str = "wall", source: str = "artifact") -> dict[str, Any]:
    runtime, stopgaps = _runtime(source)
    with tempfile.TemporaryDirectory(prefix="bench-coldstart-") as tmp:
        home = str(Path(tmp) / "home")
        os.mkdir(home)
        targets = _targets(Path(tmp), runtime)
        # Verification (and the discovery of modules missing from the requirements) before any timing.
        for target in targets:
            target.verified = _run_sample(target, runtime, home, verify=True)
            missing = target.verified.get("missing")
            if missing and (added := _add_stopgap(missing)):
                stopgaps.append(added)
                target.verified = _run_sample(target, runtime, home, verify=True)
        runnable = [t for t in targets if "error" not in t.verified]
        print(f"bench: (a) cold start, {len(runnable)} targets x {samples} samples", file=sys.stderr)
        for round_number in range(samples + 1):
            for target in runnable:
                result = _run_sample(target, runtime, home, verify=False, clock=clock)
                if round_number > 0:  # round 0 warms the page cache
                    target.samples.append(result)
        # Where the difference comes from: one more process each under -X importtime (never timed).
        for target in runnable:
            target.verified["self_us"] = _run_sample(target, runtime, home, verify=False, importtime=True).get(
                "self_us", {}
            )
    return {**_summarise(targets, runtime, stopgaps, samples), "clock": clock, "source": source}


def _summarise(targets: list[_Target], runtime: _Runtime, stopgaps: list[str], samples: int) -> dict[str, Any]:
    floor = next(t for t in targets if t.name == FLOOR)
    floor_ms = median([s["import_ms"] for s in floor.samples if "import_ms" in s])
    floor_modules: dict[str, int] = floor.verified.get("self_us", {})
    rows = []
    for target in targets:
        verified = target.verified
        timings = [s for s in target.samples if "import_ms" in s]
        errors = [s["error"] for s in target.samples if "error" in s]
        row: dict[str, Any] = {"function": target.name, "samples": len(timings)}
        if "error" in verified or not timings:
            row["error"] = verified.get("error") or (errors[0] if errors else "no sample")
            rows.append(row)
            continue
        import_ms = median([s["import_ms"] for s in timings])
        init_ms = median([s["init_ms"] for s in timings])
        row.update(
            import_ms=round(import_ms, 1),
            init_ms=round(init_ms, 1),
            client=timings[0]["client"],
            import_samples_ms=[round(s["import_ms"], 1) for s in timings],
            ratio=None if target.name == FLOOR else round(init_ms / floor_ms, 2),
            import_ratio=None if target.name == FLOOR else round(import_ms / floor_ms, 2),
            modules=verified.get("modules"),
            ours=verified.get("ours"),
            ours_checked_hash=verified.get("ours_checked_hash"),
            ours_compiled_from_source=verified.get("ours_compiled_from_source"),
            # The source tree is no layer: what the layer would lack is the artifact run's to say.
            missing_from_layer=(
                []
                if target.name == FLOOR or runtime.source == "source"
                else _layer_gaps(verified.get("third_party", []), runtime.layer)
            ),
            beyond_floor_importtime_ms=(
                None if target.name == FLOOR else _beyond_floor(verified.get("self_us", {}), floor_modules)[:8]
            ),
        )
        if errors:
            row["errors"] = errors[:3]
        rows.append(row)
    return {
        "method": "median of fresh `python -I -B` processes timing importlib.import_module of the handler module "
        "(init: plus the first DynamoDB client where the import did not create it), interleaved, after one "
        "warm-up round; tracing disabled",
        "samples": samples,
        "venv": {
            "path": str(runtime.python.parent.parent),
            "requirements": runtime_requirements() if runtime.source == "artifact" else "the dev environment's",
            "stopgaps": stopgaps,
        },
        "floor_ms": round(floor_ms, 1),
        "floor": "bench/floor_app.py: boto3 session + DynamoDB client, pydantic model, "
        "APIGatewayRestResolver(enable_validation=True) with one pydantic-validated route",
        "target_ratio": TARGET_RATIO,
        "functions": rows,
    }
