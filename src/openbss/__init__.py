"""openbss: an open business support system speaking TM Forum Open APIs v4."""

__version__ = "0.1.0"
