"""Renderers: one module per output; each takes results and returns text or rich renderables."""
