"""How soon a listener hears the first syllable, and what the client pays for it.

Run ``python -m benchmarks.latency [--rtt 0.04] [--first-chunk 0.15] [--requests 30]``.

On loopback a connection costs nothing, so the engine's warm connections,
pre-begun sessions and sentence streaming would look pointless. This script
runs everything against the emulator with TLS on, behind its latency proxy
(every round trip costs ``--rtt``), with a server that takes ``--first-chunk``
seconds before its first audio, and compares the engine with a client that
opens a connection per request, as Volcengine's official demo does.
The lowest possible time to first audio is then ``first chunk + 1 RTT``: the
text has to reach the server and the audio has to come back.

It prints Markdown tables and writes the raw numbers as JSON.
"""
