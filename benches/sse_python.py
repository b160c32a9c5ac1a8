"""openai-python's SSE decoder on a recorded stream: events per second.

Reads the file given as the first argument in 16 KiB chunks, decodes it with
`openai._streaming.SSEDecoder.iter_bytes` and parses each event's data with `json.loads` (what
the SDK's `Stream` does), 7 times; prints the median events per second. Exits with a message
on stderr when the `openai` package is not installed (the Rust bench then reports a skip).
"""

import json
import statistics
import sys
import time

try:
    from openai._streaming import SSEDecoder
except ImportError:
    sys.exit("the openai package is not installed")


def chunks(data, size=16 * 1024):
    for i in range(0, len(data), size):
        yield data[i : i + size]


def main():
    data = open(sys.argv[1], "rb").read()
    rates = []
    for _ in range(7):
        start = time.perf_counter()
        n = 0
        for sse in SSEDecoder().iter_bytes(chunks(data)):
            if sse.data != "[DONE]":
                json.loads(sse.data)
            n += 1
        rates.append(n / (time.perf_counter() - start))
    print(statistics.median(rates))


main()
