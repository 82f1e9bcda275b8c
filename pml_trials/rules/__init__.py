"""The rule language: parse and check (``parse``), compile (``codegen``), explain (``interpret``)."""
