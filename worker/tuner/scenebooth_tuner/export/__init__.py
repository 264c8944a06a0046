"""ONNX exports of the scoring models (DINO, CLIP, BLIP ITM/ITC) for the Node worker.

`python -m scenebooth_tuner.export models --profile tiny --out DIR` writes the ONNX graphs, the
tokenizers (`tokenizer.json`) and `manifest.json` (checksums, preprocessing constants, text
limits). `--profile real` does the same from the pretrained checkpoints; it needs the Hugging Face
weights, so it runs only where they can be downloaded. `reference` computes the PyTorch scores the
Node scorers must reproduce (used by the parity tests); `bench` times the same metrics in PyTorch
(the baseline of bench/scoring.bench.ts).
"""

MANIFEST_FORMAT = "scenebooth-scoring-models"
MANIFEST_VERSION = 1
