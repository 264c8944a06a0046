"""FAKE BiRefNet remote code (served by tests/fake_birefnet_hub.py as the hub repository's birefnet.py):
a few convolutions with the traits of the real file that an export must survive:

- the decoder's deformable convolution is torchvision's `deform_conv2d` (offsets and a modulator
  predicted by convolutions, as in BiRefNet's DeformableConv2d / ASPPDeformable);
- forward returns a list of side outputs, the last one the full-size matte's logits;
- __init__ reads tensor values (BiRefNet's Swin backbone builds its drop-path rates with
  `torch.linspace(...).item()`) and never calls `post_init()`, as the real class does not.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import deform_conv2d
from transformers import PreTrainedModel

from .BiRefNet_config import BiRefNetConfig


class DeformableConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False):
        super().__init__()
        self.stride, self.padding = (stride, stride), padding
        taps = kernel_size * kernel_size
        self.offset_conv = nn.Conv2d(in_channels, 2 * taps, kernel_size, stride, padding, bias=True)
        self.modulator_conv = nn.Conv2d(in_channels, taps, kernel_size, stride, padding, bias=True)
        self.regular_conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=bias)

    def forward(self, x):
        offset = self.offset_conv(x)
        modulator = 2.0 * torch.sigmoid(self.modulator_conv(x))
        return deform_conv2d(
            input=x,
            offset=offset,
            weight=self.regular_conv.weight,
            bias=self.regular_conv.bias,
            padding=self.padding,
            mask=modulator,
            stride=self.stride,
        )


class BiRefNet(PreTrainedModel):
    config_class = BiRefNetConfig

    def __init__(self, bb_pretrained=True, config=BiRefNetConfig()):
        super().__init__(config)
        bb_pretrained = config.bb_pretrained  # noqa: F841  (the real class reads it from the config, too)
        self.drop_path_rates = [x.item() for x in torch.linspace(0, 0.1, 2)]
        self.stem = nn.Conv2d(3, 8, 4, stride=4)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.aspp = DeformableConv2d(16, 16, bias=True)
        self.side = nn.Conv2d(16, 1, 1)
        self.up = nn.Conv2d(16 + 8, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 1, 1)

    def forward(self, x):
        size = x.shape[2:]
        shallow = F.relu(self.stem(x))
        deep = F.relu(self.aspp(F.relu(self.down(shallow))))
        side = F.interpolate(self.side(deep), size=size, mode="bilinear", align_corners=True)
        merged = torch.cat(
            [F.interpolate(deep, size=shallow.shape[2:], mode="bilinear", align_corners=True), shallow], 1
        )
        matte = F.interpolate(self.head(F.relu(self.up(merged))), size=size, mode="bilinear", align_corners=True)
        return [side, matte]
