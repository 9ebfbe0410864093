"""navpartner: the analysis pipeline for the Nav partnership surveys."""

__version__ = "0.1.0"
