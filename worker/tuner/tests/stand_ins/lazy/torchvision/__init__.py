"""A stand-in `torchvision` for test subprocesses on hosts where the real one cannot load (see
tests/deform_reference.py): only `torchvision.ops.deform_conv2d`, the one thing BiRefNet-shaped remote
code imports. Put on PYTHONPATH by the tests only when `import torchvision` fails."""
