"""nubra: watch Nubra order and trade updates, as a live table or JSON lines."""

__version__ = "0.1.0"
