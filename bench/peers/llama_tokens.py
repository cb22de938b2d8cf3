#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prompt and generation speed of llama.cpp (through llama-cpp-python) for one GGUF, as JSON.

  python llama_tokens.py MODEL.gguf --prompt-tokens 200 --gen-tokens 64 --threads 2

The prompt is exactly --prompt-tokens tokens of ordinary text; generation is greedy and is not
stopped at an end-of-text token, so every run generates the same number of tokens. Each repeat
starts from an empty cache. Tokens per second are reported as median and 95th percentile.
"""

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

FILLER = (
    "The office opens at eight in the morning and closes at four in the afternoon. To renew a "
    "passport, bring the old passport, two photographs, a birth certificate and the receipt of "
    "the fee. The clerk checks each document, takes fingerprints and gives a receipt with the "
    "date when the new passport can be collected. "
)


def percentile(values, fraction):
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def summary(values):
    return {
        "median": round(statistics.median(values), 2),
        "p5": round(percentile(values, 0.05), 2),  # the slow end, as p95 is for times
        "max": round(max(values), 2),
        "n": len(values),
    }


def prompt_tokens(llm, count):
    text = FILLER
    tokens = llm.tokenize(text.encode(), add_bos=True)
    while len(tokens) < count:
        text += FILLER
        tokens = llm.tokenize(text.encode(), add_bos=True)
    return tokens[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gguf")
    parser.add_argument("--prompt-tokens", type=int, default=200)
    parser.add_argument("--gen-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=512, help="prompt batch size (n_batch)")
    args = parser.parse_args()

    from llama_cpp import Llama, __version__

    started = time.perf_counter()
    llm = Llama(
        model_path=args.gguf,
        n_ctx=max(512, args.prompt_tokens + args.gen_tokens + 16),
        n_batch=args.batch,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        verbose=False,
    )
    load_s = time.perf_counter() - started
    prompt = prompt_tokens(llm, args.prompt_tokens)

    prompt_rates, gen_rates, first_tokens = [], [], []
    generated = []
    for repeat in range(args.repeats + 1):  # the first run only warms up
        llm.reset()
        started = time.perf_counter()
        llm.eval(prompt)
        prompt_s = time.perf_counter() - started
        tokens = []
        started = time.perf_counter()
        for _ in range(args.gen_tokens):
            token = llm.sample(top_k=1, temp=0.0)
            tokens.append(token)
            llm.eval([token])
        gen_s = time.perf_counter() - started
        if repeat == 0:
            generated = tokens
            continue
        prompt_rates.append(len(prompt) / prompt_s)
        gen_rates.append(len(tokens) / gen_s)
        first_tokens.append(prompt_s)

    report = {
        "engine": "llama.cpp via llama-cpp-python",
        "llama_cpp_python": __version__,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "model": Path(args.gguf).name,
        "model_bytes": Path(args.gguf).stat().st_size,
        "threads": args.threads,
        "prompt_tokens": len(prompt),
        "gen_tokens": args.gen_tokens,
        "load_s": round(load_s, 3),
        "prompt_tok_s": summary(prompt_rates),
        "gen_tok_s": summary(gen_rates),
        "prompt_eval_s": {
            "median": round(statistics.median(first_tokens), 4),
            "p95": round(percentile(first_tokens, 0.95), 4),
        },
        "first_generated_tokens": generated[:12],
        "first_generated_text": llm.detokenize(generated[:12]).decode(errors="replace"),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
