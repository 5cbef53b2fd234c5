"""Benchmarks of the Volcengine client against the local emulator (scripts, not tests).

Timings belong here rather than in the test suite: they depend on the machine,
and a test that fails on a busy CI runner teaches nobody anything.
"""
