"""Pure analysis functions over observation frames (no Dash, no store)."""
