"""Adapters: the local (embedded) and AWS implementations of ``estudio.ports``."""
