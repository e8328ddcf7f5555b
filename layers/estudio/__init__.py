"""Estúdio: turn training slide decks into narrated videos."""

__version__ = "0.1.0"
