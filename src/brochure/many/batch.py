"""Many packs at once: worker processes or a Dask cluster, incremental, with a report.

Every brand kit and content folder is read once into memory (`snapshot.py`) and each pack
is built from that copy, locally or on a Dask worker, so a kit edited mid-batch cannot mix
two versions in one pack and a bundle is known by its bytes, not its file names. Local
workers (`workers.py`) are `spawn`ed and render many packs each; one dying fails only its
own pack. The parent process writes every PDF atomically and holds a lock on the output
folder (`batchstate.py`), so an interrupted batch keeps what it finished and two batches
never write one folder at once.
"""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .._version import __version__
from ..content.models import PackRequest
from ..errors import BrochureError, OutputError
from ..look.brand import find_brand_file
from ..pack import BuildResult, prepare, render_pack
from ..render.cache import BUNDLES, default_root
from ..render.limits import cores, peak_memory_mb
from ..render.output import remove_stale_temps, write_atomic
from ..resources import builtin_data, builtin_fonts, builtin_styles, builtin_templates
from .batchstate import (
    REPORT_FILE,
    STATE_FILE,
    Built,
    batch_lock,
    forget_locks,
    is_current,
    load_state,
    report_warning,
    save_state,
)
from .manifest import Job, plan
from .snapshot import Folder, read_folder, unpacked
from .workers import run_pool

__all__ = [
    "REPORT_FILE",
    "STATE_FILE",
    "BatchReport",
    "Outcome",
    "build_batch",
    "iter_outcomes",
    "run_batch",
]

Bundle = dict[str, Mapping[str, bytes]]


@dataclass(frozen=True)
class Outcome:
    """What happened to one row of a manifest; a pack it built has its `BuildResult`."""

    row: int
    output: str  # the pack's path inside the output folder
    status: str  # built, skipped or failed
    seconds: float = 0.0
    reason: str | None = None  # why it failed or was skipped
    result: BuildResult | None = None  # what was built (its warnings include the batch's)
    worker_peak_mb: float | None = None  # the worker's peak memory after this pack

    def to_dict(self) -> dict[str, Any]:
        """The outcome as a row of the JSON report."""
        built = self.result
        return {
            "row": self.row,
            "output": self.output,
            "status": self.status,
            "seconds": self.seconds,
            "reason": self.reason,
            "pages": built and built.pages,
            "parts": built and built.parts,
            "layout": built and built.layout,
            "warnings": list(built.warnings) if built else [],
            "worker_peak_mb": self.worker_peak_mb,
        }


@dataclass
class BatchReport:
    """Every pack's outcome, in manifest order, and warnings about the batch as a whole."""

    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    report_written: bool = False

    def count(self, status: str) -> int:
        """How many packs ended with `status`."""
        return sum(1 for o in self.outcomes if o.status == status)

    def to_json(self) -> str:
        """The report as JSON, for scripts and CI."""
        packs = [o.to_dict() for o in sorted(self.outcomes, key=lambda o: o.row)]
        summary = {s: self.count(s) for s in ("built", "skipped", "failed")}
        body = {**summary, "warnings": self.warnings, "packs": packs}
        return json.dumps(body, indent=2, ensure_ascii=False)


Listener = Callable[[Outcome, int, int], None]


@dataclass(frozen=True)
class Task:
    """One pack to build: its job, its place in the record, and the bytes it is made from."""

    job: Job
    key: str  # the pack's path inside the output folder
    mark: str  # the fingerprint of its inputs
    request: dict[str, Any]
    bundle: Bundle
    bundle_key: str  # a digest of the bundle's bytes: equal keys, equal files
    shares: str | None = None  # equal for packs whose chapters are the same (see `shared`)


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


def installed_digest() -> str:
    """A hash of the installed theme and content (the same for every pack of a run)."""
    roots = [builtin_templates(), builtin_styles(), builtin_fonts(), builtin_data()]
    return hashlib.sha256("".join(folder_digest(p.resolve()) for p in roots).encode()).hexdigest()


def fingerprint(request: PackRequest, folders: Mapping[str, Folder], installed: str) -> str:
    """A hash of everything a pack is made from: options, content, theme, brand, version."""
    exclude = {"output", "data_dir", "brand", *PackRequest.HOW}
    options = request.model_dump(mode="json", exclude=exclude)
    parts = {
        "brochure": __version__,
        "options": options,
        "installed": installed,
        "folders": {name: folder.digest for name, folder in sorted(folders.items())},
        "brand_file": request.brand.name if request.brand else None,
    }
    return _digest(parts)


def _digest(value: Any) -> str:
    """A SHA-256 of `value` as JSON, its keys sorted."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


#: What makes one traveller's pack differ from a colleague's on the same trip.
PERSONAL = frozenset({"traveller", "title", "trip_start", "trip_end", "itinerary", "output"})


def shared(request: PackRequest, bundle_key: str) -> str | None:
    """A key equal for packs that share their chapters (all but the personal pages), so
    that the batch lays those out once and takes them from the part cache after; None
    without the cache."""
    if not request.cache:
        return None
    options = request.model_dump(mode="json", exclude={*PERSONAL, *PackRequest.HOW})
    return _digest([options, bundle_key])


def _snap(root: Path, memo: dict[Path, Folder | BrochureError]) -> Folder:
    """The snapshot of `root`, read once per batch."""
    root = root.resolve()
    if root not in memo:
        try:
            memo[root] = read_folder(root)
        except BrochureError as exc:
            memo[root] = exc
    found = memo[root]
    if isinstance(found, BrochureError):
        raise found
    return found


def make_task(job: Job, key: str, memo: dict[Path, Folder | BrochureError], installed: str) -> Task:
    """Read (once per batch) the folders a job is made from; fingerprint the result."""
    request = job.request
    folders: dict[str, Folder] = {}
    if request.data_dir is not None:
        folders["data"] = _snap(request.data_dir, memo)
    if request.brand is not None:
        brand_file = find_brand_file(request.brand).resolve()
        folders["brand"] = _snap(brand_file.parent, memo)
        request = request.model_copy(update={"brand": brand_file})
    mark = fingerprint(request, folders, installed)
    bundle_key = _digest({name: folder.digest for name, folder in folders.items()})
    bundle: Bundle = {name: folder.files for name, folder in folders.items()}
    request_data = request.model_dump(mode="json")
    return Task(job, key, mark, request_data, bundle, bundle_key, shared(request, bundle_key))


# -- the work itself -------------------------------------------------------------------


def render_job(request_data: dict[str, Any], bundle: Bundle | None = None) -> dict[str, Any]:
    """Render one pack in a worker; return its bytes or the reason it failed, never raise.

    With a `bundle`, the content folder and brand kit come with the task as bytes and are
    unpacked, so the pack sees one consistent copy: with the part cache on, into its
    folder, at paths named by the bytes' digest (see snapshot.unpacked), else into a
    private temporary folder.
    """
    start = time.perf_counter()
    try:
        request = PackRequest.model_validate(request_data)
        shared = default_root() / BUNDLES if request.cache else None
        with unpacked(bundle or {}, shared) as places:
            try:
                body, result = render_pack(
                    prepare(request.model_copy(update=_moved(request, places)))
                )
            except BrochureError as exc:
                raise BrochureError(_relocated(str(exc), request, places)) from exc
    except BrochureError as exc:
        return {"error": str(exc), "seconds": time.perf_counter() - start}
    except Exception as exc:  # noqa: BLE001 - any failure fails this pack alone, with its reason
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
        return {"error": reason, "seconds": time.perf_counter() - start}
    return {
        "body": body,
        "result": result,
        "seconds": time.perf_counter() - start,
        "peak_mb": round(peak_memory_mb(), 1),
    }


def _moved(request: PackRequest, places: dict[str, Path]) -> dict[str, Path]:
    """Request fields that point at the unpacked copies."""
    update = {}
    if "data" in places:
        update["data_dir"] = places["data"]
    if "brand" in places and request.brand is not None:
        update["brand"] = places["brand"] / request.brand.name
    return update


def _relocated(message: str, request: PackRequest, places: dict[str, Path]) -> str:
    """`message` naming the user's folders rather than the unpacked copies."""
    originals = {"data": request.data_dir, "brand": request.brand and request.brand.parent}
    for name, place in places.items():
        if (original := originals.get(name)) is not None:
            message = message.replace(str(place), str(original))
    return message


#: What the workers' fork server imports once: this module (the work) and WeasyPrint.
_PRELOAD = (__name__, "brochure.render.weasy")


def _warm_worker() -> None:
    """Pay WeasyPrint's import once, when the worker starts; let go of the batch's lock."""
    forget_locks()
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
    """Build every job, skipping packs whose inputs are unchanged; write a JSON report.

    Holds the output folder's lock for the whole run; raises BrochureError at once if
    another batch holds it.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from exc
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir}: is not a folder")
    with batch_lock(out_dir):
        return _run_locked(jobs, out_dir, workers, force, scheduler, listener)


def _run_locked(
    jobs: list[Job],
    out_dir: Path,
    workers: int | None,
    force: bool,
    scheduler: str | None,
    listener: Listener | None,
) -> BatchReport:
    for folder in {out_dir, *(job.output.parent for job in jobs)}:
        remove_stale_temps(folder)  # left by a batch that was killed mid-write
    state, warnings = load_state(out_dir)
    if (earlier := report_warning(out_dir)) is not None:
        warnings.append(earlier)
    report = BatchReport(warnings=warnings)
    notify = listener or (lambda outcome, done, count: None)

    def add(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        notify(outcome, len(report.outcomes), len(jobs))

    todo = _plan_tasks(jobs, out_dir, state, force, add)

    def finish(task: Task, result: dict[str, Any]) -> None:
        with _no_interrupt():  # a pack written is a pack in the report, even on Ctrl-C
            add(_record(task, result, out_dir, state))

    try:
        if scheduler:
            _run_on_dask(todo, scheduler, finish)
        elif todo:
            count = min(workers or cores(), len(todo))
            run_pool(
                todo,
                count,
                _task_args,
                render_job,
                finish,
                initializer=_warm_worker,
                preload=_PRELOAD,
                group_of=_shares,
            )
    finally:
        try:
            write_atomic(out_dir / REPORT_FILE, report.to_json().encode("utf-8"))
            report.report_written = True
        except OutputError as exc:
            report.warnings.append(f"the report was not written: {exc}")
    return report


def _task_args(task: Task) -> tuple[Any, ...]:
    return (task.request, task.bundle)


def _shares(task: Task) -> str | None:
    return task.shares


def _plan_tasks(
    jobs: list[Job],
    out_dir: Path,
    state: dict[str, Built],
    force: bool,
    add: Callable[[Outcome], None],
) -> list[Task]:
    """The tasks to run; skipped packs and packs whose folders cannot be read go to `add`."""
    base = out_dir.resolve()
    memo: dict[Path, Folder | BrochureError] = {}
    installed = installed_digest()
    todo = []
    for job in jobs:
        key = job.output.relative_to(base).as_posix()
        try:
            task = make_task(job, key, memo, installed)
        except BrochureError as exc:
            add(Outcome(job.row, key, "failed", reason=str(exc)))
            continue
        if not force and is_current(state, key, job.output, task.mark):
            add(Outcome(job.row, key, "skipped", reason="unchanged"))
        else:
            todo.append(task)
    return todo


def _record(task: Task, result: dict[str, Any], out_dir: Path, state: dict[str, Built]) -> Outcome:
    """Write a finished pack and note it in the record; the pack's outcome."""
    job = task.job
    if "error" in result:
        return Outcome(job.row, task.key, "failed", result["seconds"], result["error"])
    try:
        write_atomic(job.output, result["body"])
    except OutputError as exc:  # a full disk, say: this pack fails, the earlier file stays
        return Outcome(job.row, task.key, "failed", result["seconds"], str(exc))
    built: BuildResult = result["result"]
    warnings = list(built.warnings)
    state[task.key] = Built(task.mark, len(result["body"]))
    try:
        save_state(out_dir, state)
    except OutputError as exc:
        warnings.append(f"the record of builds was not saved ({exc}); rebuilt next time")
    return Outcome(
        job.row,
        task.key,
        "built",
        round(result["seconds"], 3),
        result=replace(built, path=job.output, warnings=tuple(warnings)),
        worker_peak_mb=result.get("peak_mb"),
    )


Finisher = Callable[[Task, dict[str, Any]], None]


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


def _bundle_of(bundle: Bundle) -> Bundle:
    """A Dask task that holds a bundle: unlike scattered data, the scheduler can recompute
    it if the worker holding it dies."""
    return bundle


def _run_on_dask(todo: list[Task], address: str, finish: Finisher) -> None:
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
    futures: dict[Any, Task] = {}
    try:
        bundles: dict[str, Any] = {}
        for task in todo:
            remote = None
            if task.bundle:
                if task.bundle_key not in bundles:  # one per distinct set of bytes
                    bundles[task.bundle_key] = client.submit(
                        _bundle_of, task.bundle, key=f"brochure-bundle-{task.bundle_key}"
                    )
                remote = bundles[task.bundle_key]
            futures[client.submit(render_job, task.request, remote, pure=False)] = task
        for future in as_completed(list(futures)):
            task = futures.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a remote failure of any kind fails one pack
                result = {"error": f"the Dask task failed: {exc!r}", "seconds": 0.0}
            finish(task, result)
    finally:
        if futures:  # interrupted: the cluster need not finish packs nobody will write
            client.cancel(list(futures))
        client.close()


def iter_outcomes(report: BatchReport, status: str) -> Iterable[Outcome]:
    """The outcomes with `status`, in manifest order."""
    return sorted((o for o in report.outcomes if o.status == status), key=lambda o: o.row)
