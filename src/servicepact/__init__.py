"""ServicePact: outsourced business processes managed by measured performance."""

__version__ = "0.1.0"
