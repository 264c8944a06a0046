"""FAKE BiRefNet remote code (served by tests/fake_birefnet_hub.py as the hub repository's
BiRefNet_config.py): the config class the real repository's config.json maps AutoConfig to."""

from transformers import PretrainedConfig


class BiRefNetConfig(PretrainedConfig):
    model_type = "SegformerForSemanticSegmentation"

    def __init__(self, bb_pretrained=False, **kwargs):
        self.bb_pretrained = bb_pretrained
        super().__init__(**kwargs)
