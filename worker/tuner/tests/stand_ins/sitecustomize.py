"""Test subprocesses only (tests/fake_birefnet_hub.py puts this folder on PYTHONPATH where the real
torchvision does not load): makes `import torchvision` find the stand-in in lazy/, after loading
transformers' modeling code first: transformers decides at import whether torchvision is there and
then imports its image transforms, which the stand-in does not have."""

import importlib.machinery
import sys
from pathlib import Path

_LAZY = str(Path(__file__).resolve().parent / "lazy")


class _StandInFinder:
    loading = False

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.split(".")[0] != "torchvision" or cls.loading:
            return None
        if "transformers.modeling_utils" not in sys.modules:
            cls.loading = True  # torchvision is not found while transformers looks for it
            try:
                import transformers.modeling_utils  # noqa: F401
            finally:
                cls.loading = False
        return importlib.machinery.PathFinder.find_spec(name, [_LAZY] if "." not in name else path)


sys.meta_path.append(_StandInFinder)
