"""Whether each scan source's terms let anyone redistribute its images publicly (a public push of frames).

- ScanNet: its Terms of Use allow sharing data only with people who accepted them: no.
- ScanNet++: the same kind of terms of use: no.
- ARKitScenes: CC BY-NC-SA 4.0, which allows redistribution (non-commercial, with attribution,
  under the same licence; the card states all three): yes.

Pure data; the Hub module asks it before a public push that would upload frames.
"""

from __future__ import annotations

from vsi100k.card_sources import SOURCE_TERMS

FRAMES_REDISTRIBUTABLE: dict[str, bool] = {"scannet": False, "scannetpp": False, "arkitscenes": True}


def restricted_sources(sources) -> list[str]:
    """The source names among `sources` whose frames may not be published (unknown names included), sorted."""
    return sorted({name for name in sources if not FRAMES_REDISTRIBUTABLE.get(name, False)})


def source_title(name: str) -> str:
    """"ScanNet++" for "scannetpp" (the name itself when unknown)."""
    terms = SOURCE_TERMS.get(name)
    return terms.name if terms is not None else name
