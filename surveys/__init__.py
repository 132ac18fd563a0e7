"""Micro-surveys: the model, its validation, targeting, sampling, caps and results arithmetic."""
