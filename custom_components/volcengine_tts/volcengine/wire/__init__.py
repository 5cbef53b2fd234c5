"""The wire: what every family shares.

Frames (bytes only), one safe websocket, typed errors, the request models,
and the small pieces two families use (request slots, stopping tasks).
"""
