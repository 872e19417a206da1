"""The web pages, one module per concept."""
