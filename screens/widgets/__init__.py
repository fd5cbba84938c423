"""One widget per dashboard panel; each renders from a RenderContext (see panel.py)."""
