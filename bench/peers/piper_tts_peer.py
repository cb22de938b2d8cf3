"""Peer for `aoun bench tts`: the piper-tts Python package speaking the same texts.

Run by `aoun bench tts --peer-python PYTHON`, with an interpreter that has piper-tts and
onnxruntime installed. Reads a JSON request on standard input:
    {"model": "voice.onnx", "texts": {"short": "...", ...}, "repeats": 5}
and prints one JSON object: load time, then per text the time to the first audio chunk (the
first sentence) and the real-time factor (synthesis time / audio duration) of every repeat.
"""

import json
import sys
import time


def main() -> None:
    request = json.load(sys.stdin)
    started = time.perf_counter()
    from piper import PiperVoice  # imported here so the load time includes it

    voice = PiperVoice.load(request["model"])
    load_ms = (time.perf_counter() - started) * 1000.0

    # One untimed run so both sides start warm.
    for _ in voice.synthesize("Warm up."):
        pass

    results = {}
    for name, text in request["texts"].items():
        first_ms, rtf = [], []
        for _ in range(int(request["repeats"])):
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
            first_ms.append(first if first is not None else total * 1000.0)
            rtf.append(total / max(samples / rate, 1e-9))
        results[name] = {"first_audio_ms": first_ms, "rtf": rtf}

    import onnxruntime

    json.dump(
        {
            "engine": "piper-tts (Python)",
            "onnxruntime": onnxruntime.__version__,
            "load_ms": load_ms,
            "texts": results,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
