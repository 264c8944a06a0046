"""torchvision's deformable convolution (`torchvision::deform_conv2d`) in plain torch, for hosts whose
torch build has no matching torchvision (the CPU torch wheel has none on PyPI: torchvision's wheels
there link against CUDA torch). Same schema and semantics as torchvision's kernel: the offsets move
each tap (per offset group, per tap, dy then dx), bilinear sampling is zero outside the image, the
optional mask scales each sample. test_deform_conv.py pins it against plain convolutions (zero and
whole-pixel offsets) and against torchvision where torchvision loads."""

from __future__ import annotations

import torch
import torch.nn.functional as F

SCHEMA = (
    "deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, SymInt stride_h, "
    "SymInt stride_w, SymInt pad_h, SymInt pad_w, SymInt dilation_h, SymInt dilation_w, SymInt groups, "
    "SymInt offset_groups, bool use_mask) -> Tensor"
)


def deform_conv2d_reference(
    input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, offset_groups, use_mask
):
    b, c, h, w = input.shape
    out_c, _, kh, kw = weight.shape
    oh, ow = offset.shape[-2:]
    k, og = kh * kw, offset_groups
    ky, kx = torch.meshgrid(torch.arange(kh) * dil_h, torch.arange(kw) * dil_w, indexing="ij")
    base_y = (torch.arange(oh) * stride_h - pad_h).reshape(1, oh, 1) + ky.reshape(k, 1, 1)
    base_x = (torch.arange(ow) * stride_w - pad_w).reshape(1, 1, ow) + kx.reshape(k, 1, 1)
    off = offset.reshape(b, og, k, 2, oh, ow)
    y = base_y.to(input.dtype) + off[:, :, :, 0]
    x = base_x.to(input.dtype) + off[:, :, :, 1]
    grid = torch.stack([2 * x / max(w - 1, 1) - 1, 2 * y / max(h - 1, 1) - 1], -1).reshape(b * og, k * oh, ow, 2)
    image = input.reshape(b * og, c // og, h, w)
    samples = F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    samples = samples.reshape(b, og, c // og, k, oh, ow)
    if use_mask:
        samples = samples * mask.reshape(b, og, 1, k, oh, ow)
    cols = samples.reshape(b, groups, (c // groups) * k, oh * ow)
    out = torch.einsum("gok,bgkn->bgon", weight.reshape(groups, out_c // groups, -1), cols)
    return out.reshape(b, out_c, oh, ow) + bias.reshape(1, -1, 1, 1)


_library = None


def register_reference_op() -> None:
    """Defines `torch.ops.torchvision.deform_conv2d` as the reference above, unless an op of that name exists."""
    global _library
    if _library is None and not hasattr(torch.ops.torchvision, "deform_conv2d"):
        _library = torch.library.Library("torchvision", "DEF")
        _library.define(SCHEMA)
        _library.impl("deform_conv2d", deform_conv2d_reference, "CompositeExplicitAutograd")


def torchvision_loads() -> bool:
    """Whether the real torchvision and its compiled ops load in this environment."""
    try:
        import torchvision.ops  # noqa: F401
    except (ImportError, OSError, RuntimeError):
        return False
    return True


def ensure_op() -> str:
    """`torch.ops.torchvision.deform_conv2d`: torchvision's when it loads, else the reference. Says which."""
    if torchvision_loads():
        return "torchvision"
    register_reference_op()
    return "stand-in"


def deform_conv2d(input, offset, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), mask=None):
    """torchvision.ops.deform_conv2d's Python signature, calling the registered op."""

    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    kh, kw = weight.shape[-2:]
    if bias is None:
        bias = torch.zeros(weight.shape[0], dtype=input.dtype)
    use_mask = mask is not None
    if mask is None:
        mask = torch.zeros((input.shape[0], 1), dtype=input.dtype)
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    offset_groups = offset.shape[1] // (2 * kh * kw)
    groups = input.shape[1] // weight.shape[1]
    return torch.ops.torchvision.deform_conv2d(
        input, weight, offset, mask, bias, sh, sw, ph, pw, dh, dw, groups, offset_groups, use_mask
    )
