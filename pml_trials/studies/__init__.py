"""Criteria files: their schema, loading and checking, and the studies they describe."""
