"""Peer for `aoun bench tts`: the piper-tts Python package speaking the same texts.

Run by `aoun bench tts --peer-python PYTHON`, with an interpreter that has piper-tts and
onnxruntime installed. It takes turns with Aoun's voices, so both meet the same moments of a
busy machine. It reads JSON lines on standard input and answers each with one JSON line:

    {"model": "voice.onnx"}  ->  {"engine": ..., "onnxruntime": "1.32.0", "load_ms": ...}
    {"text": "..."}          ->  {"first_audio_ms": ..., "rtf": ...}

First audio is the time to the first audio chunk (the first sentence); the real-time factor is
synthesis time over audio duration. It ends when its input does.
"""

import json
import sys
import time


def speak(voice, text):
    began = time.perf_counter()
    first = None
    samples = 0
    rate = 22050
    for chunk in voice.synthesize(text):
        if first is None:
            first = (time.perf_counter() - began) * 1000.0
        samples += len(chunk.audio_float_array)
        rate = chunk.sample_rate
    total = time.perf_counter() - began
    return {
        "first_audio_ms": first if first is not None else total * 1000.0,
        "rtf": total / max(samples / rate, 1e-9),
    }


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    request = json.loads(sys.stdin.readline())
    started = time.perf_counter()
    from piper import PiperVoice  # imported here so the load time includes it

    voice = PiperVoice.load(request["model"])
    load_ms = (time.perf_counter() - started) * 1000.0
    # One untimed run so both sides start warm.
    speak(voice, "Warm up.")

    import onnxruntime

    answer(
        {
            "engine": "piper-tts (Python)",
            "onnxruntime": onnxruntime.__version__,
            "load_ms": load_ms,
        }
    )
    for line in sys.stdin:
        if line.strip():
            answer(speak(voice, json.loads(line)["text"]))


if __name__ == "__main__":
    main()
