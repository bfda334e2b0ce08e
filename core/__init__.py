"""MES Doctor engine: pure Python, no UI imports."""

__version__ = "0.1.0"
