"""Relaying upstream programmes (VOV, the provincial station): named sources, their URLs and probes.

The player's side (pulling a stream into the house PCM while a relay item airs) lives in
``broadcast.playout.relay``; this package holds what the operator manages and checks.
"""
