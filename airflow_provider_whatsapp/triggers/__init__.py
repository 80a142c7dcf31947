"""Async triggers behind the deferrable sensors."""
