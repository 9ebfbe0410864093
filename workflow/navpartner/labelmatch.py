"""When two labels name the same answer: compared by their normalised wording. Light (the
standard library only): the config check uses it while planning a run."""

from __future__ import annotations

import re
import unicodedata


def normalise(label: str) -> str:
    """Lower case, no punctuation, single spaces, letters in Unicode's composed form."""
    text = unicodedata.normalize("NFC", str(label)).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def label_forms(label: str | dict) -> list[str]:
    """A label's wordings: one text, or its forms by language ({nb: ..., en: ...}), the
    Norwegian first (the vendor files' language, and the form the crosswalk table shows)."""
    if not isinstance(label, dict):
        return [label]
    return sorted(label.values(), key=lambda form: form != label.get("nb"))
