"""The colour stream of an ARKitScenes video, described for the frames stage (`ColourStream`).

The `<video_id>_frames/` folder (`lowres_wide` PNGs, their pincams, `lowres_wide.traj`), read by
`vsi100k.arkitscenes.camera`. Images are stored as the sensor held them, so the stream asks to be
turned upright from its poses; the `sky_direction` of the release's `metadata.csv`, when present,
is the turn it states (`vsi100k.arkitscenes.metadata`).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from vsi100k.arkitscenes.files import ArkitFiles
from vsi100k.frames.stream import ColourStream


def stated_rotation_deg(folder: Path, video_id: str) -> int | None:
    """Clockwise turn to upright that `metadata.csv` states for the video (None: no csv, no row or NA)."""
    from vsi100k.arkitscenes.metadata import sky_direction
    from vsi100k.frames.orientation import SKY_DIRECTION_ROTATION_DEG

    direction, _ = sky_direction(folder, video_id)
    return None if direction is None else SKY_DIRECTION_ROTATION_DEG[direction]


def colour_stream(folder: Path, scene=None) -> ColourStream | None:
    """The video's stream, or None when its `lowres_wide` folder is missing."""
    from vsi100k.arkitscenes.camera import match_frames, read_cameras
    from vsi100k.arkitscenes.metadata import metadata_csv_of

    folder = Path(folder)
    files = ArkitFiles(folder)
    if not files.images_dir.is_dir():
        return None
    video_id = files.scene_id
    inputs = tuple(p for p in (files.traj, files.intrinsics_dir, files.images_dir, metadata_csv_of(folder))
                   if p is not None and p.exists())
    return ColourStream(
        video_id, folder, "images", files.frames_dir, inputs,
        list_images=partial(match_frames, files.frames_dir, video_id, video_id),
        image_cameras=read_cameras,
        decisive_files=(files.traj,) if files.traj.is_file() else (),
        orientation="from_poses",
        stated_rotation=partial(stated_rotation_deg, folder, video_id),
    )
