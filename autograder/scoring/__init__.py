"""Scores: plain dataclasses for results, and the pytest plugin that produces them."""
