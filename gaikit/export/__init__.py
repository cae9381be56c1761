"""``gaikit export``: a run's greedy policy (observation -> action) as a standalone ONNX or TorchScript file.

:func:`export_run` loads the run's checkpoint as ``gaikit eval`` does, takes
the learner's :meth:`~gaikit.core.components.Learner.greedy_policy_module`,
writes it with one input per observation part (:mod:`gaikit.export.inputs`)
and a dynamic batch axis, and checks the written file against torch.
"""

from __future__ import annotations

from gaikit.export.inputs import TensorSpec
from gaikit.export.policy_export import ExportResult, WrittenPolicy, export_module, export_run
from gaikit.export.writers import FORMATS

__all__ = ["ExportResult", "FORMATS", "TensorSpec", "WrittenPolicy", "export_module", "export_run"]
