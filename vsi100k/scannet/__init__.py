"""ScanNet v2 input: the only package that knows ScanNet's file names and formats.

Definitions: docs/definitions.md, "Input layouts".
"""

from vsi100k.scannet.files import ScanFiles, find_scenes
from vsi100k.scannet.labels import LabelTable, read_label_table, read_split_lists, write_label_table
from vsi100k.scannet.reader import load_scene
from vsi100k.scannet.sens import SensFrame, SensHeader, SensReader, write_sens
from vsi100k.scannet.writer import write_scene_files

__all__ = [
    "LabelTable", "ScanFiles", "SensFrame", "SensHeader", "SensReader", "find_scenes", "load_scene",
    "read_label_table", "read_split_lists", "write_label_table", "write_scene_files", "write_sens",
]
