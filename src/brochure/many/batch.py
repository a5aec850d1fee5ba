"""Many packs at once: worker processes or a Dask cluster, incremental, with a report.

Workers are started with the `spawn` method (WeasyPrint is not fork-safe) and each
renders many packs, so imports and font set-up are paid once per worker. The parent
process writes every PDF atomically, so an interrupted batch keeps what it finished.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..content.models import PackRequest
from ..errors import BrochureError
from ..look.brand import find_brand_file
from ..pack import prepare, render_pack
from ..render.limits import peak_memory_mb
from ..render.output import write_atomic
from ..resources import builtin_data, builtin_fonts, builtin_styles, builtin_templates
from .manifest import Job, plan

STATE_FILE = ".brochure-batch.json"
REPORT_FILE = "batch-report.json"

Bundle = dict[str, dict[str, bytes]]


@dataclass(frozen=True)
class Outcome:
    """What happened to one pack."""

    row: int
    output: str
    status: str  # built, skipped or failed
    seconds: float = 0.0
    pages: int | None = None
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    parts: int | None = None  # documents the pack was laid out in (1: whole; see parts.py)
    worker_peak_mb: float | None = None  # the worker's peak memory after this pack


@dataclass
class BatchReport:
    """Every pack's outcome, in manifest order."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many packs ended with `status`."""
        return sum(1 for o in self.outcomes if o.status == status)

    def to_json(self) -> str:
        """The report as JSON, for scripts and CI."""
        packs = sorted((asdict(o) for o in self.outcomes), key=lambda o: o["row"])
        summary = {s: self.count(s) for s in ("built", "skipped", "failed")}
        return json.dumps({**summary, "packs": packs}, indent=2, ensure_ascii=False)


Listener = Callable[[Outcome, int, int], None]


# -- what a pack depends on ------------------------------------------------------------


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
    elif root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def folder_digest(root: Path, memo: dict[Path, str] | None = None) -> str:
    """A hash of every file's path and bytes under `root` (remembered in `memo` for one run)."""
    if memo is not None and root in memo:
        return memo[root]
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(str(path.relative_to(root if root.is_dir() else root.parent)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    if memo is not None:
        memo[root] = digest.hexdigest()
    return digest.hexdigest()


def kit_root(request: PackRequest) -> Path | None:
    """The folder of the request's brand kit, if it has one."""
    if request.brand is None:
        return None
    return find_brand_file(request.brand).parent


def fingerprint(request: PackRequest, memo: dict[Path, str] | None = None) -> str:
    """A hash of everything a pack is made from: options, content, theme, brand, version."""
    options = request.model_dump(mode="json", exclude={"output", "data_dir", "brand"})
    parts = {
        "brochure": __version__,
        "options": options,
        "data": folder_digest((request.data_dir or builtin_data()).resolve(), memo),
        "theme": [folder_digest(p.resolve(), memo) for p in _theme()],
        "brand": folder_digest(root, memo) if (root := kit_root(request)) else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _theme() -> list[Path]:
    return [builtin_templates(), builtin_styles(), builtin_fonts()]


def _load_state(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
        return dict(data.get("packs", {}))
    except (OSError, ValueError, AttributeError):
        return {}


def _save_state(out_dir: Path, state: dict[str, str]) -> None:
    body = json.dumps({"version": 1, "packs": state}, indent=1, sort_keys=True)
    write_atomic(out_dir / STATE_FILE, body.encode("utf-8"))


# -- the work itself -------------------------------------------------------------------


def render_job(request_data: dict[str, Any], bundle: Bundle | None = None) -> dict[str, Any]:
    """Render one pack in a worker; return its bytes or the error, never raise for user errors.

    With a `bundle`, the content folder and brand kit travel with the task (for workers
    that do not share the manifest's file system) and are unpacked into a temporary folder.
    """
    start = time.perf_counter()
    try:
        request = PackRequest.model_validate(request_data)
        with _unpacked(bundle) as places:
            request = request.model_copy(update=places)
            done = render_pack(prepare(request))
    except BrochureError as exc:
        return {"error": str(exc), "seconds": time.perf_counter() - start}
    return {
        "body": done.body,
        "pages": done.pages,
        "warnings": list(done.warnings),
        "seconds": time.perf_counter() - start,
        "parts": done.parts,
        "peak_mb": round(peak_memory_mb(), 1),
    }


@contextmanager
def _unpacked(bundle: Bundle | None) -> Iterator[dict[str, Path]]:
    """Write a bundle's folders to a temporary place; yield request fields that point there."""
    if not bundle:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="brochure-task-") as tmp:
        places = {}
        for name, files in bundle.items():
            root = Path(tmp) / name
            for relative, body in files.items():
                target = (root / relative).resolve()
                if not target.is_relative_to(root.resolve()):
                    raise BrochureError(f"bundle path {relative!r} leaves its folder")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
            places["data_dir" if name == "data" else "brand"] = root
        yield places


def make_bundle(request: PackRequest) -> Bundle:
    """The files a remote worker needs that its installed brochure does not have."""
    bundle: Bundle = {}
    if request.data_dir is not None:
        root = request.data_dir.resolve()
        bundle["data"] = {str(p.relative_to(root)): p.read_bytes() for p in _files(root)}
    if (kit := kit_root(request)) is not None:
        bundle["brand"] = {str(p.relative_to(kit)): p.read_bytes() for p in _files(kit)}
    return bundle


def _warm_worker() -> None:
    """Pay WeasyPrint's import once, when the worker starts."""
    from ..render import weasy as pdf  # noqa: F401


# -- running a batch -------------------------------------------------------------------


def build_batch(
    manifest: Path,
    out_dir: Path,
    *,
    data_dir: Path | None = None,
    timeout: float | None = None,
    strict: bool = False,
    workers: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    listener: Listener | None = None,
) -> BatchReport:
    """Build one pack per row of `manifest` (CSV or YAML) into `out_dir`.

    Every row is validated before anything renders (BrochureError lists the bad rows);
    then `run_batch` builds them, locally or on the Dask `scheduler`.
    """
    jobs = plan(manifest, out_dir, data_dir=data_dir, timeout=timeout, strict=strict)
    return run_batch(
        jobs, out_dir, workers=workers, force=force, scheduler=scheduler, listener=listener
    )


def run_batch(
    jobs: list[Job],
    out_dir: Path,
    *,
    workers: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    listener: Listener | None = None,
) -> BatchReport:
    """Build every job, skipping packs whose inputs are unchanged; write a JSON report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = _load_state(out_dir)
    report = BatchReport()
    total = len(jobs)
    notify = listener or (lambda outcome, done, count: None)
    todo: list[tuple[Job, str]] = []
    memo: dict[Path, str] = {}
    for job in jobs:
        mark = fingerprint(job.request, memo)
        if not force and job.output.is_file() and state.get(job.output.name) == mark:
            outcome = Outcome(job.row, job.output.name, "skipped", reason="unchanged")
            report.outcomes.append(outcome)
            notify(outcome, len(report.outcomes), total)
        else:
            todo.append((job, mark))

    def finish(job: Job, mark: str, result: dict[str, Any]) -> None:
        with _no_interrupt():  # a pack written is a pack in the report, even on Ctrl-C
            record(job, mark, result)

    def record(job: Job, mark: str, result: dict[str, Any]) -> None:
        if "error" in result:
            outcome = Outcome(
                job.row, job.output.name, "failed", result["seconds"], None, result["error"]
            )
        else:
            write_atomic(job.output, result["body"])
            state[job.output.name] = mark
            _save_state(out_dir, state)
            outcome = Outcome(
                job.row,
                job.output.name,
                "built",
                round(result["seconds"], 3),
                result["pages"],
                warnings=tuple(result["warnings"]),
                parts=result.get("parts"),
                worker_peak_mb=result.get("peak_mb"),
            )
        report.outcomes.append(outcome)
        notify(outcome, len(report.outcomes), total)

    try:
        if scheduler:
            _run_on_dask(todo, scheduler, finish)
        else:
            _run_locally(todo, workers or os.cpu_count() or 1, finish)
    finally:
        write_atomic(out_dir / REPORT_FILE, report.to_json().encode("utf-8"))
    return report


Finisher = Callable[[Job, str, dict[str, Any]], None]


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C back until the body is done, then raise it.

    The handler is swapped rather than the signal blocked: any thread may take the signal,
    but Python runs its handler, and raises KeyboardInterrupt, in the main thread.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


def _run_locally(todo: list[tuple[Job, str]], workers: int, finish: Finisher) -> None:
    if not todo:
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(todo)), mp_context=context, initializer=_warm_worker
    )
    pending: dict[Future[dict[str, Any]], tuple[Job, str]] = {
        pool.submit(render_job, job.request.model_dump(mode="json")): (job, mark)
        for job, mark in todo
    }
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job, mark = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    result = {"error": "the worker process died (out of memory?)", "seconds": 0.0}
                finish(job, mark, result)
    except BaseException:
        # Ctrl-C or a failed write: stop the workers now and keep what is finished.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            process.terminate()
        # Wait for the pool's manager thread, or it races the interpreter's exit and
        # prints a traceback about a closed pipe.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _run_on_dask(todo: list[tuple[Job, str]], address: str, finish: Finisher) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise BrochureError(
            "--scheduler needs Dask's distributed package: pip install 'brochure[dask]'"
        ) from exc
    if not todo:
        return
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise BrochureError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        bundles: dict[str, Any] = {}
        futures = {}
        for job, mark in todo:
            bundle = make_bundle(job.request)
            key = hashlib.sha256(
                json.dumps(sorted((k, sorted(v)) for k, v in bundle.items())).encode()
            ).hexdigest()
            if bundle and key not in bundles:
                bundles[key] = client.scatter([bundle], broadcast=False)[0]
            request = job.request.model_dump(mode="json")
            future = client.submit(render_job, request, bundles.get(key), pure=False)
            futures[future] = (job, mark)
        for future in as_completed(list(futures)):
            job, mark = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a remote failure of any kind fails one pack
                result = {"error": f"the Dask task failed: {exc}", "seconds": 0.0}
            finish(job, mark, result)
    finally:
        client.close()


def iter_outcomes(report: BatchReport, status: str) -> Iterable[Outcome]:
    """The outcomes with `status`, in manifest order."""
    return sorted((o for o in report.outcomes if o.status == status), key=lambda o: o.row)
