"""Tests of the Volcengine emulator (no Home Assistant needed)."""
