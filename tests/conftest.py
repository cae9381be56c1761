"""Suite-wide settings: one torch thread per test process.

The suite targets 2-core machines; tiny networks gain nothing from
intra-op threads, and oversubscribed threads make updates many times slower.
"""

from __future__ import annotations

import torch

torch.set_num_threads(1)
