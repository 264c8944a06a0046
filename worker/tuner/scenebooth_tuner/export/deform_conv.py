"""An ONNX symbolic for torchvision's deformable convolution (`torchvision::deform_conv2d`), which
BiRefNet's decoder uses and torch's TorchScript exporter cannot write.

The graph is built from standard operators onnxruntime runs everywhere: the offsets move a regular
sampling grid, GridSample (opset 16) reads the input there with torchvision's bilinear rule (zero
outside the image), the optional modulation mask scales the samples, and one strided Conv applies
the weights to the kernel-sized patches laid side by side.

BiRefNet's own ONNX tutorial uses the PyPI package `deform_conv2d_onnx_exporter` for this; its
1.2.0 release cannot read tensor types on the torch this project pins (it imports a module torch
has since moved), hence this small decomposition. It needs static shapes, which an export with a
fixed input size has.
"""

from __future__ import annotations

import torch
from torch.onnx import register_custom_op_symbolic, symbolic_helper

OP = "torchvision::deform_conv2d"
MIN_OPSET = 16  # GridSample


def _const(g, values, dtype=torch.int64):
    value = values.to(dtype) if isinstance(values, torch.Tensor) else torch.tensor(values, dtype=dtype)
    return g.op("Constant", value_t=value)


def _reshape(g, x, shape: list[int]):
    return g.op("Reshape", x, _const(g, shape))


def _sizes(value, what: str) -> list[int]:
    sizes = symbolic_helper._get_tensor_sizes(value)
    if not sizes or any(s is None for s in sizes):
        raise RuntimeError(f"deform_conv2d: the {what} shape is not static ({sizes}); export with a fixed input size")
    return [int(s) for s in sizes]


def base_grid(kh: int, kw: int, oh: int, ow: int, stride, padding, dilation) -> tuple[torch.Tensor, torch.Tensor]:
    """The undeformed sampling positions (y, x), each [K, oh, ow]: output pixel * stride - padding + tap * dilation."""
    ky, kx = torch.meshgrid(torch.arange(kh) * dilation[0], torch.arange(kw) * dilation[1], indexing="ij")
    ys = (torch.arange(oh) * stride[0] - padding[0]).reshape(1, oh, 1) + ky.reshape(-1, 1, 1)
    xs = (torch.arange(ow) * stride[1] - padding[1]).reshape(1, 1, ow) + kx.reshape(-1, 1, 1)
    k = kh * kw
    return ys.expand(k, oh, ow).float(), xs.expand(k, oh, ow).float()


@symbolic_helper.parse_args("v", "v", "v", "v", "v", "i", "i", "i", "i", "i", "i", "i", "i", "b")
def deform_conv2d_symbolic(
    g,
    input,
    weight,
    offset,
    mask,
    bias,
    stride_h,
    stride_w,
    pad_h,
    pad_w,
    dil_h,
    dil_w,
    groups,
    offset_groups,
    use_mask,
):
    b, c, h, w = _sizes(input, "input")
    _, _, kh, kw = _sizes(weight, "weight")
    oh, ow = _sizes(offset, "offset")[2:]
    k, og = kh * kw, offset_groups
    by, bx = base_grid(kh, kw, oh, ow, (stride_h, stride_w), (pad_h, pad_w), (dil_h, dil_w))

    # torchvision's offset layout: per group, per tap, (dy, dx).
    off = _reshape(g, offset, [b, og, k, 2, oh, ow])
    axis, one = _const(g, [3]), _const(g, [1])
    dy = _reshape(g, g.op("Slice", off, _const(g, [0]), one, axis), [b, og, k, oh, ow])
    dx = _reshape(g, g.op("Slice", off, one, _const(g, [2]), axis), [b, og, k, oh, ow])
    # Pixel positions -> GridSample's [-1, 1] (align_corners: -1 and 1 are the first and last pixels' centres).
    sy, sx = 2.0 / max(h - 1, 1), 2.0 / max(w - 1, 1)
    gy = g.op("Add", g.op("Mul", dy, _const(g, sy, torch.float32)), _const(g, by * sy - 1, torch.float32))
    gx = g.op("Add", g.op("Mul", dx, _const(g, sx, torch.float32)), _const(g, bx * sx - 1, torch.float32))
    grid = g.op("Concat", g.op("Unsqueeze", gx, _const(g, [5])), g.op("Unsqueeze", gy, _const(g, [5])), axis_i=5)
    grid = _reshape(g, grid, [b * og, k * oh, ow, 2])

    image = _reshape(g, input, [b * og, c // og, h, w])
    samples = g.op("GridSample", image, grid, align_corners_i=1, mode_s="bilinear", padding_mode_s="zeros")
    samples = _reshape(g, samples, [b, og, c // og, k, oh, ow])
    if use_mask:
        samples = g.op("Mul", samples, _reshape(g, mask, [b, og, 1, k, oh, ow]))

    # Each output pixel's kh x kw samples as a tile; a Conv with stride (kh, kw) weighs each tile once.
    tiles = _reshape(g, samples, [b, c, kh, kw, oh, ow])
    tiles = _reshape(g, g.op("Transpose", tiles, perm_i=[0, 1, 4, 2, 5, 3]), [b, c, oh * kh, ow * kw])
    return g.op("Conv", tiles, weight, bias, kernel_shape_i=[kh, kw], strides_i=[kh, kw], group_i=groups)


def register(opset: int) -> None:
    """Registers the symbolic for the TorchScript exporter (`torch.onnx.export(..., dynamo=False)`); idempotent."""
    if opset < MIN_OPSET:
        raise ValueError(f"deform_conv2d needs opset {MIN_OPSET} or newer (GridSample), not {opset}")
    register_custom_op_symbolic(OP, deform_conv2d_symbolic, MIN_OPSET)
