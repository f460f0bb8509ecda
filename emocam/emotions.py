"""The one table of emotions: FER2013 index, name, display colour and emoji file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Emotion:
    """One emotion class in FER2013 label order."""

    index: int
    name: str
    colour: tuple[int, int, int]  # RGB, used by every view
    emoji_file: str  # file name under assets/emojis/


EMOTIONS: tuple[Emotion, ...] = (
    Emotion(0, "Angry", (220, 50, 47), "angry.png"),
    Emotion(1, "Disgust", (133, 153, 0), "disgust.png"),
    Emotion(2, "Fear", (108, 113, 196), "fear.png"),
    Emotion(3, "Happy", (250, 190, 20), "happy.png"),
    Emotion(4, "Sad", (38, 139, 210), "sad.png"),
    Emotion(5, "Surprise", (211, 54, 130), "surprise.png"),
    Emotion(6, "Neutral", (147, 161, 161), "neutral.png"),
)

NAMES: tuple[str, ...] = tuple(e.name for e in EMOTIONS)
NUM_CLASSES = len(EMOTIONS)


def by_name(name: str) -> Emotion:
    """Look an emotion up by name, case-insensitively; unknown names list the known ones."""
    for emotion in EMOTIONS:
        if emotion.name.lower() == name.strip().lower():
            return emotion
    raise KeyError(f"unknown emotion {name!r}; known: {', '.join(NAMES)}")
