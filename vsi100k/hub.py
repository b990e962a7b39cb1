"""Publish a build folder on the Hugging Face Hub. The only module of vsi100k that imports huggingface_hub.

Order: create the dataset repo (privacy applied at creation) -> create the branch
if a revision is asked -> one commit whose operations add the card first, then the data (and delete
shards of an earlier push that this build does not have), its message naming the vsi100k version and
build id -> a tag with the same version. The token comes from huggingface_hub's own resolution
(HF_TOKEN or the login cache): never a parameter, never printed. A dry run writes the exact tree that
would be uploaded into a local folder. An output that fails validation is never pushed.

A release without images (`without_frames`) uploads the question configs, the frames manifest and a
card that says, in its first lines, that frames are not included and how to rebuild them; remote
frames shards of an earlier push are deleted. A public push that would upload frames of a source
whose terms forbid redistribution (`vsi100k.release.terms`) is refused unless the caller states that
they hold the right. `download_release` fetches such a release for `vsi100k rehydrate`.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vsi100k import __version__
from vsi100k.dataset.manifest import MANIFEST_FILE
from vsi100k.dataset.schema import CARD_FILE, FACTS_DIR, FRAMES_DIR, QUESTIONS_DIR, REPORT_FILE
from vsi100k.dataset.validate import check_output
from vsi100k.errors import Vsi100kError

REPO_TYPE = "dataset"
DEFAULT_ENDPOINT = "https://huggingface.co"
# Everything else in a build folder (previews, temporaries) stays local.
UPLOAD_GLOBS = (CARD_FILE, REPORT_FILE, MANIFEST_FILE, f"{FACTS_DIR}/*.json", "data/**/*.parquet")
# What `download_release` fetches: everything a release holds but frames (which it does not have).
RELEASE_PATTERNS = (CARD_FILE, REPORT_FILE, MANIFEST_FILE, f"{FACTS_DIR}/*.json", f"{QUESTIONS_DIR}/**")
MANAGED_PREFIXES = ("data/", f"{FACTS_DIR}/")  # remote files here that this build lacks are deleted


class HubError(Vsi100kError, RuntimeError):
    """Publishing failed or was refused; the message says why and what to do."""


@dataclass(frozen=True)
class PushPlan:
    """What a push uploads. files: (path in repo, local path or the bytes themselves), card first,
    then report, manifest, facts and data. without_frames: a release without images."""

    repo_id: str
    private: bool
    revision: str | None
    files: tuple[tuple[str, Path | bytes], ...]
    commit_message: str
    tag: str
    without_frames: bool = False


@dataclass(frozen=True)
class PushResult:
    plan: PushPlan
    commit_oid: str | None
    deleted: tuple[str, ...]
    url: str | None


def plan_push(out_dir: Path, repo_id: str, *, private: bool = True, revision: str | None = None,
              without_frames: bool = False, redistribution_rights: bool = False) -> PushPlan:
    """Validate the build folder and list what a push would upload.

    without_frames: leave the frames shards out, upload the frames manifest and a card saying so.
    redistribution_rights: the user states they may publish the frames of every source in the build.
    Raises OutputInvalid when invalid, ManifestError when `without_frames` finds no valid manifest,
    HubError for a refused public push of frames."""
    import json

    out_dir = Path(out_dir)
    validate_repo_id(repo_id)
    check_output(out_dir)
    report = json.loads((out_dir / REPORT_FILE).read_text()) if (out_dir / REPORT_FILE).is_file() else {}
    if without_frames:
        from vsi100k.dataset.manifest import read_manifest

        read_manifest(out_dir)  # a release without images is useless without its manifest
    elif not private and not redistribution_rights:
        refuse_public_frames(out_dir, report)
    build_id = str(report.get("build_id", "unknown"))
    questions = report.get("questions", {}).get("total", "?")
    scenes = report.get("scenes", {}).get("ok", "?")
    files: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for pattern in UPLOAD_GLOBS:
        for path in sorted(out_dir.glob(pattern)):
            rel = path.relative_to(out_dir).as_posix()
            if without_frames and rel.startswith(f"{FRAMES_DIR}/"):
                continue
            if path.is_file() and rel not in seen:
                seen.add(rel)
                files.append((rel, path))
    if without_frames:
        from vsi100k.card import render_card

        files[0] = (CARD_FILE, render_card(report, frames_included=False, repo_id=repo_id).encode())
    return PushPlan(
        repo_id=repo_id,
        private=private,
        revision=revision,
        files=tuple(files),
        commit_message=f"vsi100k {__version__}: {questions} questions from {scenes} scenes (build {build_id[:12]})",
        tag=f"vsi100k-v{__version__}-{build_id[:12]}",
        without_frames=without_frames,
    )


def frame_sources(out_dir: Path, report: dict) -> list[str]:
    """The sources whose frames a build folder holds: from its frames manifest, else (a build without
    one) every source of its report when it has frames rows."""
    from vsi100k.dataset.manifest import read_manifest

    if (Path(out_dir) / MANIFEST_FILE).is_file():
        return sorted({entry["dataset"] for entry in read_manifest(out_dir)["scans"]})
    if any((report.get("frames") or {}).get("by_split", {}).values()):
        return sorted((report.get("scenes") or {}).get("by_source") or {"scannet": 1})
    return []


def refuse_public_frames(out_dir: Path, report: dict) -> None:
    """HubError when the build holds frames of a source whose terms forbid public redistribution."""
    from vsi100k.release.terms import restricted_sources, source_title

    restricted = restricted_sources(frame_sources(out_dir, report))
    if restricted:
        names = ", ".join(source_title(name) for name in restricted)
        raise HubError(
            f"{out_dir}: refusing a public push: the build holds frames of {names}, whose terms forbid "
            "redistributing its images publicly; push --without-frames (questions and a frames manifest that "
            "users rehydrate from their own scans), push --private, or pass --have-redistribution-rights if "
            "you hold the right to publish these images"
        )


def validate_repo_id(repo_id: str) -> None:
    """Refuse a repo id the Hub would refuse, before any other work (dry runs included).

    A dataset repo id is 'namespace/name'; each part uses letters, digits, '-', '_' and '.', does
    not start or end with '-' or '.', has no '--' or '..', is at most 96 characters long (ASCII
    only); the id does not end in '.git'. These are huggingface_hub's own `validate_repo_id` rules.
    Raises HubError naming the id and the rule it breaks.
    """
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id as hub_validate

    if not isinstance(repo_id, str) or repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise HubError(f"{repo_id!r}: a repo id is 'namespace/name', e.g. 'my-org/vsi100k'")
    try:
        hub_validate(repo_id)
    except HFValidationError as exc:
        raise HubError(f"{repo_id!r}: not a valid Hub repo id ({exc})") from None


def hub_endpoint() -> str:
    """The Hub endpoint a push talks to: HF_ENDPOINT when set (read now, not at import), else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def default_client():
    """An `HfApi` that resolves the token itself (HF_TOKEN, then the login cache); refuses without one."""
    from huggingface_hub import HfApi, get_token

    if get_token() is None:
        raise HubError("no Hugging Face token found: set HF_TOKEN or run `hf auth login` (tokens are never passed as options)")
    return HfApi(endpoint=hub_endpoint())


def _network_errors() -> tuple[type[BaseException], ...]:
    """Exception classes that mean "the Hub could not be reached or answered with an error"."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    errors: list[type[BaseException]] = [ConnectionError, TimeoutError, HfHubHTTPError, OfflineModeIsEnabled]
    for module, name in (("httpx2", "TransportError"), ("httpx", "TransportError"), ("requests", "RequestException")):
        try:  # whichever HTTP client this huggingface_hub version uses
            errors.append(getattr(__import__(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


@contextmanager
def _talking_to(endpoint: str):
    """Turn network and HTTP failures into one-line HubErrors naming the endpoint and the problem."""
    try:
        yield
    except HubError:
        raise
    except _network_errors() as exc:
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        raise HubError(
            f"{endpoint}: the Hugging Face Hub could not be reached or refused the request "
            f"({type(exc).__name__}: {detail}); check the network, HF_ENDPOINT and the token's rights"
        ) from None


def push(
    out_dir: Path,
    repo_id: str,
    *,
    private: bool = True,
    revision: str | None = None,
    client=None,
    without_frames: bool = False,
    redistribution_rights: bool = False,
) -> PushResult:
    """Push a validated build folder. client: an object with HfApi's create_repo, create_branch,
    list_repo_files, create_commit and create_tag methods (HfApi by default; a recorder in tests).

    Raises HubError for a bad repo id (before anything else), a missing token, or a Hub that cannot
    be reached or refuses (one line naming the endpoint and the problem)."""
    from vsi100k.dataset.lock import OutputLock

    validate_repo_id(repo_id)
    # The folder is locked for the whole push, so a build cannot swap it mid-upload; plan_push
    # validates every column of every shard before any network use.
    with OutputLock(out_dir, purpose="push"):
        plan = plan_push(out_dir, repo_id, private=private, revision=revision, without_frames=without_frames,
                         redistribution_rights=redistribution_rights)
        client = client if client is not None else default_client()
        endpoint = str(getattr(client, "endpoint", None) or hub_endpoint())
        with _talking_to(endpoint):
            return _upload(client, plan, private=private, revision=revision)


def _upload(client, plan: PushPlan, *, private: bool, revision: str | None) -> PushResult:
    """The network part of a push, in the documented order (repo, branch, one commit, tag)."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    repo_id = plan.repo_id
    repo_url = client.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
    if revision:
        client.create_branch(repo_id, branch=revision, repo_type=REPO_TYPE, exist_ok=True)
    remote = client.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=revision)
    uploading = {rel for rel, _ in plan.files}
    stale = tuple(sorted(f for f in remote if f.startswith(MANAGED_PREFIXES) and f not in uploading))
    operations = [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=data if isinstance(data, bytes) else str(data))
                  for rel, data in plan.files]
    operations += [CommitOperationDelete(path_in_repo=rel) for rel in stale]
    info = client.create_commit(
        repo_id,
        operations,
        commit_message=plan.commit_message,
        repo_type=REPO_TYPE,
        revision=revision,
    )
    oid = getattr(info, "oid", None)
    client.create_tag(repo_id, tag=plan.tag, revision=oid or revision, repo_type=REPO_TYPE, exist_ok=True)
    return PushResult(plan=plan, commit_oid=oid, deleted=stale, url=str(repo_url) if repo_url is not None else None)


def dry_run(out_dir: Path, dest_dir: Path, repo_id: str, *, private: bool = True, revision: str | None = None,
            without_frames: bool = False, redistribution_rights: bool = False) -> PushPlan:
    """Write the exact tree a push would upload into `dest_dir` (new or empty) and return the plan."""
    plan = plan_push(out_dir, repo_id, private=private, revision=revision, without_frames=without_frames,
                     redistribution_rights=redistribution_rights)
    dest_dir = Path(dest_dir)
    if dest_dir.exists() and any(dest_dir.iterdir()):
        raise HubError(f"{dest_dir}: dry-run folder is not empty; give a new or empty folder")
    for rel, data in plan.files:
        target = dest_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            shutil.copyfile(data, target)
    return plan


def download_release(repo_id: str, *, revision: str | None = None, cache_dir: Path | None = None) -> Path:
    """Fetch a release's card, report, manifest, facts and question shards (never frames) from the Hub;
    returns the local snapshot folder. A public repo needs no token; a private one uses the login's.
    Raises HubError for a bad repo id or a Hub that cannot be reached or refuses."""
    from huggingface_hub import snapshot_download

    validate_repo_id(repo_id)
    with _talking_to(hub_endpoint()):
        folder = snapshot_download(repo_id, repo_type=REPO_TYPE, revision=revision, allow_patterns=list(RELEASE_PATTERNS),
                                   cache_dir=str(cache_dir) if cache_dir is not None else None)
    return Path(folder)
