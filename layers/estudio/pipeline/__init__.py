"""The render pipeline: stage functions, their messages, and the local ASL runner."""
