"""The pipeline: scans -> facts -> frames (optional) -> questions -> the dataset folder.

`plan` finds scans and computes cache keys, `stages` holds the per-scan stage functions,
`executor` decides where they run (local processes or Ray), `cache` is the one build cache,
`assemble` writes the dataset from the cache, `run` ties them together (`run_build`, `run_stage`).
"""
