"""What `plan` and `build` compare with: the deployed state, or the closest record of it,
and the plan against it.

The build that was just made is never a baseline, since every build rewrites
``out/model.json``: the default is the model committed at the merge base of ``HEAD`` and its
upstream branch (what the pull request's target holds), or at ``HEAD`` when the branch has no
upstream. Only outside git, or before the first commit, is the working ``out/model.json`` read,
and the plan's first line says so.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator import deployed
from generator.invocation import MODULE_COMMAND
from generator.model import Project
from generator.model_file import MODEL_FILE, ModelFileError, Snapshot, snapshots_from_json
from generator.plan import Plan, diff


@dataclass(frozen=True)
class Baseline:
    tables: dict[str, Snapshot]
    label: str  # says where the tables come from, for the plan's first line
    origin: str  # the file or git object, for errors


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False)
    except OSError:
        return None  # no git on the machine: the same as not being in a repository


def _existing(folder: Path) -> Path:
    """The folder, or its nearest parent that exists, to run git in."""
    folder = folder.resolve()
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


def _model_path(out_dir: Path) -> tuple[Path, str] | None:
    """The repository's top folder and model.json's path in it; None outside git."""
    where = _existing(out_dir)
    top = _git(["rev-parse", "--show-toplevel"], where)
    if top is None or top.returncode != 0:
        return None
    root = Path(top.stdout.strip())
    try:
        relative = (out_dir.resolve() / MODEL_FILE).relative_to(root)
    except ValueError:
        return None
    return root, relative.as_posix()


def _default_revision(root: Path) -> tuple[str, str] | None:
    """(revision, how it was chosen): the merge base with upstream, else HEAD; None if no
    commit exists yet."""
    head = _git(["rev-parse", "--verify", "--quiet", "HEAD"], root)
    if head is None or head.returncode != 0:
        return None
    upstream = _git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], root)
    if upstream is not None and upstream.returncode == 0:
        base = _git(["merge-base", "HEAD", "@{upstream}"], root)
        if base is not None and base.returncode == 0:
            revision = base.stdout.strip()
            return revision, (f"the merge base of HEAD and {upstream.stdout.strip()} "
                              f"({revision[:12]})")
    return "HEAD", f"HEAD ({head.stdout.strip()[:12]}; the branch has no upstream)"


def _at_revision(root: Path, path: str, revision: str, label: str) -> Baseline:
    shown = _git(["show", f"{revision}:{path}"], root)
    if shown is None:
        raise ModelFileError("cannot run git")
    if shown.returncode != 0:
        raise ModelFileError(
            f"git show {revision}:{path} failed: {shown.stderr.strip()}; commit a build first, "
            "or name another revision with --against REF"
        )
    origin = f"{revision}:{path}"
    return Baseline(snapshots_from_json(shown.stdout, origin), f"{path} at {label}", origin)


def _working_copy(out_dir: Path, why: str) -> Baseline:
    path = out_dir / MODEL_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelFileError(
            f"{path} does not exist; run `{MODULE_COMMAND} build` first, "
            "or compare with a git revision with --against REF"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"cannot read {path}: {exc}") from exc
    return Baseline(snapshots_from_json(text, str(path)), f"{path}, the last build ({why})",
                    str(path))


def read(out_dir: Path, against: str | None) -> Baseline:
    """The baseline for ``out_dir``: model.json at git revision ``against``, or the default."""
    located = _model_path(out_dir)
    if against is not None:
        if located is None:
            raise ModelFileError(f"--against {against}: {out_dir} is not in a git repository")
        root, path = located
        return _at_revision(root, path, against, against)
    if located is None:
        return _working_copy(out_dir, "not in git, so each build moves it")
    root, path = located
    chosen = _default_revision(root)
    if chosen is None:
        return _working_copy(out_dir, "nothing is committed yet, so each build moves it")
    revision, label = chosen
    committed = _git(["cat-file", "-e", f"{revision}:{path}"], root)
    if committed is None or committed.returncode != 0:
        return _working_copy(out_dir, f"{path} is not committed at {label}, so each build "
                             "moves it")
    return _at_revision(root, path, revision, label)


# --- plans --------------------------------------------------------------------------------


def plan(project: Project, out_dir: Path, against: str | None, where: deployed.Where) -> Plan:
    """The `plan` command's plan: the project against the committed model.json (the default,
    or at git revision ``against``), or against what is deployed when ``against`` names a
    deployment. ModelFileError: no readable baseline; SourceError: a deployment that cannot
    be read, or options that do not fit it."""
    target = deployed.parse_against(against) if against is not None else None
    if target is None:
        found = read(out_dir, against)
        return diff(found.tables, project, found.label, found.origin)
    deployment = where.deployment(*target)
    gone = _gone_tables(out_dir, project) if target[0] == deployed.LIVE else {}
    tables = deployed.read(deployment, project, gone)
    return diff(tables.tables, deployed.with_common_tags(project, deployment.tags),
                deployment.label, notes=tables.notes)


def _gone_tables(out_dir: Path, project: Project) -> dict[str, str]:
    """Names of the tables the committed baseline has and the table files no longer do: live
    tables carry no table key, so these are looked up to show their removal."""
    try:
        recorded = read(out_dir, None).tables
    except ModelFileError:
        return {}
    keys = {t.key for t in project.tables}
    return {key: table["name"] for key, table in recorded.items() if key not in keys}


def build_warning(out_dir: Path, project: Project) -> str | None:
    """What `build` must say before it writes a change that replaces or removes a table."""
    if not (out_dir / MODEL_FILE).exists():
        return None  # nothing built here yet, or a build from before model.json
    try:
        found = read(out_dir, None)
        plan = diff(found.tables, project, found.label, found.origin)
    except ModelFileError as error:
        return f"warning: cannot compare with the baseline, so no plan check: {error}"
    if not plan.data_loss_risk:
        return None
    tables = ", ".join(
        f"{t.key} ({t.action})" for t in plan.tables if t.data_loss_risk
    )
    return (
        "WARNING: this build replaces or removes tables (their items may be lost), compared "
        f"with {plan.against}: {tables}. Run `{MODULE_COMMAND} plan` for details before "
        "committing."
    )
