"""Binary little-endian PLY meshes as ScanNet ships them (`<id>_vh_clean_2.ply`).

Vertex: x, y, z float32 + red, green, blue, alpha uint8 (16 bytes). Faces: `property list uchar int
vertex_indices` (13 bytes per triangle). The reader parses the header generically (so extra vertex
properties or a different face list layout still load) and takes a fast structured-array path for
the ScanNet layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError

_PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}


_MAX_HEADER_BYTES = 1 << 16  # real headers are ~300 bytes; a longer one is not a mesh header


def _parse_header(data: bytes, scene_id: str, path: Path) -> tuple[int, list[dict]]:
    """Return (offset of the binary body, list of elements with their properties).

    Every fault of the header (no magic, no `end_header`, a format other than binary little-endian,
    an unknown property type, a malformed line, a count that is not a non-negative integer,
    non-ASCII bytes) raises SceneError naming the problem.
    """
    if not (data.startswith(b"ply\n") or data.startswith(b"ply\r\n")):
        raise SceneError(scene_id, path, "not a PLY file (no 'ply' magic on the first line)")
    end = data.find(b"end_header\n", 0, _MAX_HEADER_BYTES)
    if end < 0 or data[end - 1:end] not in (b"\n", b"\r"):
        raise SceneError(
            scene_id, path, f"not a PLY file or truncated header (no 'end_header' line in the first {_MAX_HEADER_BYTES} bytes)"
        )
    try:
        lines = data[:end].decode("ascii").splitlines()
    except UnicodeDecodeError as exc:
        raise SceneError(scene_id, path, f"PLY header has non-ASCII bytes (byte {exc.start})") from None
    elements: list[dict] = []
    formats: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if not parts or parts[0] in ("comment", "obj_info"):
            continue
        if parts[0] == "format":
            formats.append(" ".join(parts))
        elif parts[0] == "element":
            if len(parts) != 3:
                raise SceneError(scene_id, path, f"header line {number} is not 'element <name> <count>': {line[:60]!r}")
            elements.append({"name": parts[1], "count": _count(parts[2], line, number, scene_id, path), "props": []})
        elif parts[0] == "property":
            if not elements:
                raise SceneError(scene_id, path, f"property before any element: {line!r}")
            elements[-1]["props"].append(_property(parts, line, number, scene_id, path))
        else:
            raise SceneError(scene_id, path, f"header line {number} is not a PLY header line: {line[:60]!r}")
    if formats != ["format binary_little_endian 1.0"]:
        shown = formats[0] if len(formats) == 1 else f"{len(formats)} format lines"
        raise SceneError(
            scene_id, path,
            f"PLY format {shown!r} is not supported (ScanNet meshes are 'format binary_little_endian 1.0')",
        )
    for element in elements:
        names = [p[0] for p in element["props"]]
        if not names:
            raise SceneError(scene_id, path, f"element {element['name']!r} has no properties")
        if len(set(names)) != len(names):
            raise SceneError(scene_id, path, f"element {element['name']!r} repeats a property name: {names}")
    return end + len(b"end_header\n"), elements


def _count(token: str, line: str, number: int, scene_id: str, path: Path) -> int:
    if not token.isdigit():
        raise SceneError(scene_id, path, f"header line {number}: element count {token[:20]!r} is not a non-negative integer")
    return int(token)


def _property(parts: list[str], line: str, number: int, scene_id: str, path: Path) -> tuple:
    """('name', dtype) or ('name', 'list', count dtype, index dtype) of one `property` line."""
    expected = 5 if len(parts) > 1 and parts[1] == "list" else 3
    if len(parts) != expected:
        form = "property list <count type> <index type> <name>" if expected == 5 else "property <type> <name>"
        raise SceneError(scene_id, path, f"header line {number} is not '{form}': {line[:60]!r}")
    types = parts[2:4] if expected == 5 else parts[1:2]
    for name in types:
        if name not in _PLY_TYPES:
            raise SceneError(
                scene_id, path, f"header line {number}: unknown property type {name[:20]!r} (known: {', '.join(sorted(_PLY_TYPES))})"
            )
    if expected == 5:
        if _PLY_TYPES[parts[2]][0] == "f" or _PLY_TYPES[parts[3]][0] == "f":
            raise SceneError(scene_id, path, f"header line {number}: a list's count and index types must be integers: {line[:60]!r}")
        return parts[4], "list", _PLY_TYPES[parts[2]], _PLY_TYPES[parts[3]]
    return parts[2], _PLY_TYPES[parts[1]]


def read_ply(path: Path, scene_id: str = "?", default_color: tuple[int, int, int, int] = (255, 255, 255, 255),
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a ScanNet mesh (or any binary little-endian triangle PLY).

    Returns vertices (V, 3) float32 metres, colors (V, 4) uint8 RGBA (each channel the file lacks
    taken from `default_color`: white, alpha 255, unless given),
    faces (F, 3) int32, with V >= 1 and F >= 1. Raises SceneError naming the scene, the file and the
    problem (header faults, truncated blocks, no vertices, no faces, face indices out of range).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SceneError(scene_id, path, "file not found") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise SceneError(scene_id, path, f"cannot read the file ({exc.strerror})") from None
    offset, elements = _parse_header(data, scene_id, path)
    vertices = colors = faces = None
    for element in elements:
        name, count, props = element["name"], element["count"], element["props"]
        if any(len(p) == 4 for p in props):
            if len(props) != 1:
                raise SceneError(scene_id, path, f"element {name!r} mixes list and scalar properties")
            _, _, count_t, index_t = props[0]
            polygons, offset = _read_faces(data, offset, count, count_t, index_t, scene_id, path)
            if name == "face":
                faces = polygons
            continue
        dtype = np.dtype([(p[0], "<" + p[1]) for p in props])
        need = dtype.itemsize * count
        if len(data) - offset < need:
            raise SceneError(
                scene_id, path, f"truncated {name} block (expected {need} bytes, got {len(data) - offset})"
            )
        block = np.frombuffer(data, dtype=dtype, count=count, offset=offset) if need else np.zeros(count, dtype)
        offset += need
        if name == "vertex":
            missing = [axis for axis in ("x", "y", "z") if axis not in (dtype.names or ())]
            if missing:
                raise SceneError(scene_id, path, f"vertex element has no {', '.join(missing)} property")
            vertices = np.stack([block["x"], block["y"], block["z"]], axis=1).astype(np.float32)
            colors = np.tile(np.asarray(default_color, dtype=np.uint8), (count, 1))
            for i, channel in enumerate(("red", "green", "blue", "alpha")):
                if channel in block.dtype.names:
                    colors[:, i] = block[channel]
    if vertices is None:
        raise SceneError(scene_id, path, "no vertex element")
    if len(vertices) == 0:
        raise SceneError(scene_id, path, "mesh has no vertices")
    if faces is None or len(faces) == 0:
        raise SceneError(scene_id, path, "mesh has no faces")
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise SceneError(scene_id, path, f"face indices outside [0, {len(vertices)})")
    return vertices, colors, faces.astype(np.int32)


def _read_faces(data, offset, count, count_t, index_t, scene_id, path):
    """Faces as (F, 3) int64 (range-checked by the caller); fast path when every face is a triangle.

    The general walk reads at least one byte per face, so a corrupt count cannot make it loop
    longer than the file is long.
    """
    count_size = np.dtype(count_t).itemsize
    index_size = np.dtype(index_t).itemsize
    tri = np.dtype([("n", "<" + count_t), ("v", "<" + index_t, (3,))])
    need = tri.itemsize * count
    if len(data) - offset >= need:
        block = np.frombuffer(data, dtype=tri, count=count, offset=offset) if count else np.zeros(0, tri)
        if count == 0 or np.all(block["n"] == 3):
            return block["v"].astype(np.int64), offset + need
    # General polygons: walk the list and fan-triangulate.
    out = []
    for _ in range(count):
        if offset + count_size > len(data):
            raise SceneError(scene_id, path, "truncated face block")
        n = int(np.frombuffer(data, dtype="<" + count_t, count=1, offset=offset)[0])
        offset += count_size
        if n < 0 or offset + n * index_size > len(data):
            raise SceneError(scene_id, path, "truncated face block" if n >= 0 else f"negative polygon size {n}")
        idx = np.frombuffer(data, dtype="<" + index_t, count=n, offset=offset) if n else np.zeros(0, index_t)
        offset += n * index_size
        out.extend((idx[0], idx[k], idx[k + 1]) for k in range(1, n - 1))
    return np.asarray(out, dtype=np.int64).reshape(-1, 3), offset


def write_ply(path: Path, vertices: np.ndarray, colors: np.ndarray, faces: np.ndarray) -> None:
    """Write a mesh in ScanNet's exact `_vh_clean_2.ply` layout (binary little-endian).

    vertices (V, 3) float, colors (V, 3 or 4) uint8, faces (F, 3) int.
    """
    vertices = np.asarray(vertices, dtype="<f4")
    colors = np.asarray(colors, dtype=np.uint8)
    if colors.shape[1] == 3:
        colors = np.concatenate([colors, np.full((len(colors), 1), 255, np.uint8)], axis=1)
    faces = np.asarray(faces, dtype="<i4")
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(vertices)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\nproperty uchar alpha\n"
        f"element face {len(faces)}\n"
        "property list uchar int vertex_indices\n"
        "end_header\n"
    ).encode("ascii")
    vdt = np.dtype([("xyz", "<f4", (3,)), ("rgba", "u1", (4,))])
    vblock = np.empty(len(vertices), dtype=vdt)
    vblock["xyz"], vblock["rgba"] = vertices, colors
    fdt = np.dtype([("n", "u1"), ("v", "<i4", (3,))])
    fblock = np.empty(len(faces), dtype=fdt)
    fblock["n"], fblock["v"] = 3, faces
    _atomic_write(Path(path), header + vblock.tobytes() + fblock.tobytes())


def _atomic_write(path: Path, payload: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(payload)
    tmp.replace(path)
