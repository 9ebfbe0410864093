"""navpartner: the analysis pipeline for the Nav partnership surveys."""

__version__ = "0.1.0"


def open(results="results"):
    """A finished run for ad-hoc questions (navpartner/api.py): `navpartner.open("results")`."""
    from navpartner.api import open_run

    return open_run(results)
