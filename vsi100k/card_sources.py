"""What the dataset card says about each scan source: its name, terms of use, split lists and citation.

A build's card names only the sources its scans came from (`report["scenes"]["by_source"]`), and
states each one's terms: the questions, answers and frames are derived data of those scans.
Pure data and text; no file or Hub access.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceTerms:
    """The card's facts about one source.

    name: as written in prose ("ScanNet++"). hub_name: the `source_datasets` entry of the front
    matter. terms_name / terms_url: the document a user must accept. license_id: the Hub's licence
    identifier ("other" when the terms are the source's own). terms: one paragraph (Markdown).
    splits: how the source's split lists map onto the dataset's splits. citation: what to cite.
    """

    name: str
    hub_name: str
    terms_name: str
    terms_url: str
    license_id: str
    terms: str
    splits: str
    citation: str


SCANNET_TERMS_URL = "https://kaldir.vc.in.tum.de/scannet/ScanNet_TOS.pdf"
SCANNETPP_TERMS_URL = "https://kaldir.vc.in.tum.de/scannetpp/static/scannetpp-terms-of-use.pdf"
ARKITSCENES_LICENSE_URL = "https://creativecommons.org/licenses/by-nc-sa/4.0/"

SOURCE_TERMS: dict[str, SourceTerms] = {
    "scannet": SourceTerms(
        name="ScanNet",
        hub_name="ScanNet",
        terms_name="ScanNet Terms of Use",
        terms_url=SCANNET_TERMS_URL,
        license_id="other",
        terms=(
            "Rows with `dataset` = `scannet` are **derived data of ScanNet scans** (the v2 meshes, "
            "annotations and RGB-D streams). ScanNet is released under the "
            f"[ScanNet Terms of Use]({SCANNET_TERMS_URL}); by using these rows you agree to them, and "
            "**you must hold your own ScanNet access** (a signed Terms of Use agreement with the ScanNet "
            "team) to use them. Non-commercial research and educational use only; no redistribution "
            "outside these terms."
        ),
        splits="ScanNet: `scannetv2_train.txt` -> `train`, `scannetv2_val.txt` -> `validation`, "
               "`scannetv2_test.txt` -> `test`",
        citation="ScanNet (Dai et al., CVPR 2017)",
    ),
    "scannetpp": SourceTerms(
        name="ScanNet++",
        hub_name="ScanNet++",
        terms_name="ScanNet++ Terms of Use",
        terms_url=SCANNETPP_TERMS_URL,
        license_id="other",
        terms=(
            "Rows with `dataset` = `scannetpp` are **derived data of ScanNet++ scans** (the aligned "
            "meshes, semantic annotations and iPhone videos). ScanNet++ is released under the "
            f"[ScanNet++ Terms of Use]({SCANNETPP_TERMS_URL}): non-commercial research and educational "
            "use only, and the data may be shared only with people who have themselves accepted those "
            "terms. **You must hold your own ScanNet++ access** to use these rows; do not publish them "
            "openly."
        ),
        splits="ScanNet++: `splits/nvs_sem_train.txt` -> `train`, `splits/nvs_sem_val.txt` -> `validation`",
        citation="ScanNet++ (Yeshwanth et al., ICCV 2023)",
    ),
    "arkitscenes": SourceTerms(
        name="ARKitScenes",
        hub_name="ARKitScenes",
        terms_name="CC BY-NC-SA 4.0",
        terms_url=ARKITSCENES_LICENSE_URL,
        license_id="cc-by-nc-sa-4.0",
        terms=(
            "Rows with `dataset` = `arkitscenes` are **derived data of ARKitScenes captures** (the 3D "
            "object detection release: meshes, oriented boxes and low-resolution frames). ARKitScenes "
            "is licensed under [Creative Commons Attribution-NonCommercial-ShareAlike 4.0]"
            f"({ARKITSCENES_LICENSE_URL}); these rows are shared under the same licence: attribute "
            "ARKitScenes, non-commercial use only, and share derivatives alike."
        ),
        splits="ARKitScenes: the release's `Training` fold -> `train`, `Validation` fold -> `validation`",
        citation="ARKitScenes (Baruch et al., NeurIPS 2021 Datasets and Benchmarks)",
    ),
}


def sources_of(report: dict) -> list[str]:
    """The source names of a build's scans, in registry order; ["scannet"] for reports written before
    scans recorded their source."""
    counts = report["scenes"].get("by_source") or {"scannet": report["scenes"].get("ok", 0)}
    return [name for name in SOURCE_TERMS if counts.get(name)]


def sources_phrase(names: list[str]) -> str:
    """"ScanNet", "ScanNet and ScanNet++", "ScanNet, ScanNet++ and ARKitScenes"."""
    words = [SOURCE_TERMS[name].name for name in names] or [SOURCE_TERMS["scannet"].name]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def license_fields(names: list[str]) -> dict:
    """The front matter's licence fields: the source's own licence for a one-source build, else
    "other" with the card's terms section as the reference."""
    names = names or ["scannet"]
    if len(names) == 1:
        terms = SOURCE_TERMS[names[0]]
        fields = {"license": terms.license_id}
        if terms.license_id == "other":
            fields |= {"license_name": terms.terms_name.lower().replace(" ", "-").replace("+", "p"),
                       "license_link": terms.terms_url}
        return fields
    return {"license": "other", "license_name": "terms-of-each-source-dataset",
            "license_link": "README.md#license-and-terms-of-the-source-datasets"}


def terms_section(names: list[str]) -> str:
    """The body of the card's licence section: one paragraph per source, then what to cite."""
    names = names or ["scannet"]
    paragraphs = [SOURCE_TERMS[name].terms for name in names]
    if len(names) > 1:
        paragraphs.append("Each row is bound by the terms of its own source (its `dataset` column); a copy that "
                          "holds rows of several sources is bound by all of them.")
    cites = ", ".join(SOURCE_TERMS[name].citation for name in names)
    paragraphs.append(f"Please cite {cites}, VSI-Bench (Yang et al., \"Thinking in Space\", 2024) and "
                      "\"Improved Visual-Spatial Reasoning via R1-Zero-Like Training\" (arXiv 2504.00883).")
    return "\n\n".join(paragraphs)


def splits_text(names: list[str]) -> str:
    """How each source's split lists became the dataset's splits, one clause per source."""
    return "; ".join(SOURCE_TERMS[name].splits for name in (names or ["scannet"]))
