"""Speech synthesis.

v1 and the v3 bidirectional and unidirectional APIs, the text's sentences and
markup, the warm pool and the engine that serves many requests.
"""
