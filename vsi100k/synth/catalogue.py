"""The furniture catalogue of the synthetic scenes: what can stand in a room and how it is shaped.

Pure data plus small shape builders (numpy only, no I/O). Every kind carries real ScanNet raw
labels (synonyms included, as annotators wrote them), the VSI-Bench category those labels mean
(`None` for labels never asked about), realistic sizes in metres, where it goes (floor, against a
wall, mounted on a wall, on top of another object) and a shape made of boxes. The ScanNet label
table rows (`scannetv2-labels.combined.tsv`) for the labels come from here too.

Local frame of a shape: x = length (the yaw direction), y = depth with +y the front (the side that
faces the room for wall objects), z up; the footprint is centred on the origin and the object
stands on z = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

# ---------------------------------------------------------------------------------------------
# Label table data (NYU40 / Eigen13 / Matterport40 classes as in ScanNet's combined tsv).

NYU40_CLASSES = (
    "wall", "floor", "cabinet", "bed", "chair", "sofa", "table", "door", "window", "bookshelf",
    "picture", "counter", "blinds", "desk", "shelves", "curtain", "dresser", "pillow", "mirror",
    "floor mat", "clothes", "ceiling", "books", "refridgerator", "television", "paper", "towel",
    "shower curtain", "box", "whiteboard", "person", "night stand", "toilet", "sink", "lamp",
    "bathtub", "bag", "otherstructure", "otherfurniture", "otherprop",
)
EIGEN13_CLASSES = (
    "Bed", "Books", "Ceiling", "Chair", "Floor", "Furniture", "Objects", "Picture", "Sofa", "Table",
    "TV", "Wall", "Window",
)
_EIGEN13_OF_NYU40 = {
    "wall": "Wall", "floor": "Floor", "cabinet": "Furniture", "bed": "Bed", "chair": "Chair",
    "sofa": "Sofa", "table": "Table", "door": "Wall", "window": "Window", "bookshelf": "Furniture",
    "counter": "Furniture", "shelves": "Furniture", "pillow": "Objects", "mirror": "Objects",
    "ceiling": "Ceiling", "refridgerator": "Furniture", "television": "TV", "towel": "Objects",
    "box": "Objects", "night stand": "Furniture", "lamp": "Objects", "bag": "Objects",
    "otherfurniture": "Furniture", "otherprop": "Objects", "otherstructure": "Objects",
}
MPCAT40_CLASSES = (
    "void", "wall", "floor", "chair", "door", "table", "picture", "cabinet", "cushion", "window",
    "sofa", "bed", "curtain", "chest_of_drawers", "plant", "sink", "stairs", "ceiling", "toilet",
    "stool", "towel", "mirror", "tv_monitor", "shower", "column", "bathtub", "counter", "fireplace",
    "lighting", "beam", "railing", "shelving", "blinds", "gym_equipment", "seating", "board_panel",
    "furniture", "appliances", "clothes", "objects", "misc",
)


@dataclass(frozen=True)
class LabelInfo:
    """How ScanNet's label table describes one raw label.

    scannet_category: the table's `category` column (synonyms share it and its `id`).
    in_label_table: False for v1 labels that the v2 table lacks (e.g. "trashcan").
    """

    raw_label: str
    scannet_category: str
    nyu40class: str
    mpcat40: str
    wnsynsetkey: str = ""
    in_label_table: bool = True


_LABELS = [
    # structure
    LabelInfo("wall", "wall", "wall", "wall", "wall.n.01"),
    LabelInfo("floor", "floor", "floor", "floor", "floor.n.01"),
    LabelInfo("ceiling", "ceiling", "ceiling", "ceiling", "ceiling.n.01"),
    # VSI-Bench categories
    LabelInfo("door", "door", "door", "door", "door.n.01"),
    LabelInfo("window", "window", "window", "window", "window.n.01"),
    LabelInfo("table", "table", "table", "table", "table.n.02"),
    LabelInfo("coffee table", "coffee table", "table", "table", "cocktail_table.n.01"),
    LabelInfo("dining table", "dining table", "table", "table", "dining_table.n.01"),
    LabelInfo("chair", "chair", "chair", "chair", "chair.n.01"),
    LabelInfo("office chair", "office chair", "chair", "chair", "chair.n.01"),
    LabelInfo("trash can", "trash can", "otherfurniture", "objects", "ashcan.n.01"),
    LabelInfo("garbage bin", "trash can", "otherfurniture", "objects", "ashcan.n.01"),
    LabelInfo("trash bin", "trash can", "otherfurniture", "objects", "ashcan.n.01"),
    LabelInfo("trashcan", "trash can", "otherfurniture", "objects", "ashcan.n.01", in_label_table=False),
    LabelInfo("backpack", "backpack", "bag", "objects", "backpack.n.01"),
    LabelInfo("pillow", "pillow", "pillow", "cushion", "pillow.n.01"),
    LabelInfo("bed", "bed", "bed", "bed", "bed.n.01"),
    LabelInfo("mirror", "mirror", "mirror", "mirror", "mirror.n.01"),
    LabelInfo("lamp", "lamp", "lamp", "lighting", "lamp.n.02"),
    LabelInfo("couch", "couch", "sofa", "sofa", "sofa.n.01"),
    LabelInfo("sofa", "couch", "sofa", "sofa", "sofa.n.01"),
    LabelInfo("refrigerator", "refrigerator", "refridgerator", "appliances", "electric_refrigerator.n.01"),
    LabelInfo("monitor", "monitor", "television", "tv_monitor", "monitor.n.04"),
    LabelInfo("radiator", "radiator", "otherfurniture", "misc", "radiator.n.02"),
    LabelInfo("tv", "tv", "television", "tv_monitor", "television_receiver.n.01"),
    LabelInfo("television", "tv", "television", "tv_monitor", "television_receiver.n.01"),
    LabelInfo("counter", "counter", "counter", "counter", "countertop.n.01"),
    LabelInfo("kitchen counter", "counter", "counter", "counter", "countertop.n.01"),
    LabelInfo("bookshelf", "bookshelf", "bookshelf", "shelving", "bookshelf.n.01"),
    LabelInfo("bookshelves", "bookshelf", "bookshelf", "shelving", "bookshelf.n.01"),
    LabelInfo("towel", "towel", "towel", "towel", "towel.n.01"),
    LabelInfo("nightstand", "nightstand", "night stand", "chest_of_drawers", "nightstand.n.01"),
    LabelInfo("night stand", "nightstand", "night stand", "chest_of_drawers", "nightstand.n.01"),
    LabelInfo("telephone", "telephone", "otherprop", "objects", "telephone.n.01"),
    LabelInfo("printer", "printer", "otherprop", "appliances", "printer.n.03"),
    LabelInfo("microwave", "microwave", "otherprop", "appliances", "microwave.n.02"),
    LabelInfo("plant", "plant", "otherprop", "plant", "plant.n.02"),
    LabelInfo("potted plant", "plant", "otherprop", "plant", "pot.n.04"),
    LabelInfo("keyboard", "keyboard", "otherprop", "objects", "computer_keyboard.n.01"),
    LabelInfo("clock", "clock", "otherprop", "objects", "clock.n.01"),
    LabelInfo("closet", "closet", "otherfurniture", "furniture", "wardrobe.n.01"),
    LabelInfo("wardrobe", "closet", "otherfurniture", "furniture", "wardrobe.n.01"),
    LabelInfo("fan", "fan", "otherprop", "misc", "fan.n.01"),
    LabelInfo("washing machine", "washing machine", "otherfurniture", "appliances", "washer.n.03"),
    LabelInfo("oven", "oven", "otherfurniture", "appliances", "oven.n.01"),
    LabelInfo("mattress", "mattress", "bed", "bed", "mattress.n.01"),
    LabelInfo("mouse", "mouse", "otherprop", "objects", "mouse.n.04"),
    LabelInfo("guitar", "guitar", "otherprop", "objects", "guitar.n.01"),
    LabelInfo("piano", "piano", "otherfurniture", "furniture", "piano.n.01"),
    # labels outside the VSI-Bench vocabulary
    LabelInfo("box", "box", "box", "objects", "box.n.01"),
    LabelInfo("shelf", "shelf", "shelves", "shelving", "shelf.n.01"),
    LabelInfo("kitchen cabinets", "kitchen cabinet", "cabinet", "cabinet", "cabinet.n.01"),
    LabelInfo("cabinet", "cabinet", "cabinet", "cabinet", "cabinet.n.01"),
    LabelInfo("object", "object", "otherprop", "objects", ""),
]
LABELS: dict[str, LabelInfo] = {info.raw_label: info for info in _LABELS}

# ScanNet raw label -> VSI-Bench category (None: structural or outside the vocabulary).
CATEGORY_OF_RAW_LABEL: dict[str, str | None] = {
    "wall": None, "floor": None, "ceiling": None,
    "door": "door", "window": "window",
    "table": "table", "coffee table": "table", "dining table": "table",
    "chair": "chair", "office chair": "chair",
    "trash can": "trash bin", "garbage bin": "trash bin", "trash bin": "trash bin", "trashcan": "trash bin",
    "backpack": "backpack", "pillow": "pillow", "bed": "bed", "mirror": "mirror", "lamp": "lamp",
    "couch": "sofa", "sofa": "sofa", "refrigerator": "refrigerator", "monitor": "monitor",
    "radiator": "radiator", "tv": "tv", "television": "tv", "counter": "counter", "kitchen counter": "counter",
    "bookshelf": "bookshelf", "bookshelves": "bookshelf", "towel": "towel",
    "nightstand": "nightstand", "night stand": "nightstand", "telephone": "telephone", "printer": "printer",
    "microwave": "microwave", "plant": "plant", "potted plant": "plant", "keyboard": "keyboard",
    "clock": "clock", "closet": "closet", "wardrobe": "closet", "fan": "fan",
    "washing machine": "washing machine", "oven": "oven",
    "mattress": "mattress", "mouse": "computer mouse", "guitar": "guitar", "piano": "piano",
    "box": None, "shelf": None, "kitchen cabinets": None, "cabinet": None, "object": None,
}

VSI_CATEGORIES = (
    "door", "table", "chair", "trash bin", "window", "backpack", "pillow", "bed", "mirror", "lamp",
    "sofa", "refrigerator", "monitor", "radiator", "tv", "counter", "bookshelf", "towel", "nightstand",
    "telephone", "printer", "microwave", "plant", "keyboard", "clock", "closet", "fan",
    "washing machine", "oven", "mattress", "computer mouse", "guitar", "piano",
)


def category_of(raw_label: str) -> str | None:
    """VSI-Bench category of a raw ScanNet label known to the catalogue (KeyError otherwise)."""
    return CATEGORY_OF_RAW_LABEL[raw_label]


def label_table_rows(raw_labels: list[str] | set[str], unique_ids: bool = False) -> list[dict[str, str]]:
    """Rows of `scannetv2-labels.combined.tsv` for the given raw labels, in ScanNet's columns.

    Labels marked absent from the v2 table (v1 labels) are left out. Synonyms share `category`.
    unique_ids=False: synonyms also share `id` (ids numbered by ScanNet category in catalogue
    order). unique_ids=True: as in ScanNet's table, every raw label has its own `id` (numbered
    in catalogue order). `count` is the number of catalogue synonyms, a stand-in for ScanNet's
    annotation counts.
    """
    category_ids: dict[str, int] = {}
    for info in _LABELS:
        key = info.raw_label if unique_ids else info.scannet_category
        category_ids.setdefault(key, len(category_ids) + 1)
    rows = []
    for info in _LABELS:
        if info.raw_label not in raw_labels or not info.in_label_table:
            continue
        nyu40id = NYU40_CLASSES.index(info.nyu40class) + 1
        eigen13class = _EIGEN13_OF_NYU40.get(info.nyu40class, "Objects")
        synset = {"chair": "03001627", "table": "04379243", "sofa": "04256520", "bed": "02818832",
                  "bookshelf": "02871439", "lamp": "03636649", "television": "03211117"}.get(info.nyu40class, "")
        rows.append({
            "id": str(category_ids[info.raw_label if unique_ids else info.scannet_category]),
            "raw_category": info.raw_label,
            "category": info.scannet_category,
            "count": str(sum(1 for other in _LABELS if other.scannet_category == info.scannet_category)),
            "nyu40id": str(nyu40id),
            "eigen13id": str(EIGEN13_CLASSES.index(eigen13class) + 1),
            "nyuClass": info.scannet_category,
            "nyu40class": info.nyu40class,
            "eigen13class": eigen13class,
            "ModelNet40": info.nyu40class if synset else "",
            "ModelNet": info.nyu40class if synset else "",
            "ShapeNetCore55": info.nyu40class if synset else "",
            "synsetoffset": synset,
            "wnsynsetid": ("n" + synset) if synset else "",
            "wnsynsetkey": info.wnsynsetkey,
            "mpcat40index": str(MPCAT40_CLASSES.index(info.mpcat40)),
            "mpcat40": info.mpcat40,
        })
    return rows


# ---------------------------------------------------------------------------------------------
# Shapes: size (3,) metres -> parts [(centre (3,), size (3,))] in the local frame, and the index of
# the part whose top can carry other objects (None when nothing goes on it).

Part = tuple[tuple[float, float, float], tuple[float, float, float]]
ShapeBuilder = Callable[[np.ndarray, np.random.Generator], tuple[list[Part], int | None]]


def _part(cx, cy, z0, sx, sy, sz) -> Part:
    """A part from its footprint centre, bottom height and size (metres)."""
    return (float(cx), float(cy), float(z0 + sz / 2.0)), (float(sx), float(sy), float(sz))


def _block(size, rng):
    length, depth, height = size
    return [_part(0, 0, 0, length, depth, height)], 0


def _table(size, rng):
    length, depth, height = size
    top = rng.uniform(0.03, 0.05)
    leg = rng.uniform(0.04, 0.07)
    inset = rng.uniform(0.02, 0.08)
    parts = [_part(0, 0, height - top, length, depth, top)]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(_part(sx * (length / 2 - inset - leg / 2), sy * (depth / 2 - inset - leg / 2), 0,
                               leg, leg, height - top))
    return parts, 0


def _chair(size, rng):
    length, depth, height = size
    seat_h = rng.uniform(0.42, 0.48)
    seat_t = rng.uniform(0.04, 0.07)
    back_t = rng.uniform(0.03, 0.06)
    leg = 0.035
    parts = [_part(0, 0, seat_h - seat_t, length, depth, seat_t),
             _part(0, -depth / 2 + back_t / 2, seat_h, length, back_t, height - seat_h)]
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(_part(sx * (length / 2 - leg / 2), sy * (depth / 2 - leg / 2), 0, leg, leg, seat_h - seat_t))
    return parts, None


def _office_chair(size, rng):
    length, depth, height = size
    seat_h = rng.uniform(0.44, 0.52)
    base_t = 0.08
    parts = [_part(0, 0, 0, length, depth, base_t),
             _part(0, 0, base_t, 0.06, 0.06, seat_h - 0.08 - base_t),
             _part(0, 0.03, seat_h - 0.08, length * 0.85, depth * 0.8, 0.08),
             _part(0, -depth / 2 + 0.04, seat_h, length * 0.8, 0.06, height - seat_h)]
    return parts, None


def _bed(size, rng):
    # x = width, y = length (headboard at -y, against the wall).
    # height = top of the headboard; the mattress top is lower.
    width, length, height = size
    board_t = rng.uniform(0.05, 0.09)
    mattress_top = min(rng.uniform(0.45, 0.6), height - 0.25)
    return [_part(0, board_t / 2, 0, width, length - board_t, mattress_top),
            _part(0, -length / 2 + board_t / 2, 0, width, board_t, height)], 0


def _sofa(size, rng):
    length, depth, height = size
    seat_h = rng.uniform(0.38, 0.46)
    back_t = rng.uniform(0.15, 0.25)
    arm_w = rng.uniform(0.12, 0.22)
    arm_h = rng.uniform(0.55, 0.65)
    seat_len = length - 2 * arm_w
    return [_part(0, back_t / 2, 0, seat_len, depth - back_t, seat_h),
            _part(0, -depth / 2 + back_t / 2, 0, length, back_t, height),
            _part(-length / 2 + arm_w / 2, back_t / 2, 0, arm_w, depth - back_t, arm_h),
            _part(length / 2 - arm_w / 2, back_t / 2, 0, arm_w, depth - back_t, arm_h)], 0


def _shelf_unit(size, rng):
    length, depth, height = size
    board = 0.025
    n_shelves = int(rng.integers(2, 5))
    parts = [_part(-length / 2 + board / 2, 0, 0, board, depth, height),
             _part(length / 2 - board / 2, 0, 0, board, depth, height),
             _part(0, -depth / 2 + 0.005, 0, length - 2 * board, 0.01, height),
             _part(0, 0, height - board, length - 2 * board, depth, board),
             _part(0, 0, 0.05, length - 2 * board, depth, board)]
    for k in range(1, n_shelves + 1):
        z = 0.05 + k * (height - 0.05 - board) / (n_shelves + 1)
        parts.append(_part(0, 0, z, length - 2 * board, depth, board))
    return parts, 3


def _counter(size, rng):
    length, depth, height = size
    top = 0.04
    overhang = rng.uniform(0.01, 0.04)
    return [_part(0, -overhang / 2, 0.0, length, depth - overhang, height - top),
            _part(0, 0, height - top, length, depth, top)], 1


def _stand_lamp(size, rng):
    length, depth, height = size
    pole = 0.03
    shade_h = min(0.3, height * 0.3)
    base_t = 0.03
    return [_part(0, 0, 0, length * 0.7, depth * 0.7, base_t),
            _part(0, 0, base_t, pole, pole, height - shade_h - base_t),
            _part(0, 0, height - shade_h, length, depth, shade_h)], None


def _fan(size, rng):
    length, depth, height = size
    head_h = min(0.4, height * 0.4)
    return [_part(0, 0, 0, length * 0.8, depth, 0.04),
            _part(0, 0, 0.04, 0.04, 0.04, height - head_h - 0.04),
            _part(0, 0, height - head_h, length, depth * 0.5, head_h)], None


def _plant(size, rng):
    length, depth, height = size
    pot_h = min(0.35, height * 0.35)
    return [_part(0, 0, 0, length * 0.6, depth * 0.6, pot_h),
            _part(0, 0, pot_h, length, depth, height - pot_h)], None


def _screen_on_stand(size, rng):
    length, depth, height = size
    neck_h = min(0.15, height * 0.3)
    return [_part(0, 0, 0, min(0.25, length * 0.5), depth, 0.02),
            _part(0, -depth / 4, 0.02, 0.05, 0.03, neck_h),
            _part(0, 0, 0.02 + neck_h, length, min(0.05, depth), height - neck_h - 0.02)], None


def _piano(size, rng):
    length, depth, height = size
    shelf_d = 0.2
    return [_part(0, -shelf_d / 2, 0, length, depth - shelf_d, height),
            _part(0, depth / 2 - shelf_d / 2, 0.68, length, shelf_d, 0.1)], None


def _guitar(size, rng):
    length, depth, height = size
    body_h = height * 0.5
    return [_part(0, 0, 0, length, depth, body_h),
            _part(0, 0, body_h, 0.06, min(0.05, depth), height - body_h)], None


SHAPES: dict[str, ShapeBuilder] = {
    "block": _block, "table": _table, "chair": _chair, "office_chair": _office_chair, "bed": _bed,
    "sofa": _sofa, "shelf_unit": _shelf_unit, "counter": _counter, "stand_lamp": _stand_lamp,
    "fan": _fan, "plant": _plant, "screen_on_stand": _screen_on_stand, "piano": _piano, "guitar": _guitar,
}

# ---------------------------------------------------------------------------------------------
# Furniture kinds.

PLACEMENTS = ("floor", "floor_wall", "wall", "on_top")


@dataclass(frozen=True)
class FurnitureKind:
    """One kind of thing that can be placed in a room.

    labels: raw ScanNet labels with relative frequencies (synonyms of one thing).
    size_m: (min, max) ranges of length (x), depth (y) and height (z) in metres.
    placement: "floor" (anywhere, any yaw), "floor_wall" (back against a wall), "wall" (mounted
        on a wall, bottom at `mount_height_m`), "on_top" (standing on one of `supports`).
    supports: kind names this kind can stand on (placement "on_top").
    colors: RGB base colours to pick from.
    """

    name: str
    labels: tuple[tuple[str, float], ...]
    shape: str
    size_m: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    placement: str
    colors: tuple[tuple[int, int, int], ...]
    supports: tuple[str, ...] = ()
    mount_height_m: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        if self.placement not in PLACEMENTS:
            raise ValueError(f"kind {self.name!r}: placement {self.placement!r} is not one of {PLACEMENTS}")
        if self.shape not in SHAPES:
            raise ValueError(f"kind {self.name!r}: shape {self.shape!r} is not one of {sorted(SHAPES)}")
        for raw, _ in self.labels:
            if raw not in LABELS or raw not in CATEGORY_OF_RAW_LABEL:
                raise ValueError(f"kind {self.name!r}: raw label {raw!r} is missing from LABELS or CATEGORY_OF_RAW_LABEL")
        if len({CATEGORY_OF_RAW_LABEL[raw] for raw, _ in self.labels}) != 1:
            raise ValueError(f"kind {self.name!r}: its synonyms map to different categories")
        if (self.placement == "on_top") != bool(self.supports):
            raise ValueError(f"kind {self.name!r}: 'supports' must be given exactly for placement 'on_top'")

    @property
    def category(self) -> str | None:
        return CATEGORY_OF_RAW_LABEL[self.labels[0][0]]

    def sample_label(self, rng: np.random.Generator) -> str:
        weights = np.array([w for _, w in self.labels], dtype=float)
        return self.labels[int(rng.choice(len(self.labels), p=weights / weights.sum()))][0]

    def sample_size(self, rng: np.random.Generator) -> np.ndarray:
        """(3,) length, depth, height in metres."""
        return np.array([rng.uniform(lo, hi) for lo, hi in self.size_m])

    def sample_color(self, rng: np.random.Generator) -> np.ndarray:
        """(3,) RGB uint8 base colour with a small per-instance jitter."""
        base = np.array(self.colors[int(rng.integers(len(self.colors)))], dtype=float)
        return np.clip(base + rng.uniform(-12, 12, 3), 0, 255).astype(np.uint8)


_WOOD = ((150, 111, 51), (120, 85, 50), (190, 160, 120), (90, 60, 40), (210, 190, 160))
_FABRIC = ((70, 80, 120), (130, 40, 40), (90, 110, 90), (160, 150, 140), (60, 60, 60), (200, 190, 170))
_METAL = ((180, 180, 185), (120, 120, 125), (220, 220, 220), (40, 40, 45))
_WHITE = ((235, 235, 230), (215, 215, 210), (245, 245, 245))
_DARK = ((30, 30, 30), (50, 50, 55), (20, 20, 25))
_BRIGHT = ((200, 60, 50), (50, 120, 200), (230, 180, 40), (60, 160, 80), (120, 60, 150))
_GREEN = ((50, 120, 50), (70, 140, 60), (40, 100, 45))

_ON_TABLES = ("table", "dining_table", "coffee_table", "counter", "kitchen_cabinets", "nightstand", "shelf")

KINDS: dict[str, FurnitureKind] = {k.name: k for k in (
    # mounted on walls
    FurnitureKind("door", (("door", 1.0),), "block", ((0.8, 0.95), (0.04, 0.06), (2.0, 2.1)), "wall", _WOOD + _WHITE),
    FurnitureKind("window", (("window", 1.0),), "block", ((0.6, 1.6), (0.05, 0.1), (0.8, 1.3)), "wall",
                  ((170, 200, 220), (190, 210, 225), (150, 180, 200)), mount_height_m=(0.75, 1.0)),
    FurnitureKind("mirror", (("mirror", 1.0),), "block", ((0.4, 1.0), (0.02, 0.04), (0.5, 1.1)), "wall",
                  ((200, 210, 215), (180, 190, 200)), mount_height_m=(0.9, 1.2)),
    FurnitureKind("radiator", (("radiator", 1.0),), "block", ((0.6, 1.5), (0.08, 0.14), (0.4, 0.65)), "wall",
                  _WHITE + _METAL[:1], mount_height_m=(0.08, 0.15)),
    FurnitureKind("towel", (("towel", 1.0),), "block", ((0.3, 0.6), (0.03, 0.05), (0.4, 0.8)), "wall",
                  _BRIGHT + _WHITE, mount_height_m=(0.8, 1.1)),
    FurnitureKind("clock_wall", (("clock", 1.0),), "block", ((0.25, 0.4), (0.04, 0.06), (0.25, 0.4)), "wall",
                  _WHITE + _DARK, mount_height_m=(1.7, 2.0)),
    FurnitureKind("tv_wall", (("tv", 0.8), ("television", 0.2)), "block", ((0.8, 1.4), (0.05, 0.08), (0.5, 0.8)),
                  "wall", _DARK, mount_height_m=(1.0, 1.3)),
    # against a wall, on the floor
    FurnitureKind("bed", (("bed", 1.0),), "bed", ((0.9, 1.8), (1.9, 2.15), (0.85, 1.2)), "floor_wall", _FABRIC + _WHITE),
    FurnitureKind("closet", (("closet", 0.6), ("wardrobe", 0.4)), "block", ((1.0, 2.0), (0.55, 0.65), (1.9, 2.3)),
                  "floor_wall", _WOOD + _WHITE),
    FurnitureKind("sofa", (("couch", 0.6), ("sofa", 0.4)), "sofa", ((1.6, 2.4), (0.8, 1.0), (0.75, 0.95)),
                  "floor_wall", _FABRIC),
    FurnitureKind("bookshelf", (("bookshelf", 0.8), ("bookshelves", 0.2)), "shelf_unit",
                  ((0.6, 1.2), (0.28, 0.4), (1.2, 2.0)), "floor_wall", _WOOD + _WHITE),
    FurnitureKind("shelf", (("shelf", 1.0),), "shelf_unit", ((0.6, 1.4), (0.3, 0.45), (0.8, 1.8)), "floor_wall",
                  _WOOD + _METAL),
    FurnitureKind("refrigerator", (("refrigerator", 1.0),), "block", ((0.6, 0.9), (0.6, 0.75), (1.5, 1.9)),
                  "floor_wall", _WHITE + _METAL),
    FurnitureKind("counter", (("counter", 0.7), ("kitchen counter", 0.3)), "counter",
                  ((1.2, 2.6), (0.6, 0.7), (0.88, 0.95)), "floor_wall", _WOOD + _WHITE + _DARK),
    FurnitureKind("kitchen_cabinets", (("kitchen cabinets", 1.0),), "counter", ((1.0, 2.4), (0.55, 0.65), (0.85, 0.92)),
                  "floor_wall", _WOOD + _WHITE),
    FurnitureKind("cabinet", (("cabinet", 1.0),), "block", ((0.5, 1.2), (0.4, 0.6), (0.7, 1.2)), "floor_wall", _WOOD + _METAL),
    FurnitureKind("nightstand", (("nightstand", 0.7), ("night stand", 0.3)), "block",
                  ((0.4, 0.55), (0.35, 0.45), (0.45, 0.65)), "floor_wall", _WOOD + _WHITE),
    FurnitureKind("washing_machine", (("washing machine", 1.0),), "block",
                  ((0.58, 0.62), (0.55, 0.65), (0.82, 0.88)), "floor_wall", _WHITE),
    FurnitureKind("oven", (("oven", 1.0),), "block", ((0.58, 0.62), (0.58, 0.65), (0.85, 0.92)), "floor_wall",
                  _METAL + _WHITE),
    FurnitureKind("piano", (("piano", 1.0),), "piano", ((1.4, 1.55), (0.55, 0.65), (1.1, 1.3)), "floor_wall", _DARK + _WOOD),
    FurnitureKind("guitar", (("guitar", 1.0),), "guitar", ((0.34, 0.4), (0.1, 0.13), (0.95, 1.05)), "floor_wall",
                  _WOOD + _DARK),
    # anywhere on the floor
    FurnitureKind("table", (("table", 1.0),), "table", ((0.8, 1.8), (0.6, 1.0), (0.7, 0.78)), "floor", _WOOD + _WHITE),
    FurnitureKind("dining_table", (("dining table", 1.0),), "table", ((1.2, 2.0), (0.8, 1.0), (0.72, 0.78)), "floor", _WOOD),
    FurnitureKind("coffee_table", (("coffee table", 1.0),), "table", ((0.8, 1.3), (0.5, 0.7), (0.38, 0.5)), "floor",
                  _WOOD + _DARK),
    FurnitureKind("chair", (("chair", 1.0),), "chair", ((0.42, 0.55), (0.45, 0.55), (0.8, 1.05)), "floor", _WOOD + _FABRIC),
    FurnitureKind("office_chair", (("office chair", 1.0),), "office_chair", ((0.55, 0.7), (0.55, 0.7), (0.9, 1.2)),
                  "floor", _DARK + _FABRIC),
    FurnitureKind("trash_bin", (("trash can", 0.55), ("trashcan", 0.15), ("garbage bin", 0.15), ("trash bin", 0.15)),
                  "block", ((0.25, 0.4), (0.2, 0.35), (0.3, 0.7)), "floor", _METAL + _DARK + _BRIGHT),
    FurnitureKind("backpack", (("backpack", 1.0),), "block", ((0.28, 0.35), (0.15, 0.25), (0.4, 0.5)), "floor",
                  _BRIGHT + _DARK),
    FurnitureKind("floor_lamp", (("lamp", 1.0),), "stand_lamp", ((0.3, 0.45), (0.3, 0.45), (1.3, 1.8)), "floor",
                  _WHITE + _METAL),
    FurnitureKind("fan", (("fan", 1.0),), "fan", ((0.35, 0.45), (0.25, 0.35), (0.9, 1.3)), "floor", _WHITE + _DARK),
    FurnitureKind("plant", (("plant", 0.7), ("potted plant", 0.3)), "plant", ((0.3, 0.6), (0.3, 0.6), (0.5, 1.5)),
                  "floor", _GREEN),
    FurnitureKind("mattress", (("mattress", 1.0),), "block", ((1.9, 2.0), (0.9, 1.5), (0.15, 0.25)), "floor",
                  _WHITE + _FABRIC),
    FurnitureKind("box", (("box", 1.0),), "block", ((0.25, 0.6), (0.2, 0.5), (0.15, 0.5)), "floor",
                  ((170, 130, 90), (190, 150, 100))),
    FurnitureKind("object", (("object", 1.0),), "block", ((0.1, 0.4), (0.1, 0.4), (0.1, 0.4)), "floor", _BRIGHT + _METAL),
    FurnitureKind("printer_floor", (("printer", 1.0),), "block", ((0.5, 0.65), (0.45, 0.6), (0.5, 1.0)), "floor", _WHITE),
    # on top of tables, counters, nightstands, beds, sofas
    FurnitureKind("monitor", (("monitor", 1.0),), "screen_on_stand", ((0.45, 0.7), (0.15, 0.22), (0.35, 0.55)),
                  "on_top", _DARK, supports=("table",)),
    FurnitureKind("keyboard", (("keyboard", 1.0),), "block", ((0.42, 0.46), (0.13, 0.16), (0.02, 0.04)), "on_top",
                  _DARK + _WHITE, supports=("table",)),
    FurnitureKind("mouse", (("mouse", 1.0),), "block", ((0.1, 0.12), (0.06, 0.07), (0.03, 0.04)), "on_top",
                  _DARK + _WHITE, supports=("table",)),
    FurnitureKind("telephone", (("telephone", 1.0),), "block", ((0.18, 0.23), (0.15, 0.2), (0.06, 0.1)), "on_top",
                  _DARK + _WHITE, supports=("table", "nightstand", "counter")),
    FurnitureKind("printer", (("printer", 1.0),), "block", ((0.4, 0.5), (0.35, 0.45), (0.2, 0.3)), "on_top",
                  _WHITE + _DARK, supports=("table", "counter", "cabinet")),
    FurnitureKind("microwave", (("microwave", 1.0),), "block", ((0.45, 0.55), (0.35, 0.4), (0.26, 0.32)), "on_top",
                  _WHITE + _METAL + _DARK, supports=("counter", "kitchen_cabinets", "table")),
    FurnitureKind("clock_table", (("clock", 1.0),), "block", ((0.12, 0.25), (0.06, 0.1), (0.12, 0.25)), "on_top",
                  _WHITE + _WOOD, supports=("nightstand", "table", "shelf", "cabinet")),
    FurnitureKind("table_lamp", (("lamp", 1.0),), "stand_lamp", ((0.22, 0.35), (0.22, 0.35), (0.35, 0.6)), "on_top",
                  _WHITE + _FABRIC, supports=("nightstand", "table", "cabinet")),
    FurnitureKind("tv_stand", (("tv", 0.8), ("television", 0.2)), "screen_on_stand", ((0.8, 1.3), (0.2, 0.3), (0.5, 0.8)),
                  "on_top", _DARK, supports=("table", "cabinet", "counter")),
    FurnitureKind("pillow", (("pillow", 1.0),), "block", ((0.45, 0.7), (0.3, 0.45), (0.1, 0.18)), "on_top",
                  _FABRIC + _WHITE, supports=("bed", "sofa")),
    FurnitureKind("small_plant", (("plant", 0.7), ("potted plant", 0.3)), "plant", ((0.15, 0.3), (0.15, 0.3), (0.25, 0.5)),
                  "on_top", _GREEN, supports=("table", "shelf", "counter", "cabinet")),
    FurnitureKind("small_box", (("box", 1.0),), "block", ((0.15, 0.35), (0.12, 0.3), (0.08, 0.25)), "on_top",
                  ((170, 130, 90), (190, 150, 100)), supports=("table", "shelf", "cabinet", "kitchen_cabinets")),
)}

# Table-like kinds for the "supports" lists: a support name covers these kinds.
SUPPORT_GROUPS: dict[str, tuple[str, ...]] = {
    "table": ("table", "dining_table", "coffee_table"),
    "nightstand": ("nightstand",), "counter": ("counter",), "kitchen_cabinets": ("kitchen_cabinets",),
    "shelf": ("shelf", "bookshelf"), "cabinet": ("cabinet",), "bed": ("bed",), "sofa": ("sofa",),
}


@dataclass(frozen=True)
class RoomType:
    """A kind of room: its ScanNet `sceneType`, floor area range (m2) and what it holds.

    contents: (kind name, probability of appearing, (min count, max count)).
    """

    scene_type: str
    area_m2: tuple[float, float]
    contents: tuple[tuple[str, float, tuple[int, int]], ...]


_COMMON = (("door", 1.0, (1, 2)), ("window", 0.8, (1, 3)), ("radiator", 0.4, (1, 2)), ("trash_bin", 0.8, (1, 3)),
           ("clock_wall", 0.3, (1, 1)), ("object", 0.5, (1, 3)), ("box", 0.4, (1, 3)), ("plant", 0.3, (1, 2)))

ROOM_TYPES: tuple[RoomType, ...] = (
    RoomType("Bedroom / Hotel", (9.0, 28.0), _COMMON + (
        ("bed", 1.0, (1, 1)), ("nightstand", 0.9, (1, 2)), ("pillow", 0.9, (2, 4)), ("closet", 0.7, (1, 2)),
        ("table_lamp", 0.6, (1, 2)), ("clock_table", 0.3, (1, 1)), ("mirror", 0.5, (1, 1)), ("table", 0.5, (1, 1)),
        ("chair", 0.6, (1, 2)), ("tv_wall", 0.3, (1, 1)), ("backpack", 0.4, (1, 2)), ("towel", 0.2, (1, 1)),
        ("fan", 0.2, (1, 1)), ("guitar", 0.15, (1, 1)), ("mattress", 0.1, (1, 1)), ("shelf", 0.3, (1, 1)))),
    RoomType("Office", (10.0, 45.0), _COMMON + (
        ("table", 1.0, (1, 3)), ("office_chair", 0.9, (2, 5)), ("chair", 0.4, (1, 3)), ("monitor", 0.9, (1, 4)),
        ("keyboard", 0.8, (1, 3)), ("mouse", 0.6, (1, 3)), ("telephone", 0.6, (1, 2)), ("printer", 0.4, (1, 1)),
        ("bookshelf", 0.6, (1, 2)), ("shelf", 0.4, (1, 2)), ("cabinet", 0.5, (1, 2)), ("floor_lamp", 0.2, (1, 1)),
        ("backpack", 0.5, (1, 3)), ("fan", 0.2, (1, 1)), ("small_box", 0.3, (1, 2)), ("small_plant", 0.3, (1, 1)))),
    RoomType("Living room / Lounge", (15.0, 60.0), _COMMON + (
        ("sofa", 1.0, (1, 2)), ("coffee_table", 0.9, (1, 1)), ("pillow", 0.8, (2, 4)), ("chair", 0.7, (1, 4)),
        ("tv_wall", 0.4, (1, 1)), ("tv_stand", 0.3, (1, 1)), ("cabinet", 0.5, (1, 2)), ("floor_lamp", 0.6, (1, 2)),
        ("bookshelf", 0.6, (1, 2)), ("piano", 0.2, (1, 1)), ("guitar", 0.2, (1, 1)), ("fan", 0.2, (1, 1)),
        ("table", 0.4, (1, 1)), ("mirror", 0.3, (1, 1)), ("small_plant", 0.3, (1, 2)))),
    RoomType("Kitchen", (8.0, 30.0), _COMMON + (
        ("counter", 1.0, (1, 2)), ("kitchen_cabinets", 0.9, (1, 2)), ("refrigerator", 0.9, (1, 1)),
        ("oven", 0.7, (1, 1)), ("microwave", 0.8, (1, 1)), ("dining_table", 0.6, (1, 1)), ("chair", 0.7, (2, 4)),
        ("towel", 0.4, (1, 2)), ("washing_machine", 0.3, (1, 1)), ("telephone", 0.2, (1, 1)), ("small_box", 0.3, (1, 2)))),
    RoomType("Bathroom", (5.0, 12.0), (("door", 1.0, (1, 1)), ("window", 0.5, (1, 1)), ("trash_bin", 0.8, (1, 1)),
        ("towel", 0.9, (1, 3)), ("mirror", 0.9, (1, 1)), ("radiator", 0.4, (1, 1)), ("counter", 0.6, (1, 1)),
        ("washing_machine", 0.3, (1, 1)), ("shelf", 0.3, (1, 1)), ("object", 0.4, (1, 2)))),
    RoomType("Conference Room", (25.0, 78.0), _COMMON + (
        ("dining_table", 0.5, (1, 1)), ("table", 1.0, (1, 2)), ("office_chair", 0.8, (4, 8)), ("chair", 0.6, (2, 6)),
        ("tv_wall", 0.6, (1, 2)), ("monitor", 0.4, (1, 2)), ("telephone", 0.5, (1, 1)), ("keyboard", 0.3, (1, 1)),
        ("cabinet", 0.4, (1, 2)), ("printer_floor", 0.2, (1, 1)), ("backpack", 0.4, (1, 3)))),
    RoomType("Laundry Room", (5.0, 15.0), (("door", 1.0, (1, 1)), ("window", 0.4, (1, 1)), ("trash_bin", 0.6, (1, 2)),
        ("washing_machine", 1.0, (1, 3)), ("shelf", 0.6, (1, 2)), ("counter", 0.4, (1, 1)), ("towel", 0.5, (1, 2)),
        ("box", 0.6, (1, 3)), ("object", 0.6, (1, 3)), ("kitchen_cabinets", 0.3, (1, 1)))),
)
