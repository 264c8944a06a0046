"""The deformable convolution's ONNX symbolic (scenebooth_tuner/export/deform_conv.py): a module shaped like
BiRefNet's DeformableConv2d (offsets and a modulator from convolutions) exported with it runs in onnxruntime
and matches torch. The torch side is torchvision's kernel where torchvision loads, else the plain-torch
reference (tests/deform_reference.py), itself pinned here against ordinary convolutions."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from deform_reference import deform_conv2d, ensure_op, torchvision_loads
from torch import nn

from scenebooth_tuner.export import deform_conv

BACKEND = ensure_op()
TOLERANCE = 1e-4  # max |onnx - torch| on outputs of magnitude ~1-10 (float32, a few hundred taps summed)


class Deformable(nn.Module):
    """BiRefNet's DeformableConv2d: offsets and a 0-2 modulator predicted from the input by convolutions."""

    def __init__(self, cin, cout, k=3, stride=1, padding=1, dilation=1, groups=1, offset_groups=1, modulated=True):
        super().__init__()
        self.stride, self.padding, self.dilation, self.modulated = stride, padding, dilation, modulated
        taps = k * k * offset_groups
        self.offset = nn.Conv2d(cin, 2 * taps, k, stride, padding, dilation)
        self.modulator = nn.Conv2d(cin, taps, k, stride, padding, dilation)
        self.regular = nn.Conv2d(cin, cout, k, stride, padding, dilation, groups=groups)
        nn.init.normal_(self.offset.weight, std=0.3)  # offsets of a few pixels, some past the edges

    def forward(self, x):
        mask = 2 * torch.sigmoid(self.modulator(x)) if self.modulated else None
        return deform_conv2d(
            x, self.offset(x), self.regular.weight, self.regular.bias, self.stride, self.padding, self.dilation, mask
        )


CASES = {
    "birefnet-aspp": dict(cin=8, cout=6),
    "strided-unpadded": dict(cin=4, cout=5, stride=2, padding=0),
    "dilated": dict(cin=4, cout=4, padding=2, dilation=2),
    "groups": dict(cin=8, cout=4, groups=2, offset_groups=2),
    "unmodulated-1x1": dict(cin=3, cout=2, k=1, padding=0, modulated=False),
}


@pytest.mark.parametrize("name", CASES)
def test_exported_deformable_conv_matches_torch(tmp_path, name):
    torch.manual_seed(0)
    module = Deformable(**CASES[name]).eval()
    x = torch.randn(1, module.regular.in_channels, 19, 23)
    deform_conv.register(17)
    path = tmp_path / "deform.onnx"
    with torch.no_grad():
        torch.onnx.export(
            module, (x,), str(path), input_names=["x"], output_names=["y"], opset_version=17, dynamo=False
        )
        want = module(x).numpy()
    ops = {node.op_type for node in __import__("onnx").load(str(path)).graph.node}
    assert "GridSample" in ops and not any("deform" in op.lower() for op in ops)
    (got,) = ort.InferenceSession(str(path)).run(None, {"x": x.numpy()})
    assert got.shape == want.shape
    error = float(np.abs(got - want).max())
    print(f"{name} ({BACKEND}): max |onnx - torch| = {error:.2e} on outputs up to {np.abs(want).max():.1f}")
    assert error < TOLERANCE


def test_reference_is_a_plain_convolution_with_zero_offsets_and_a_shift_with_whole_pixel_ones():
    torch.manual_seed(1)
    x, weight, bias = torch.randn(1, 4, 9, 11), torch.randn(6, 2, 3, 3), torch.randn(6)
    zero = torch.zeros(1, 2 * 9, 5, 6)
    plain = F.conv2d(x, weight, bias, stride=2, padding=1, groups=2)
    torch.testing.assert_close(deform_conv2d(x, zero, weight, bias, stride=2, padding=1), plain)
    # dy = +1, dx = -2 on every tap: each tap reads 1 row down and 2 columns left (zero outside the image):
    # a plain convolution of the zero-padded image, read 1 row down and 2 columns left.
    shift = torch.zeros(1, 2 * 9, 9, 11)
    shift[:, 0::2], shift[:, 1::2] = 1.0, -2.0
    big = F.conv2d(F.pad(x, (4, 4, 4, 4)), weight, bias, groups=2)  # out[a, b] reads x[a - 4 + ky, b - 4 + kx]
    torch.testing.assert_close(deform_conv2d(x, shift, weight, bias, padding=1), big[:, :, 4:13, 1:12])
    # A half-pixel offset is the mean of its two neighbours' whole-pixel ones (bilinear), and the mask scales taps.
    half = torch.zeros(1, 2 * 9, 9, 11)
    half[:, 1::2] = 0.5
    mean = (
        deform_conv2d(x, torch.zeros_like(half), weight, padding=1) + deform_conv2d(x, half * 2, weight, padding=1)
    ) / 2
    torch.testing.assert_close(deform_conv2d(x, half, weight, padding=1), mean)
    mask = torch.full((1, 9, 9, 11), 0.5)
    torch.testing.assert_close(
        deform_conv2d(x, zero[:, :, :1, :1].expand(1, 18, 9, 11), weight, padding=1, mask=mask),
        F.conv2d(x, weight, padding=1, groups=2) / 2,
    )


@pytest.mark.skipif(not torchvision_loads(), reason="torchvision does not load with this torch build")
def test_reference_matches_torchvision():
    from deform_reference import deform_conv2d_reference
    from torchvision.ops import deform_conv2d as tv

    torch.manual_seed(2)
    x, weight, bias = torch.randn(2, 8, 13, 17), torch.randn(6, 4, 3, 3), torch.randn(6)
    offset, mask = torch.randn(2, 2 * 2 * 9, 7, 9) * 2, torch.rand(2, 2 * 9, 7, 9)
    want = tv(x, offset, weight, bias, stride=2, padding=1, mask=mask)
    got = deform_conv2d_reference(x, weight, offset, mask, bias, 2, 2, 1, 1, 1, 1, 2, 2, True)
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


def test_too_old_an_opset_is_refused():
    with pytest.raises(ValueError, match="opset 16"):
        deform_conv.register(15)
