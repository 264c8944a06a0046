"""torchvision.ops.deform_conv2d, backed by tests/deform_reference.py's plain-torch op."""

from deform_reference import deform_conv2d, register_reference_op

register_reference_op()

__all__ = ["deform_conv2d"]
