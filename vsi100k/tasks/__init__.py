"""Question generation: scene facts -> VSI-Bench style questions (middle layer; no file formats of ScanNet).

Entry points: `vsi100k.tasks.generate.generate_questions` (one scene), `vsi100k.tasks.build.build_questions`
(a folder of facts files -> JSON lines + report), the registry `vsi100k.tasks.registry.TASKS`, and
`vsi100k.tasks.config.QuestionConfig`. Task modules follow the contract in `vsi100k.tasks.base`.
"""
