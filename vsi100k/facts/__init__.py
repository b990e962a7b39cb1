"""Scene facts: objects, boxes, distances and room size of one scan (docs/definitions.md, "Facts")."""

from vsi100k.facts.schema import SCHEMA_VERSION, Box, ObjectFacts, SceneFacts

__all__ = ["SCHEMA_VERSION", "Box", "ObjectFacts", "SceneFacts"]
