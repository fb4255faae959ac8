"""Mutation testing of the money modules with mutmut, one module at a time (README: Mutation testing).

    python mutation/mutate.py full [MODULE ...]      every mutant of each module; writes mutation/REPORT.md
    python mutation/mutate.py rerun MODULE           re-test a module's survivors (after adding tests)
    python mutation/mutate.py gate [--base REF]      CI: mutants on changed functions plus a fixed sample
    python mutation/mutate.py report                 rewrite mutation/REPORT.md from mutation/results/

What is mutated and which tests judge it is stated once, in mutation/modules.toml; the mutants that no
test can kill because no behaviour differs are listed one by one, with the reason, in
mutation/equivalents.toml. Each module runs in a folder of its own (.mutation/<module>/): links to the
project and a setup.cfg that points mutmut at that module and its tests, so modules never share a cache
and a module's run cannot see another's configuration. Runs under the interpreter that has mutmut
(`make mutate` builds .venv-mutate), at low priority: mutation runs are long and the machine is shared.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
WORK = ROOT / ".mutation"
RESULTS = HERE / "results"
REPORT = HERE / "REPORT.md"
MUTMUT = Path(sys.executable).parent / "mutmut"
# In a module's folder: the tests that killed its mutants before (read by mutation/kill_order.py to
# order a mutant's tests) and the tests that kill them in this run (appended to by it).
KILLS = "kills.json"
KILL_LOG = "kills.log"

# mutmut's exit codes per mutant (mutmut.stats.status_by_exit_code, pinned mutmut version): a crash or a
# time-out means the tests noticed the change, so both count as detected.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout"}
STATUS |= dict.fromkeys((-24, 24, 152, 255), "timeout") | dict.fromkeys((-11, -9), "segfault")
DETECTED = {"killed", "timeout", "segfault"}
CLASS_SEPARATOR = "ǁ"


@dataclass(frozen=True)
class Module:
    name: str
    source: str
    tests: tuple[str, ...]
    gated: bool

    @property
    def dotted(self) -> str:
        return self.source.removesuffix(".py").replace("/", ".")

    @property
    def workdir(self) -> Path:
        return WORK / self.name


@dataclass(frozen=True)
class Config:
    threshold: float
    module_timeout_seconds: int
    gate_sample: int
    deselect: tuple[str, ...]
    modules: tuple[Module, ...]

    def pick(self, names: list[str]) -> list[Module]:
        known = {module.name: module for module in self.modules}
        unknown = [name for name in names if name not in known]
        if unknown:
            sys.exit(f"unknown module(s) {unknown}: mutation/modules.toml names {sorted(known)}")
        return [known[name] for name in names] if names else list(self.modules)


def load_config() -> Config:
    raw = tomllib.loads((HERE / "modules.toml").read_text())
    modules = tuple(Module(m["name"], m["source"], tuple(m["tests"]), m.get("gated", False)) for m in raw["module"])
    deselect = tuple(raw.get("deselect", []))
    paths = [*(path for m in modules for path in (m.source, *m.tests)), *(d.partition("::")[0] for d in deselect)]
    missing = [path for path in paths if not (ROOT / path).is_file()]
    if missing:
        sys.exit(f"mutation/modules.toml names files that do not exist (moved?): {missing}")
    return Config(raw["threshold"], raw["module_timeout_seconds"], raw["gate_sample"], deselect, modules)


@dataclass(frozen=True)
class Equivalent:
    mutant: str
    change: str
    reason: str


def load_equivalents() -> dict[str, Equivalent]:
    raw = tomllib.loads((HERE / "equivalents.toml").read_text())
    return {e["mutant"]: Equivalent(e["mutant"], e["change"].strip(), e["reason"]) for e in raw.get("equivalent", [])}


# --- one module's working folder -------------------------------------------------------------------


def prepare(work: Path, modules: list[Module], deselect: tuple[str, ...], fresh: bool) -> None:
    """Links to the project's tracked top-level entries, a setup.cfg naming these modules and their tests,
    and the tests that killed these modules' mutants in their last runs (mutation/kill_order.py)."""
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    kills: dict[str, dict[str, int]] = {}
    for module in modules:
        record = RESULTS / f"{module.name}.json"
        kills |= json.loads(record.read_text()).get("kills", {}) if record.exists() else {}
    (work / KILLS).write_text(json.dumps(kills))
    (work / KILL_LOG).unlink(missing_ok=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    entries = sorted({line.split("/", 1)[0] for line in tracked.splitlines()} - {".ci", ".gitignore"} | {"mutation"})
    for entry in entries:
        link = work / entry
        if not link.is_symlink():
            link.symlink_to(ROOT / entry)
    copied = [e + "/" if (ROOT / e).is_dir() else e for e in entries if e not in ("shared", "tests", "pyproject.toml")]
    lines = [
        "[mutmut]",
        "source_paths=shared/",
        "only_mutate=",
        *(f"    {module.source}" for module in modules),
        "also_copy=",
        *(f"    {entry}" for entry in copied),
        "pytest_add_cli_args_test_selection=",
        *(f"    {test}" for test in dict.fromkeys(test for module in modules for test in module.tests)),
        *(f"    {arg}" for test in deselect for arg in ("--deselect", test)),
        # (mutmut adds -x -q) no pytest cache between runs; a mutant's likeliest killers run first. Plain
        # asserts: a failing assert fails the same, and each mutant's pytest skips the ~0.25 s of
        # scanning the installed plugins for modules to rewrite (a mutant's own tests take ~0.3 s).
        "pytest_add_cli_args=",
        *(f"    {arg}" for arg in ("-p", "no:cacheprovider", "-p", "mutation.kill_order", "--assert=plain")),
        "use_git_change_detection=false",
        "on_dependency_change=ignore",
    ]
    (work / "setup.cfg").write_text("\n".join(lines) + "\n")


def mutmut(work: Path, *args: str, timeout: float | None = None) -> int:
    """mutmut's own output (spinners, one line per mutant) goes to .mutation/<folder>/mutmut.log."""
    # CI=true: hypothesis replays the same examples (tests/conftest.py), so a verdict is reproducible.
    env = os.environ | {"CI": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    env |= {"MUTATION_KILLS": str(work / KILLS), "MUTATION_KILL_LOG": str(work / KILL_LOG)}
    command = ["nice", "-n", "10", str(MUTMUT), *args]
    log = work / "mutmut.log"
    with log.open("w") as out:
        try:
            run = subprocess.run(command, cwd=work, env=env, timeout=timeout, stdout=out, stderr=out, check=False)
            code = run.returncode
        except subprocess.TimeoutExpired:
            print(f"{work.name}: stopped after {timeout:.0f} s (module_timeout_seconds)", file=sys.stderr)
            return -1
    if code != 0:
        print(f"{work.name}: mutmut exited {code}; the end of {log.relative_to(ROOT)}:", file=sys.stderr)
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
    return code


def verdicts(work: Path, module: Module) -> dict[str, str]:
    meta = work / "mutants" / (module.source + ".meta")
    if not meta.exists():
        return {}
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: "not checked" if code is None else STATUS.get(code, "suspicious") for name, code in codes.items()}


def generated(work: Path, module: Module, wanted: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The names mutmut gives the module's mutants and the change of each of ``wanted`` among them (a
    unified diff of its function, as `mutmut show` prints it), generated afresh: nothing is run."""
    # The mutated module is parsed once (mutmut's get_diff_for_mutant parses it again for every mutant).
    program = (
        "import json, sys; from difflib import unified_diff; from pathlib import Path\n"
        "import libcst\n"
        "from mutmut.mutation.diff_apply import read_mutant_function, read_original_function\n"
        "from mutmut.mutation.file_mutation import mutate_file_contents\n"
        "from mutmut.utils.format_utils import get_mutant_name\n"
        "source = Path(sys.argv[1])\n"
        "mutated = mutate_file_contents(str(source), source.read_text())\n"
        "names = [get_mutant_name(source, name) for name in mutated.mutant_names]\n"
        "wanted = set(json.loads(sys.stdin.read())) & set(names)\n"
        "module = libcst.parse_module(mutated.code) if wanted else None\n"
        "def diff(name):\n"
        "    functions = (read_original_function(module, name), read_mutant_function(module, name))\n"
        "    before, after = (libcst.Module([f]).code.strip().split('\\n') for f in functions)\n"
        "    return '\\n'.join(unified_diff(before, after, str(source), str(source), lineterm=''))\n"
        "print(json.dumps([names, {name: diff(name) for name in wanted}]))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", program, module.source],
        cwd=work,
        input=json.dumps(wanted or []),
        capture_output=True,
        text=True,
        check=True,
    )
    names, diffs = json.loads(shown.stdout)
    return names, {name: "\n".join(diff.splitlines()[2:]) for name, diff in diffs.items()}


def reviewed(work: Path, module: Module, equivalents: dict[str, Equivalent]) -> tuple[list[str], set[str]]:
    """The module's mutants, and those listed as equivalent whose recorded change they still are: they are
    not run (no behaviour differs, so every test that reaches them would run, only to pass)."""
    names, diffs = generated(work, module, list(equivalents))
    return names, {name for name, diff in diffs.items() if equivalents[name].change in changed_lines(diff)}


def changed_lines(diff: str) -> list[str]:
    return [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]


# --- scoring ---------------------------------------------------------------------------------------


@dataclass
class Score:
    module: str
    total: int
    detected: int
    survivors: dict[str, str]  # mutant -> diff, equivalents excluded
    equivalents: dict[str, str]  # mutant -> reason, only those whose recorded change still matches
    stale: list[str]  # listed as equivalent, but the mutant is no longer that change
    counts: dict[str, int]

    @property
    def judged(self) -> int:
        """Mutants tested and not listed as equivalent (an interrupted run leaves some unchecked)."""
        return self.total - len(self.equivalents) - self.counts.get("not checked", 0)

    @property
    def percent(self) -> float:
        return 100.0 if self.judged == 0 else 100.0 * self.detected / self.judged


def score(work: Path, module: Module, found: dict[str, str], equivalents: dict[str, Equivalent]) -> Score:
    counts: dict[str, int] = {}
    for status in found.values():
        counts[status] = counts.get(status, 0) + 1
    survivors: dict[str, str] = {}
    accepted: dict[str, str] = {}
    stale: list[str] = []
    undetected = sorted(name for name, status in found.items() if status not in DETECTED | {"not checked"})
    for mutant, diff in generated(work, module, undetected)[1].items():
        listed = equivalents.get(mutant)
        if listed and listed.change in changed_lines(diff):
            accepted[mutant] = listed.reason
            continue
        if listed:
            stale.append(mutant)
        survivors[mutant] = diff
    detected = sum(1 for status in found.values() if status in DETECTED)
    return Score(module.name, len(found), detected, survivors, accepted, stale, counts)


# --- commands --------------------------------------------------------------------------------------


def full(config: Config, names: list[str], jobs: int) -> int:
    equivalents = load_equivalents()
    RESULTS.mkdir(exist_ok=True)
    failed = []
    for module in config.pick(names):
        prepare(module.workdir, [module], config.deselect, fresh=True)
        print(f"== {module.name}: mutating {module.source} against {len(module.tests)} test file(s)", flush=True)
        started = time.monotonic()
        names, skipped = reviewed(module.workdir, module, equivalents)
        to_run = [name for name in names if name not in skipped]
        timeout = config.module_timeout_seconds
        code = mutmut(module.workdir, "run", "--max-children", str(jobs), *to_run, timeout=timeout)
        seconds = time.monotonic() - started
        result = judge(module, skipped, equivalents)
        complete = code == 0 and "not checked" not in result.counts
        save(module, result, seconds, complete, kills=kills_of(module.workdir))
        print(f"== {module.name}: {summary(result)} in {seconds:.0f} s", flush=True)
        if not complete or result.percent < config.threshold:
            failed.append(module.name)
    write_report(config)
    print(f"report: {REPORT.relative_to(ROOT)}")
    return 1 if failed else 0


def rerun(config: Config, names: list[str], jobs: int) -> int:
    """Re-test the survivors recorded by the last full run of each module, and the mutants it left unrun
    (stopped by module_timeout_seconds); the cache is kept."""
    equivalents = load_equivalents()
    for module in config.pick(names):
        previous = json.loads((RESULTS / f"{module.name}.json").read_text())
        survivors = sorted(previous["survivors"])
        if not survivors and not previous["counts"].get("not checked"):
            continue
        prepare(module.workdir, [module], config.deselect, fresh=False)
        meta = module.workdir / "mutants" / (module.source + ".meta")
        if not meta.exists():
            sys.exit(f"{module.name}: no saved verdicts in {module.workdir} to re-run against: run `full` first")
        kept = json.loads(meta.read_text())["exit_code_by_key"]
        unrun = [name for name, code in kept.items() if code is None]
        started = time.monotonic()
        # a mutant listed as equivalent since (its change still matching) is not run: it would only pass
        skipped = reviewed(module.workdir, module, equivalents)[1]
        to_run = [name for name in dict.fromkeys([*survivors, *unrun]) if name not in skipped]
        if to_run:  # (mutmut given no names runs every mutant)
            mutmut(module.workdir, "run", "--max-children", str(jobs), *to_run, timeout=config.module_timeout_seconds)
        # mutmut forgets every saved verdict when the tests changed, the mutants' it did not re-run too:
        # those keep the verdict of the earlier run, so the score and a later re-run still count them.
        saved = json.loads(meta.read_text())
        codes = saved["exit_code_by_key"]
        saved["exit_code_by_key"] = {name: kept.get(name) if code is None else code for name, code in codes.items()}
        meta.write_text(json.dumps(saved))
        seconds = time.monotonic() - started
        result = judge(module, skipped, equivalents)
        kills = merged([previous.get("kills", {}), kills_of(module.workdir)])
        complete = previous["complete"] or "not checked" not in result.counts
        save(module, result, previous["seconds"], complete, rerun_seconds=seconds, kills=kills)
        print(f"== {module.name}: {summary(result)}", flush=True)
    write_report(config)
    return 0


def judge(module: Module, skipped: set[str], equivalents: dict[str, Equivalent]) -> Score:
    """The module's verdicts, the reviewed equivalents that were not run counted as such."""
    found = verdicts(module.workdir, module)
    found |= {name: "equivalent" for name in skipped if found.get(name) == "not checked"}
    return score(module.workdir, module, found, equivalents)


def kills_of(work: Path) -> dict[str, dict[str, int]]:
    """Per function, how many of its mutants each test killed in this run (mutation/kill_order.py)."""
    log = work / KILL_LOG
    kills: dict[str, dict[str, int]] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        mutant, test = json.loads(line)
        function = kills.setdefault(mutant.partition("__mutmut_")[0], {})
        function[test] = function.get(test, 0) + 1
    return kills


def merged(all_kills: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    total: dict[str, dict[str, int]] = {}
    for kills in all_kills:
        for function, counts in kills.items():
            into = total.setdefault(function, {})
            for test, count in counts.items():
                into[test] = into.get(test, 0) + count
    return total


def summary(result: Score) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
    return f"{result.percent:.1f}% killed of {result.judged} ({counts}; {len(result.equivalents)} equivalent)"


def save(
    module: Module,
    result: Score,
    seconds: float,
    complete: bool,
    kills: dict[str, dict[str, int]],
    rerun_seconds: float | None = None,
) -> None:
    record = {
        "module": module.name,
        "source": module.source,
        "tests": list(module.tests),
        "complete": complete,
        "seconds": round(seconds),
        "rerun_seconds": None if rerun_seconds is None else round(rerun_seconds),
        "total": result.total,
        "detected": result.detected,
        "percent": round(result.percent, 1),
        "counts": result.counts,
        "equivalents": result.equivalents,
        "stale_equivalents": result.stale,
        "survivors": result.survivors,
        # per function, the tests that killed its mutants and how many: the next run tries them first
        "kills": {function: dict(sorted(counts.items())) for function, counts in sorted(kills.items())},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (RESULTS / f"{module.name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def write_report(config: Config) -> None:
    rows, details = [], []
    for module in config.modules:
        path = RESULTS / f"{module.name}.json"
        gated = "yes" if module.gated else "no"
        if not path.exists():
            rows.append(f"| {module.name} | `{module.source}` | not run | | | | | | | {gated} |")
            continue
        r = json.loads(path.read_text())
        timed_out = r["counts"].get("timeout", 0) + r["counts"].get("segfault", 0)
        killed = r["detected"] - timed_out
        unchecked = r["counts"].get("not checked", 0)
        verdict = "meets" if r["percent"] >= config.threshold else "BELOW"
        if not r["complete"]:
            verdict += f" (incomplete: {unchecked} not run)"
        rows.append(
            f"| {module.name} | `{module.source}` | {r['total']} | {killed} | {timed_out} | {len(r['survivors'])} "
            f"| {len(r['equivalents'])} | **{r['percent']}%** {verdict} | {r['seconds']} s | {gated} |"
        )
        for mutant, diff in r["survivors"].items():
            details.append(f"#### {mutant} (survived)\n\n```diff\n{diff}\n```\n")
    lines = [
        "# Mutation testing: the money modules",
        "",
        "Written by `make mutate` (mutation/mutate.py) from mutation/results/; the modules, their tests and",
        f"the threshold ({config.threshold:g}% killed per module, equivalents excluded) are in mutation/modules.toml,",
        "the equivalent mutants and why each is one in mutation/equivalents.toml.",
        "",
        "| module | source | mutants | killed | timed out | survived | equivalent | score | full run | CI gate |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## Survivors",
        "",
        *(details or ["None."]),
    ]
    REPORT.write_text("\n".join(lines).rstrip() + "\n")


# --- the CI gate -----------------------------------------------------------------------------------


def functions_touched(module: Module, base: str) -> set[str]:
    """mutmut's names of the functions and methods whose lines differ from the merge base with `base`."""
    merge_base = subprocess.run(
        ["git", "merge-base", base, "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if merge_base.returncode != 0:
        return set()
    # The whole tree with rename detection: a module moved since the base is diffed against its old path
    # (only its changed functions count), not taken as new throughout.
    whole = subprocess.run(
        ["git", "diff", "-U0", "-M", merge_base.stdout.strip()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sections = re.split(r"^(?=diff --git )", whole, flags=re.MULTILINE)
    diff = "".join(section for section in sections if section.partition("\n")[0].endswith(f" b/{module.source}"))
    lines: set[int] = set()
    for start, count in re.findall(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", diff, flags=re.MULTILINE):
        lines.update(range(int(start), int(start) + max(int(count or 1), 1)))
    touched = set()
    tree = ast.parse((ROOT / module.source).read_text())
    for node in tree.body:
        methods = [(node.name, n) for n in node.body] if isinstance(node, ast.ClassDef) else [(None, node)]
        for class_name, function in methods:
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            span = set(range(function.lineno, (function.end_lineno or function.lineno) + 1))
            if span & lines:
                prefix = f"x{CLASS_SEPARATOR}{class_name}{CLASS_SEPARATOR}" if class_name else "x_"
                touched.add(f"{module.dotted}.{prefix}{function.name}")
    return touched


def gate(config: Config, names: list[str], base: str, jobs: int) -> int:
    """The gated modules' chosen mutants (or the named modules') in one mutmut run over the union of
    their tests: one traced pass and one clean pass instead of one each per module; a mutant still
    runs only the tests that reach its function."""
    equivalents = load_equivalents()
    work = WORK / "gate"
    modules = config.pick(names) if names else [module for module in config.modules if module.gated]
    waiting = [module.name for module in config.modules if not module.gated and module not in modules]
    if waiting:
        print(f"gate: not gated yet (a full run still leaves unlisted survivors): {', '.join(waiting)}")
    prepare(work, modules, config.deselect, fresh=True)
    chosen: dict[str, list[str]] = {}
    for module in modules:
        names, skipped = reviewed(work, module, equivalents)
        candidates = [name for name in names if name not in skipped]
        touched = functions_touched(module, base)
        on_change = [name for name in candidates if name.partition("__mutmut_")[0] in touched]
        sample = sorted(candidates, key=lambda name: hashlib.sha256(name.encode()).hexdigest())[: config.gate_sample]
        chosen[module.name] = sorted(set(on_change) | set(sample))
        print(f"gate {module.name}: {len(on_change)} mutants on changed functions, {len(names)} in all", flush=True)
    started = time.monotonic()
    everything = [name for names in chosen.values() for name in names]
    code = mutmut(work, "run", "--max-children", str(jobs), *everything, timeout=config.module_timeout_seconds)
    print(f"gate: {len(everything)} mutants in {time.monotonic() - started:.0f} s (mutmut exit {code})", flush=True)
    passed: list[str] = []
    failed: list[str] = []
    for module in modules:
        found = {name: status for name, status in verdicts(work, module).items() if name in chosen[module.name]}
        result = score(work, module, found, equivalents)
        complete = len(found) == len(chosen[module.name]) and "not checked" not in result.counts
        ok = code == 0 and complete and result.percent >= config.threshold
        if module.gated:
            (passed if ok else failed).append(module.name)
        verdict = ("ok" if ok else "FAIL") if module.gated else "reported only (not gated yet, mutation/modules.toml)"
        print(f"gate {module.name}: {summary(result)}: {verdict}", flush=True)
        for mutant, diff in result.survivors.items():
            print(f"  survived {mutant}:\n    " + diff.replace("\n", "\n    "))
    print(f"mutation gate (>= {config.threshold:g}% per module): {', '.join(failed) or 'every module met it'}")
    # Not in a test runner's "N passed, N failed" words: CI reads such a closing line as the test count
    print(f"gate: {len(passed)} gated module(s) at or above the threshold, {len(failed)} below")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["full", "rerun", "gate", "report"])
    parser.add_argument("modules", nargs="*", help="module names from mutation/modules.toml (default: all)")
    parser.add_argument("--base", default="main", help="gate: mutants in functions changed since this ref")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")))
    args = parser.parse_args()
    config = load_config()
    if args.command == "full":
        return full(config, args.modules, args.jobs)
    if args.command == "rerun":
        return rerun(config, args.modules, args.jobs)
    if args.command == "gate":
        return gate(config, args.modules, args.base, args.jobs)
    write_report(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
