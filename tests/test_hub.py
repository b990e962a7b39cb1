"""Publishing without network: a recording stand-in for the Hub client, the dry-run tree, refusals,
the token rule; plus an opt-in live push (token and network needed)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest
from dataset_support import hand_build, hf_cache  # noqa: F401

from vsi100k import __version__, hub
from vsi100k.dataset.validate import OutputInvalid


class RecordingHub:
    """Stands in for HfApi: records every call with its arguments (and the bytes each add uploads)."""

    def __init__(self, remote_files=()):
        self.calls = []
        self.remote_files = list(remote_files)

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))
        return f"https://huggingface.co/datasets/{repo_id}"

    def create_branch(self, repo_id, **kwargs):
        self.calls.append(("create_branch", repo_id, kwargs))

    def list_repo_files(self, repo_id, **kwargs):
        self.calls.append(("list_repo_files", repo_id, kwargs))
        return [".gitattributes", *self.remote_files]

    def create_commit(self, repo_id, operations, **kwargs):
        recorded = []
        for op in operations:
            if type(op).__name__ == "CommitOperationAdd":
                if isinstance(op.path_or_fileobj, bytes):  # a file rendered for the push (a frameless card)
                    recorded.append(("add", op.path_in_repo, op.path_or_fileobj))
                    continue
                with open(op.path_or_fileobj, "rb") as handle:
                    recorded.append(("add", op.path_in_repo, handle.read()))
            else:
                recorded.append(("delete", op.path_in_repo, None))
        self.calls.append(("create_commit", repo_id, dict(kwargs, operations=recorded)))

        class Info:
            oid = "c0ffee"

        return Info()

    def create_tag(self, repo_id, **kwargs):
        self.calls.append(("create_tag", repo_id, kwargs))


def _local_tree(out):
    """Files a push must upload: card, report, facts, shards (not previews, not temporaries)."""
    files = {"README.md", "build_report.json", "frames_manifest.json"}
    files |= {p.relative_to(out).as_posix() for p in (out / "facts").glob("*.json")}
    files |= {p.relative_to(out).as_posix() for p in (out / "data").rglob("*.parquet")}
    return files


def test_push_sequence_and_content(hand_build):
    out, report = hand_build
    (out / "preview").mkdir()
    (out / "preview" / "scene0000_00.html").write_text("<html></html>")
    stale = "data/questions/object_abs_distance/train-00000-of-00001.parquet"
    client = RecordingHub(remote_files=[stale, "data/frames/train-00000-of-00001.parquet", "notes.txt"])
    result = hub.push(out, "me/vsi100k-test", private=True, revision="v1", client=client)

    names = [call[0] for call in client.calls]
    assert names == ["create_repo", "create_branch", "list_repo_files", "create_commit", "create_tag"]
    assert client.calls[0] == ("create_repo", "me/vsi100k-test", {"repo_type": "dataset", "private": True, "exist_ok": True})
    assert client.calls[1] == ("create_branch", "me/vsi100k-test", {"branch": "v1", "repo_type": "dataset", "exist_ok": True})
    assert client.calls[2][2] == {"repo_type": "dataset", "revision": "v1"}
    commit = client.calls[3][2]
    assert commit["repo_type"] == "dataset" and commit["revision"] == "v1"
    assert commit["commit_message"] == (
        f"vsi100k {__version__}: 12 questions from 3 scenes (build {report['build_id'][:12]})")
    operations = commit["operations"]
    adds = [op for op in operations if op[0] == "add"]
    assert adds[0][1] == "README.md" and adds[1][1] == "build_report.json"  # the card first, then the data
    assert adds[2][1] == "frames_manifest.json"
    assert all(op[1].startswith(("facts/", "data/")) for op in adds[3:])
    first_data = next(i for i, op in enumerate(adds) if op[1].startswith("data/"))
    assert all(op[1].startswith("data/") for op in adds[first_data:])
    assert {op[1] for op in adds} == _local_tree(out)
    for _, path, content in adds:
        assert content == (out / path).read_bytes()
    assert [op for op in operations if op[0] == "delete"] == [("delete", stale, None)]
    assert client.calls[4] == ("create_tag", "me/vsi100k-test", {
        "tag": f"vsi100k-v{__version__}-{report['build_id'][:12]}", "revision": "c0ffee",
        "repo_type": "dataset", "exist_ok": True})
    assert result.deleted == (stale,) and result.commit_oid == "c0ffee"


def test_public_push_without_branch(hand_build):
    out, _ = hand_build
    client = RecordingHub()
    hub.push(out, "me/vsi100k-public", private=False, client=client, redistribution_rights=True)
    assert [c[0] for c in client.calls] == ["create_repo", "list_repo_files", "create_commit", "create_tag"]
    assert client.calls[0][2]["private"] is False
    assert client.calls[2][2]["revision"] is None


def test_invalid_output_is_never_pushed(hand_build):
    out, _ = hand_build
    (out / "data/frames/validation-00000-of-00001.parquet").unlink()
    client = RecordingHub()
    with pytest.raises(OutputInvalid, match=r"config frames, split validation: no shard matches data/frames/validation-\*\.parquet"):
        hub.push(out, "me/vsi100k-test", client=client)
    assert client.calls == []
    with pytest.raises(OutputInvalid, match="missing frames for 1 scene\\(s\\) with questions: scene0100_00"):
        hub.dry_run(out, out.parent / "dry", "me/vsi100k-test")


def test_dry_run_writes_the_exact_tree(hand_build, tmp_path):
    out, report = hand_build
    (out / "preview").mkdir()
    (out / "preview" / "x.html").write_text("local only")
    dest = tmp_path / "dry"
    plan = hub.dry_run(out, dest, "me/vsi100k-test", private=False, revision="v2", redistribution_rights=True)
    written = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert written == _local_tree(out) == {rel for rel, _ in plan.files}
    for rel in written:
        assert (dest / rel).read_bytes() == (out / rel).read_bytes(), rel
    assert plan.files[0][0] == "README.md" and plan.private is False and plan.revision == "v2"
    assert plan.commit_message.endswith(f"(build {report['build_id'][:12]})")
    with pytest.raises(hub.HubError, match="dry-run folder is not empty"):
        hub.dry_run(out, dest, "me/vsi100k-test")


@pytest.mark.parametrize("repo_id", ["vsi100k", "a/b/c", "/name", "me/"])
def test_bad_repo_id(hand_build, repo_id):
    out, _ = hand_build
    with pytest.raises(hub.HubError, match="a repo id is 'namespace/name'"):
        hub.plan_push(out, repo_id)


def test_token_comes_from_huggingface_hub_resolution_only(monkeypatch, tmp_path):
    import huggingface_hub.constants

    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    with pytest.raises(hub.HubError, match="no Hugging Face token found: set HF_TOKEN or run `hf auth login`"):
        hub.default_client()
    monkeypatch.setenv("HF_TOKEN", "hf_secretsecretsecret")
    client = hub.default_client()
    assert type(client).__name__ == "HfApi" and client.token is None  # resolved by huggingface_hub at call time
    import inspect

    for function in (hub.push, hub.dry_run, hub.plan_push):
        assert "token" not in inspect.signature(function).parameters


def test_cli_push_never_prints_the_token(hand_build, monkeypatch):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    out, _ = hand_build
    secret = "hf_secretsecretsecret"
    monkeypatch.setenv("HF_TOKEN", secret)
    client = RecordingHub()
    monkeypatch.setattr(hub, "default_client", lambda: client)
    runner = CliRunner()
    result = runner.invoke(app, ["push", str(out), "--repo-id", "me/vsi100k-cli", "--public", "--revision", "dev",
                                 "--have-redistribution-rights"])
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    assert f"pushed {len(_local_tree(out))} files to me/vsi100k-cli (branch dev)" in result.output
    assert client.calls[0][2]["private"] is False
    help_text = runner.invoke(app, ["push", "--help"]).output
    assert "--token" not in help_text


def test_cli_dry_run_and_refusal(hand_build, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    out, report = hand_build
    monkeypatch.setattr(hub, "default_client", lambda: pytest.fail("a dry run must not create a Hub client"))
    runner = CliRunner()
    dest = tmp_path / "tree"
    result = runner.invoke(app, ["push", str(out), "--repo-id", "me/vsi100k", "--dry-run", "--dry-run-dir", str(dest)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"dry run: {len(_local_tree(out))} files written to {dest} (nothing uploaded)" in text
    assert f"would push to me/vsi100k (private): vsi100k {__version__}: 12 questions from 3 scenes" in text
    assert {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()} == _local_tree(out)
    default = runner.invoke(app, ["push", str(out), "--repo-id", "me/vsi100k", "--dry-run", "--public",
                                  "--have-redistribution-rights"])
    assert default.exit_code == 0 and (out.parent / "out.push-dry-run" / "README.md").is_file()
    (out / "data/frames/train-00000-of-00001.parquet").unlink()
    refused = runner.invoke(app, ["push", str(out), "--repo-id", "me/vsi100k", "--dry-run", "--dry-run-dir", str(tmp_path / "t2")])
    assert refused.exit_code == 1
    assert "the dataset failed validation" in refused.output and "config frames, split train: no shard matches" in refused.output
    assert not (tmp_path / "t2").exists()


def _network_ok() -> bool:
    try:
        socket.create_connection(("huggingface.co", 443), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.mark.live
@pytest.mark.skipif(not os.environ.get("HF_TOKEN"), reason="live Hub test: needs HF_TOKEN")
def test_live_push_and_load(hand_build, hf_cache):
    if not _network_ok():
        pytest.skip("live Hub test: huggingface.co unreachable")
    import datasets
    from huggingface_hub import HfApi

    out, report = hand_build
    api = HfApi()
    repo_id = f"{api.whoami()['name']}/vsi100k-live-test-{uuid.uuid4().hex[:8]}"
    try:
        hub.push(out, repo_id, private=True)
        loaded = datasets.load_dataset(repo_id, "object_counting", split="train")
        assert loaded.num_rows == report["questions"]["by_type"]["object_counting"]["train"]
        frames = datasets.load_dataset(repo_id, "frames", split="validation")
        assert frames[0]["scene_name"] == "scene0100_00"
        assert api.repo_info(repo_id, repo_type="dataset").private is True
    finally:
        api.delete_repo(repo_id, repo_type="dataset", missing_ok=True)


@pytest.mark.parametrize("repo_id, rule", [
    ("my org/vsi..100k", "Repo id must use alphanumeric chars"),
    ("me/vsi..100k", "Cannot have -- or .. in repo_id"),
    ("me/vsi--100k", "Cannot have -- or .. in repo_id"),
    ("me/-vsi100k", "cannot start or end with '-' or '.'"),
    ("me/vsi100k.", "cannot start or end with '-' or '.'"),
    (".me/vsi100k", "cannot start or end with '-' or '.'"),
    ("me/" + "v" * 97, "the maximum length is 96"),
    ("me/vsi100k.git", "cannot end by '.git'"),
    ("me/vsiü100k", "Repo id must use alphanumeric chars"),  # ASCII only
])
def test_repo_ids_the_hub_refuses_are_refused_first(tmp_path, repo_id, rule):
    missing = tmp_path / "no-build-here"  # the id is checked before the folder is even looked at
    with pytest.raises(hub.HubError, match=rf"^'{repo_id}': not a valid Hub repo id \(.*{rule}"):
        hub.dry_run(missing, tmp_path / "dry", repo_id)
    with pytest.raises(hub.HubError, match="not a valid Hub repo id"):
        hub.push(missing, repo_id, client=RecordingHub())
    hub.validate_repo_id("my-org/Vsi_100k.v2")  # letters, digits, '-', '_', '.' inside are fine
    hub.validate_repo_id("me/" + "v" * 96)


def test_cli_dry_run_refuses_a_bad_repo_id_in_one_line(hand_build, tmp_path):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    out, _ = hand_build
    result = CliRunner().invoke(app, ["push", str(out), "--repo-id", "my org/vsi..100k", "--dry-run",
                                      "--dry-run-dir", str(tmp_path / "t")])
    assert result.exit_code == 1
    assert result.output.startswith("error: 'my org/vsi..100k': not a valid Hub repo id (")
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "t").exists()


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_hub_is_one_line_naming_the_endpoint(hand_build, monkeypatch):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    out, _ = hand_build
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_TOKEN", "hf_secretsecretsecret")
    with pytest.raises(hub.HubError, match=rf"^{endpoint}: the Hugging Face Hub could not be reached or refused the "
                                           r"request \(ConnectError: .*\); check the network, HF_ENDPOINT"):
        hub.push(out, "me/vsi100k-unreachable")
    result = CliRunner().invoke(app, ["push", str(out), "--repo-id", "me/vsi100k-unreachable"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {endpoint}: the Hugging Face Hub could not be reached")
    assert "Traceback" not in result.output and "hf_secretsecretsecret" not in result.output


def test_hub_http_errors_become_hub_errors_too(hand_build):
    from huggingface_hub.errors import HfHubHTTPError

    class RefusingHub(RecordingHub):
        endpoint = "https://hub.example"

        def create_repo(self, repo_id, **kwargs):
            import httpx2

            response = httpx2.Response(403, request=httpx2.Request("POST", f"{self.endpoint}/api/repos/create"))
            raise HfHubHTTPError("403 Forbidden: you cannot create a repo in this namespace\nmore detail", response=response)

    out, _ = hand_build
    with pytest.raises(hub.HubError, match=r"^https://hub.example: .*\(HfHubHTTPError: 403 Forbidden: you cannot "
                                           r"create a repo in this namespace\); check"):
        hub.push(out, "me/vsi100k", client=RefusingHub())
