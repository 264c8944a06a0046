"""ESRGAN fine-tuning (the paper's upscaler step): UpscalerJS's RRDN/RDN rebuilt in PyTorch from the
npm package's TF.js files (`graph`), low/high-resolution pairs made from product photos (`degrade`),
L1 fine-tuning and ONNX export with the Node upscaler's contract (`finetune`)."""
