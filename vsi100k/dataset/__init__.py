"""The published dataset: explicit Features, deterministic parquet shards, the loader and the validator.

Two parts joined by `scene_name` (docs/definitions.md, "Dataset layout"): a questions table (one config
per question type plus `all`) and a frames table (one row per scene, never copied into question rows).
"""
