"""VSI-Bench-style evaluation: load questions (a vsi100k build or VSI-Bench's Hub layout), predict with a
model or read a predictions file, score with `vsi100k.metrics`, and report the VSI-Bench table."""
