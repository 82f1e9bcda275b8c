"""Batch screening: finding inputs, reading them within limits, screening in order
(here or in worker processes), and writing any report format as results come.

Modules: ``inputs`` (which files), ``read`` (units of work, size limits), ``screening``
(validate, screen, render one unit), ``parallel`` (workers, bounded and ordered),
``run`` (the loop that writes the report), ``duplicates``, ``output`` (atomic files),
``progress`` (stderr messages and the bar).
"""
