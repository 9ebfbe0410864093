"""The crosswalk table of one wave, and its label audit.

Every raw code the vendor file labels, or the crosswalk maps, is followed to the harmonised code
it becomes (after code maps and reversal; don't-know and missing codes included), and the vendor's
label is compared with the label of that harmonised code. Labels are compared after
normalising case, spacing and punctuation, and through the synonyms declared in config
(`label_audit`). A mismatch stops the run: an undeclared reversed scale, swapped codes of a
category, or a don't-know code that is really an answer cannot pass unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from navpartner.config import BACKGROUND_KINDS, ItemSource, WaveSpec
from navpartner.errors import InputError
from navpartner.io import SurveyFile
from navpartner.labelmatch import label_forms, normalise

COLUMNS = [
    "raw_variable",
    "raw_code",
    "raw_label",
    "harmonised",
    "code",
    "label",
    "status",
]
# status of a row of the table
MATCHED = "matched"
UNLABELLED = "no vendor label"
UNMAPPED = "labelled, not in crosswalk"


@dataclass(frozen=True)
class LabelRules:
    """What counts as the same label: the harmonised label's own wording plus its synonyms."""

    dont_know: str
    missing: str
    synonyms: dict[str, set[str]]  # normalised harmonised label -> normalised wordings

    @classmethod
    def from_config(cls, config: dict) -> LabelRules:
        audit = config["label_audit"]
        synonyms: dict[str, set[str]] = {}
        for label, wordings in audit.get("synonyms", {}).items():
            synonyms.setdefault(normalise(label), set()).update(normalise(w) for w in wordings)
        return cls(audit["dont_know_label"], audit["missing_label"], synonyms)

    def agree(self, raw_label: str, harmonised_label: str | dict) -> bool:
        """Whether a vendor label names the harmonised label (in any of its languages)."""
        raw = normalise(raw_label)
        for form in label_forms(harmonised_label):
            target = normalise(form)
            if raw == target or raw in self.synonyms.get(target, set()):
                return True
        return False


def crosswalk_table(
    config: dict, spec: WaveSpec, survey_file: SurveyFile, rules: LabelRules
) -> pd.DataFrame:
    """Every raw code of the wave's background categories and items with what it becomes.

    A category's harmonised label is its value (e.g. 'kontorleder'); vendors' wordings of it
    are synonyms."""
    rows = []
    for name, source in spec.background.items():
        if BACKGROUND_KINDS[name] == "category":
            labels = _numeric_labels(survey_file, source.source)
            rows += _rows(source.source, name, labels, dict(source.codes), lambda value: value)
    for name, source in spec.items.items():
        scale = config["scales"][config["items"][name]["scale"]]
        labels = _numeric_labels(survey_file, source.source)
        targets = _item_targets(source, scale, config["dont_know_code"])
        rows += _rows(source.source, name, labels, targets, _item_label(scale, config, rules))
    return pd.DataFrame(rows, columns=COLUMNS[:-1])


def _numeric_labels(survey_file: SurveyFile, variable: str) -> dict[float, str]:
    """A variable's value labels, whose codes the crosswalk maps as numbers: a text variable
    with labels (e.g. 'fire' labelled 'Litt enig') stops here, named."""
    labels = survey_file.value_labels.get(variable, {})
    text = next((code for code in labels if isinstance(code, str)), None)
    if text is not None:
        raise InputError(
            survey_file.path,
            "the variable holds text codes with value labels, and the crosswalk maps numeric "
            "codes: recode it in the vendor file",
            variable=variable,
            expected="numeric codes",
            found=f"{text} = {labels[text]}",
        )
    return labels


def _item_targets(source: ItemSource, scale: dict, dont_know_code: int) -> dict[float, object]:
    """Raw code -> harmonised code (None for missing), as harmonise.py applies them."""
    codes = sorted(int(code) for code in scale)
    if source.codes is not None:
        targets = dict(source.codes)
    elif source.reverse:
        targets = {float(c): min(codes) + max(codes) - c for c in codes}
    else:
        targets = {float(c): c for c in codes}
    targets.update({code: dont_know_code for code in source.dont_know})
    targets.update({code: None for code in source.missing})
    return targets


def _item_label(scale: dict, config: dict, rules: LabelRules):
    labels = {int(code): text for code, text in scale.items()}

    def label(code):
        if code is None:
            return rules.missing
        if code == config["dont_know_code"]:
            return rules.dont_know
        return labels[int(code)]

    return label


def _rows(variable: str, harmonised: str, labels: dict, targets: dict, label_of) -> list[tuple]:
    rows = []
    for raw in sorted(set(labels) | set(targets)):
        code = targets.get(raw, "")
        rows.append(
            (
                variable,
                _code_text(raw),
                labels.get(raw, ""),
                harmonised,
                "NA" if code is None else str(code),
                label_forms(label_of(code))[0] if raw in targets else "",
            )
        )
    return rows


def _code_text(code: float) -> str:
    return str(int(code)) if float(code).is_integer() else str(code)


def audit_labels(
    table: pd.DataFrame, rules: LabelRules, survey: str, wave: int, file: str
) -> pd.DataFrame:
    """The table with each row's status; raises InputError at the first label that disagrees."""
    status = []
    for row in table.itertuples(index=False):
        if not row.raw_label:
            status.append(UNLABELLED)
        elif not row.label:
            status.append(UNMAPPED)
        elif rules.agree(row.raw_label, row.label):
            status.append(MATCHED)
        else:
            if _misdecoded(row.raw_label, row.label, rules):
                advice = (
                    "The vendor's label is UTF-8 text read in another code page: check the "
                    "wave's `encoding:` (leave it out where the file declares its own)"
                )
            elif _is_reversed(table[table.raw_variable == row.raw_variable], rules):
                advice = (
                    "The vendor's labels are the scale's own in reverse: reversed? Declare "
                    "`reverse: true` (or `codes`) on the item; a synonym cannot fix it"
                )
            else:
                advice = (
                    "Fix the crosswalk (reverse, codes, dont_know, missing) or, if both wordings "
                    "mean the same answer, add the vendor's wording to "
                    f"label_audit.synonyms.{row.label}"
                )
            raise InputError(
                file,
                f"label audit, survey {survey} wave {wave}, harmonised '{row.harmonised}': raw "
                f"code {row.raw_code} is labelled {row.raw_label!r} in the vendor file but the "
                f"crosswalk maps it to {row.code} {row.label!r}. {advice}",
                variable=row.raw_variable,
                expected=repr(row.label),
                found=row.raw_label,
            )
    return table.assign(status=status)


def _misdecoded(raw_label: str, label, rules: LabelRules) -> bool:
    """Whether a raw label is the harmonised one's UTF-8 bytes read as cp1252 or Latin-1
    ("KommunedirektÃ¸r" for "Kommunedirektør"): a wrong `encoding:`, not a wrong crosswalk."""
    for codepage in ("cp1252", "latin-1"):
        try:
            repaired = raw_label.encode(codepage).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != raw_label and rules.agree(repaired, label):
            return True
    return False


def _is_reversed(rows: pd.DataFrame, rules: LabelRules) -> bool:
    """Whether a variable's raw labels name its answers in reverse: each answer's raw label
    is the label of the mirrored answer (don't-know and missing codes aside)."""
    answers = rows[rows.label.ne("") & ~rows.label.isin([rules.dont_know, rules.missing])]
    answers = answers[answers.code.str.fullmatch(r"\d+")]
    label_of = dict(zip(answers.code.astype(int), answers.label, strict=True))
    if len(label_of) < 2 or not answers.raw_label.ne("").all():
        return False
    mirror = min(label_of) + max(label_of)
    return all(
        mirror - code in label_of and rules.agree(raw, label_of[mirror - code])
        for code, raw in zip(answers.code.astype(int), answers.raw_label, strict=True)
    )
