"""`vsi100k push`: parse options, call the library, print the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.build_cmd import LIBRARY_ERRORS
from vsi100k.cli.options import fail


def push(
    out_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A `vsi100k build` output folder.")],
    repo_id: Annotated[str, typer.Option(help="Dataset repo on the Hub, e.g. my-org/vsi100k.")],
    private: Annotated[bool, typer.Option("--private/--public", help="Visibility, applied when the repo is created.")] = True,
    revision: Annotated[Optional[str], typer.Option(help="Branch to push to (created if missing).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write the exact upload tree locally instead of pushing.")] = False,
    dry_run_dir: Annotated[
        Optional[Path], typer.Option(file_okay=False, help="Where --dry-run writes (default: <OUT_DIR>.push-dry-run).")
    ] = None,
    without_frames: Annotated[bool, typer.Option(
        "--without-frames", help="Upload the questions, the card and the frames manifest, not the images; users "
                                 "rebuild the frames from their own scans with `vsi100k rehydrate`.")] = False,
    have_redistribution_rights: Annotated[bool, typer.Option(
        "--have-redistribution-rights", help="State that you may publish the frames of every source in the build "
                                             "(a --public push of ScanNet or ScanNet++ frames is refused otherwise).")] = False,
) -> None:
    """Publish a validated build on the Hugging Face Hub (or write the upload tree with --dry-run).

    Order: create the repo (privacy applied at creation), the branch if --revision is given, then one
    commit adding the card first and the data after it, tagged with the vsi100k version. The token
    comes from HF_TOKEN or `hf auth login`; it is never an option and never printed.

    Examples:

      vsi100k push ./vsi100k-data --repo-id my-org/vsi100k --private

      vsi100k push ./vsi100k-data --repo-id my-org/vsi100k --revision v2 --dry-run

      vsi100k push ./vsi100k-data --repo-id my-org/vsi100k --public --without-frames
    """
    from vsi100k import hub

    try:
        if dry_run:
            dest = dry_run_dir or out_dir.with_name(out_dir.name + ".push-dry-run")
            plan = hub.dry_run(out_dir, dest, repo_id, private=private, revision=revision, without_frames=without_frames,
                               redistribution_rights=have_redistribution_rights)
            typer.echo(f"dry run: {len(plan.files)} files written to {dest} (nothing uploaded"
                       + ("; frames left out, manifest included)" if without_frames else ")"))
            typer.echo(f"would push to {repo_id} ({'private' if private else 'public'}"
                       + (f", branch {revision}" if revision else "") + f"): {plan.commit_message}; tag {plan.tag}")
            return
        result = hub.push(out_dir, repo_id, private=private, revision=revision, without_frames=without_frames,
                          redistribution_rights=have_redistribution_rights)
    except LIBRARY_ERRORS as error:
        fail(error)
    typer.echo(f"pushed {len(result.plan.files)} files to {repo_id}"
               + (f" (branch {revision})" if revision else "") + f": {result.plan.commit_message}; tag {result.plan.tag}")
    if result.deleted:
        typer.echo(f"removed {len(result.deleted)} files of an earlier push")
