"""vsi100k: ScanNet scans -> a visual-spatial question-answering dataset (VSI-100k recipe).

Layers (imports only go downward):
  bottom  geometry/, metrics.py      pure numpy, no I/O
  middle  facts/, tasks/, templates/  scene facts -> questions
  top     scannet/, synth/, frames/, build, hub, train, evaluate  (I/O and orchestration)
  cli/    parses options and calls the top layer; nothing else imports it.
"""

__version__ = "0.1.0"
