"""The live WebSocket: frames in, faces out, newest frame only, and its refusals."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from emocam.web.live import MAX_FRAME_BYTES


def _until_frame(ws, index: int) -> list[dict]:
    """Every answer up to the one for frame ``index``."""
    answers = []
    while not answers or answers[-1].get("frame") != index:
        answers.append(ws.receive_json())
    return answers


def test_frames_are_answered_with_faces(client, stage_jpeg):
    with client.websocket_connect("ws://localhost/api/live") as ws:
        assert ws.receive_json() == {"ready": True, "model": "emocam_fer_v5.tflite"}
        for i in range(1, 4):
            ws.send_bytes(stage_jpeg)
            [answer] = _until_frame(ws, i)
            assert (answer["width"], answer["height"]) == (640, 480)
            [face] = answer["faces"]
            assert face["track_id"] is not None and face["emoji"].startswith("/emojis/")
            assert answer["dropped"] == 0


def test_frames_that_would_queue_are_dropped_and_the_newest_is_answered(client, stage_jpeg):
    """30 frames sent at once: the server answers far fewer, the last answer is for the last frame,
    and every frame is either answered or counted as dropped."""
    with client.websocket_connect("ws://localhost/api/live") as ws:
        ws.receive_json()
        for _ in range(30):
            ws.send_bytes(stage_jpeg)
        answers = _until_frame(ws, 30)
    assert len(answers) < 30
    assert answers[-1]["received"] == 30
    assert answers[-1]["dropped"] == 30 - len(answers)
    assert [a["frame"] for a in answers] == sorted({a["frame"] for a in answers})


@pytest.mark.parametrize("frame, words", [
    (b"not a picture", "'frame' is not an image"),
    (bytes(MAX_FRAME_BYTES + 1), "over the 2 MB limit"),
])
def test_a_bad_frame_gets_an_error_and_the_stream_goes_on(client, stage_jpeg, frame, words):
    with client.websocket_connect("ws://localhost/api/live") as ws:
        ws.receive_json()
        ws.send_bytes(frame)
        assert words in ws.receive_json()["error"]
        ws.send_bytes(stage_jpeg)
        answers = _until_frame(ws, 1 if len(frame) > MAX_FRAME_BYTES else 2)
        assert len(answers[-1]["faces"]) == 1


def test_an_unknown_model_is_refused_with_a_message(client):
    with client.websocket_connect("ws://localhost/api/live?model=../secret.tflite") as ws:
        assert "unknown model '../secret.tflite'" in ws.receive_json()["error"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1008


def test_a_connection_from_another_site_is_refused(client):
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("ws://localhost/api/live", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_json()
    assert closed.value.code == 1008


def test_a_client_that_leaves_mid_stream_leaves_no_error_behind(client, stage_jpeg, caplog):
    with client.websocket_connect("ws://localhost/api/live") as ws:
        ws.receive_json()
        for _ in range(5):
            ws.send_bytes(stage_jpeg)
    with client.websocket_connect("ws://localhost/api/live") as ws:  # the server still serves
        ws.receive_json()
        ws.send_bytes(stage_jpeg)
        assert len(_until_frame(ws, 1)[-1]["faces"]) == 1
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
