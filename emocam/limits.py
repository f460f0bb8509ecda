"""Every size bound the project enforces on untrusted input, in one place.

Each bound is checked BEFORE the memory it guards is allocated (docs/RELIABILITY.md says where).
"""

from __future__ import annotations

MIN_INPUT_SIDE, MAX_INPUT_SIDE = 32, 96  # face crops of an emotion model, in pixels

# images (predict, analyze --source, evaluate/train image folders, stylize, the app's image sources)
MAX_IMAGE_PIXELS = 40_000_000  # decoded pixels; a 40 MP photo is about 120 MB as RGB
MAX_IMAGE_SIDE = 20_000  # either side, in pixels
MAX_IMAGE_BYTES = 256 << 20  # encoded file size
# videos: frame size read from the container header before the first frame is decoded
MAX_VIDEO_PIXELS = 4096 * 2304  # 4K-ish

# model files
MAX_MODEL_BYTES = 128 << 20  # on disk (the zoo's ResNet50 is about 95 MB as .keras)
MAX_PARAMETERS = 32_000_000  # weights a model config may ask Keras to allocate (128 MB float32)
MAX_WIDTH = 4096  # units / filters / channels of one layer
MAX_KERNEL_SIDE = 15  # kernel, pool and stride sides; emotion models use 1..7
MAX_TENSOR_BYTES = 256 << 20  # all tensors of a LiteRT model together, declared and after allocation
MAX_CHECK_RSS = 3 << 30  # the model-checking child is killed above this resident size (normal: ~0.9 GB)

# training/evaluation data
MAX_DATA_BYTES = 2 << 30  # one npz array or csv file, uncompressed; FER2013 is ~110 MB
