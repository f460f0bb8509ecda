"""The seed projects' architectures, rebuilt for ``train --arch NAME`` and the model zoo.

Every builder takes a face scaled to [-1, 1] (the app's convention) and ends in a 7-way softmax, so
each trained file drops into the app like the shipped model. Where a seed fed its network 0..1 pixels
(``rescale=1./255``), a ``Rescaling(0.5, offset=0.5)`` layer maps [-1, 1] back to that range inside
the model. The ImageNet backbones (seeds S0 and S2) take 48x48x3: the app repeats the gray face into
three channels. Only plain Keras layers are used, so the allow-list loads every one of them.

- ``vgg19``, ``resnet50``, ``mobilenetv2``, ``densenet201`` (seed S0) and ``densenet169`` (seed S2):
  a ``keras.applications`` backbone (nested Functional model, ``include_top=False``) + global average
  pooling + Dense 256 ReLU + Dropout 0.5 + Dense 7 softmax; ImageNet weights from a local file only.
- ``emojify`` (seed S4): Conv32-Conv64-MaxPool-Dropout-Conv128-MaxPool-Conv128-MaxPool-Dropout-
  Dense1024-Dropout-Dense7 on 48x48x1.
- ``s3_cnn`` (seed S3, the Colab CNN): four Conv-Conv-BatchNorm-MaxPool stages of 32/64/128/256
  filters, Dense128-BatchNorm-Dropout0.2-Dense7 on 48x48x1.
- ``fer_vgg``: our own wide VGG-style network (about 9 M weights), used as a distillation teacher.
"""

from __future__ import annotations

BACKBONES = {  # name -> keras.applications constructor name
    "vgg19": "VGG19", "resnet50": "ResNet50", "mobilenetv2": "MobileNetV2",
    "densenet201": "DenseNet201", "densenet169": "DenseNet169",
}
SEEDS = (*BACKBONES, "emojify", "s3_cnn", "fer_vgg")


def build_seed(name: str, input_size: int = 48, num_classes: int = 7, dropout: float = 0.0,
               imagenet_weights: str | None = None):
    """An uncompiled Keras model of seed architecture ``name``."""
    if name in BACKBONES:
        return _backbone_model(name, input_size, num_classes, imagenet_weights)
    if imagenet_weights:
        raise ValueError(f"--imagenet-weights applies to the ImageNet backbones ({', '.join(BACKBONES)}), "
                         f"not to {name}")
    builders = {"emojify": _emojify, "s3_cnn": _s3_cnn, "fer_vgg": _fer_vgg}
    if name not in builders:
        raise ValueError(f"unknown seed architecture {name!r}; known: {', '.join(SEEDS)}")
    return builders[name](input_size, num_classes, dropout)


def _backbone_model(name: str, input_size: int, num_classes: int, imagenet_weights: str | None):
    import keras
    from keras import layers

    face = keras.Input((input_size, input_size, 3), name="face")
    x = layers.Rescaling(0.5, offset=0.5, name="to_unit_range")(face)
    constructor = getattr(keras.applications, BACKBONES[name])
    backbone = constructor(include_top=False, weights=imagenet_weights,
                           input_shape=(input_size, input_size, 3))
    x = backbone(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(face, outputs, name=name)


def _emojify(input_size: int, num_classes: int, dropout: float):
    import keras
    from keras import layers

    face = keras.Input((input_size, input_size, 1), name="face")
    x = layers.Rescaling(0.5, offset=0.5, name="to_unit_range")(face)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    for _ in range(2):
        x = layers.Conv2D(128, 3, activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(1024, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(face, outputs, name="emojify")


def _s3_cnn(input_size: int, num_classes: int, dropout: float):
    import keras
    from keras import layers

    face = keras.Input((input_size, input_size, 1), name="face")
    x = layers.Rescaling(0.5, offset=0.5, name="to_unit_range")(face)
    for filters in (32, 64, 128, 256):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(face, outputs, name="s3_cnn")


def _fer_vgg(input_size: int, num_classes: int, dropout: float):
    import keras
    from keras import layers

    face = keras.Input((input_size, input_size, 1), name="face")
    x = face
    for filters in (64, 128, 256, 512):
        for _ in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.SpatialDropout2D(0.1)(x)
    x = layers.Flatten()(x)  # 3x3x512
    x = layers.Dense(1024, activation="relu")(x)
    x = layers.Dropout(dropout or 0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(face, outputs, name="fer_vgg")
