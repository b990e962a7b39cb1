"""A self-contained HTML preview of one built scene: map, frames, questions (for people, not programs)."""
