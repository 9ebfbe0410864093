"""Draft the crosswalk of a new wave from its vendor file and the survey's earlier waves.

Each harmonised item and background field is matched to a source variable by its name and
its variable label (against the earlier waves' sources and the item's question) and, for
coded variables, by its value labels. Value labels then give the codes: reversed scales, code
maps, don't-know and missing codes. What the draft cannot decide is listed for a person to
settle; nothing is guessed silently. The draft is a proposal: the label audit checks it again
when the wave is harmonised.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from navpartner.config import BACKGROUND_KINDS, CATEGORY_VALUES, wave_spec
from navpartner.crosswalk import LabelRules, normalise
from navpartner.io import SurveyFile, read_survey_file

# A variable label this similar to an earlier source's label (or the question) names the same
# question; below it, only an equal variable name matches.
LABEL_SIMILARITY = 0.85
DONT_KNOW, MISSING = "dont_know", "missing"


@dataclass
class Draft:
    wave: dict  # the wave's config entry
    to_settle: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # variables of the file matching nothing


@dataclass(frozen=True)
class Reference:
    """What the earlier waves say a harmonised field looks like."""

    names: frozenset[str]
    labels: tuple[str, ...]  # normalised variable labels and question wording


def draft_wave(
    config: dict, survey: str, wave: int, file: str, codebook: str | None = None, root="."
) -> Draft:
    root = Path(root)
    new = read_survey_file(file, _format_of(file), codebook)
    references = _references(config, survey, root)
    rules = LabelRules.from_config(config)
    draft = Draft(wave={})
    fields = {name: kind for name, kind in BACKGROUND_KINDS.items() if name in references}
    items = config["surveys"][survey]["items"]
    matches, unfit = _match(new, references, fields, items, config, rules, draft)

    block = draft.wave
    block["file"] = file
    block["format"] = _format_of(file)
    if codebook:
        block["codebook"] = codebook
    block["margins"] = _existing(root, f"data_raw/margins/{survey}_{wave}.csv", "margins", draft)
    block["municipalities"] = _existing(
        root, f"data_raw/frames/municipalities_{wave}.csv", "municipality frame", draft
    )
    block["exclude"] = _exclusions(config, survey, new, root, draft)
    item_codes = {
        item: _item_codes(new, matches[item], item, config, rules, draft)
        for item in items
        if item in matches
    }
    dont_know, missing = _wave_codes(item_codes)
    block["dont_know"], block["missing"] = dont_know, missing
    block["background"] = {
        name: _background_entry(new, matches[name], name, config, survey, rules, draft)
        for name in fields
        if name in matches
    }
    block["items"] = {
        item: _item_entry(codes, dont_know, missing) for item, codes in item_codes.items()
    }
    # An item whose variable was found is never drafted absent: left out of both `items` and
    # `absent`, it stops the run (config check) until a person settles its labels.
    block["absent"] = [item for item in items if item not in matches and item not in unfit]
    for item in block["absent"]:
        draft.notes.append(f"item {item}: no variable of the file matches it; listed as absent")
    for item in unfit:
        draft.to_settle.append(
            f"item {item}: left out of both items and absent until settled (the run stops "
            "until then)"
        )
    used = {*matches.values(), *unfit.values(), *(rule["source"] for rule in block["exclude"])}
    draft.unmatched = [variable for variable in new.data.columns if variable not in used]
    for name in fields:
        if name not in matches:
            draft.to_settle.append(f"background {name}: no variable of the file matches it")
    return draft


def _format_of(file: str) -> str:
    suffix = Path(file).suffix.lower().lstrip(".")
    return suffix if suffix in ("sav", "dta", "csv") else "sav"


def _references(config: dict, survey: str, root: Path) -> dict[str, Reference]:
    """Per harmonised field: earlier source names and variable labels (from the earlier files,
    where they can still be read) plus the item's question."""
    names: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    for wave in config["surveys"][survey]["waves"]:
        spec = wave_spec(config, survey, wave)
        previous = _read_if_present(root, spec)
        sources = {**spec.background, **spec.items}
        for name, source in sources.items():
            names.setdefault(name, set()).add(source.source)
            label = previous.variable_labels.get(source.source) if previous else None
            if label:
                labels.setdefault(name, set()).add(normalise(label))
    for item in config["surveys"][survey]["items"]:
        labels.setdefault(item, set()).add(normalise(config["items"][item]["question"]))
    return {
        name: Reference(frozenset(names.get(name, ())), tuple(sorted(labels.get(name, ()))))
        for name in set(names) | set(labels)
    }


def _read_if_present(root: Path, spec) -> SurveyFile | None:
    path = root / spec.file
    if not path.is_file():
        return None
    codebook = root / spec.codebook if spec.codebook else None
    return read_survey_file(path, spec.format, codebook)


def _match(new, references, fields, items, config, rules, draft):
    """Harmonised field -> source variable, best score first, each variable used once; and
    item -> a variable that looks like it but whose value labels do not fit its scale."""
    candidates, unfit = [], {}
    for name in [*fields, *items]:
        for variable in new.data.columns:
            score = _score(new, variable, references[name])
            if score is None:
                continue
            misfits = _misfits(new, variable, name, config, rules) if name in items else []
            if misfits:
                advice = (
                    "recode the variable to numbers in the vendor file"
                    if misfits[0].startswith("text code")
                    else "the same answer in other words: add the wording to "
                    "label_audit.synonyms; else map the codes"
                )
                draft.to_settle.append(
                    f"item {name}: variable {variable} looks like it by name or label but its "
                    f"value labels do not fit the item's scale: {'; '.join(misfits)} ({advice})"
                )
                unfit.setdefault(name, variable)
                continue
            candidates.append((score, name, variable))
    matches: dict[str, str] = {}
    taken: set[str] = set()
    for score, name, variable in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if name in matches or variable in taken:
            continue
        rivals = [v for s, n, v in candidates if n == name and v != variable and s >= score - 0.05]
        if rivals:
            draft.to_settle.append(
                f"{name}: {variable} chosen, but {', '.join(rivals)} match(es) nearly as well"
            )
        matches[name] = variable
        taken.add(variable)
        how = "same name" if variable in references[name].names else "question wording"
        draft.notes.append(f"{name} <- {variable} ({how}, score {score:.2f})")
    return matches, {item: v for item, v in unfit.items() if item not in matches}


def _score(new: SurveyFile, variable: str, reference: Reference) -> float | None:
    label = normalise(new.variable_labels.get(variable, ""))
    similarity = max(
        (SequenceMatcher(None, label, known).ratio() for known in reference.labels if label),
        default=0.0,
    )
    same_name = variable in reference.names
    if not same_name and similarity < LABEL_SIMILARITY:
        return None
    return similarity + (1.0 if same_name else 0.0)


def _classify(raw_label: str, scale: dict, rules: LabelRules):
    """A vendor label -> a scale code, DONT_KNOW, MISSING, or None when nothing matches."""
    for code, text in scale.items():
        if rules.agree(raw_label, text):
            return int(code)
    if rules.agree(raw_label, rules.dont_know):
        return DONT_KNOW
    if rules.agree(raw_label, rules.missing):
        return MISSING
    return None


def _misfits(new, variable, item, config, rules) -> list[str]:
    """The variable's value labels that name no answer of the item's scale (nor don't-know or
    missing); all of them where none names an answer."""
    labels = new.value_labels.get(variable, {})
    text_codes = [
        f"text code {raw!r} {text!r}" for raw, text in labels.items() if isinstance(raw, str)
    ]
    if text_codes:  # the crosswalk maps numbers: such a variable is recoded first
        return text_codes
    scale = config["scales"][config["items"][item]["scale"]]
    classes = {raw: _classify(text, scale, rules) for raw, text in sorted(labels.items())}
    if not any(isinstance(c, int) for c in classes.values()):
        return [f"code {_num(raw)} {labels[raw]!r}" for raw in labels] or ["no value labels"]
    return [f"code {_num(raw)} {labels[raw]!r}" for raw, c in classes.items() if c is None]


@dataclass(frozen=True)
class ItemCodes:
    variable: str
    mapping: dict[float, int]  # raw answer code -> scale code
    dont_know: tuple[float, ...]
    missing: tuple[float, ...]
    scale_codes: tuple[int, ...]


def _item_codes(new, variable, item, config, rules, draft) -> ItemCodes:
    scale = config["scales"][config["items"][item]["scale"]]
    labels = new.value_labels.get(variable, {})
    mapping, dont_know, missing = {}, [], []
    for raw, text in sorted(labels.items()):
        kind = _classify(text, scale, rules)
        if kind == DONT_KNOW:
            dont_know.append(raw)
        elif kind == MISSING:
            missing.append(raw)
        else:
            mapping[raw] = kind
    for raw in new.user_missing.get(variable, []):
        if raw not in labels:
            draft.to_settle.append(
                f"item {item}: {variable} declares user-missing code {_num(raw)} without a "
                "label; is it don't-know or missing?"
            )
    unlabelled = _unlabelled_codes(new, variable, labels)
    if unlabelled:
        draft.to_settle.append(
            f"item {item}: {variable} has codes without a label in the data: {unlabelled}"
        )
    codes = tuple(sorted(int(c) for c in scale))
    return ItemCodes(variable, mapping, tuple(dont_know), tuple(missing), codes)


def _unlabelled_codes(new: SurveyFile, variable: str, labels: dict) -> list:
    values = new.data[variable].dropna().unique()
    return sorted(_num(v) for v in values if float(v) not in labels)


def _wave_codes(item_codes: dict[str, ItemCodes]) -> tuple[list, list]:
    """The don't-know and missing codes most items share become the wave's own."""

    def most_common(attribute):
        counts = Counter(getattr(codes, attribute) for codes in item_codes.values())
        return [_num(c) for c in counts.most_common(1)[0][0]] if counts else []

    return most_common("dont_know"), most_common("missing")


def _item_entry(codes: ItemCodes, dont_know: list, missing: list) -> dict:
    entry: dict = {"source": codes.variable}
    lo, hi = min(codes.scale_codes), max(codes.scale_codes)
    identity = all(raw == code for raw, code in codes.mapping.items())
    reversed_scale = codes.scale_codes == (1, 2, 3, 4, 5) and all(
        raw == lo + hi - code for raw, code in codes.mapping.items()
    )
    if reversed_scale and not identity:
        entry["reverse"] = True
    elif not identity:
        entry["codes"] = {_num(raw): code for raw, code in codes.mapping.items()}
    if [_num(c) for c in codes.dont_know] != dont_know:
        entry["dont_know"] = [_num(c) for c in codes.dont_know]
    if [_num(c) for c in codes.missing] != missing:
        entry["missing"] = [_num(c) for c in codes.missing]
    return entry


def _background_entry(new, variable, name, config, survey, rules, draft) -> dict:
    entry: dict = {"source": variable}
    kind = BACKGROUND_KINDS[name]
    if kind == "municipality" and new.data[variable].dtype.kind in "if":
        entry["zero_pad"] = 4  # a numeric column has lost the leading zero of 0301 Oslo
    if kind != "category":
        return entry
    allowed = config["surveys"][survey]["roles"] if name == "role" else CATEGORY_VALUES[name]
    codes = {}
    for raw, text in sorted(new.value_labels.get(variable, {}).items()):
        value = next((v for v in allowed if rules.agree(text, v)), None)
        if value is None:
            draft.to_settle.append(
                f"background {name}: {variable} code {_num(raw)} {text!r} names none of "
                f"{allowed} (add its wording to label_audit.synonyms, or exclude those rows)"
            )
        else:
            codes[_num(raw)] = value
    entry["codes"] = codes
    return entry


def _exclusions(config, survey, new, root, draft) -> list[dict]:
    """The latest earlier wave's exclusion rules, carried over where the codes' labels agree."""
    waves = sorted(config["surveys"][survey]["waves"], key=int)
    if not waves:
        return []
    spec = wave_spec(config, survey, waves[-1])
    previous = _read_if_present(root, spec)
    rules = []
    for rule in spec.exclude:
        label = previous.variable_labels.get(rule["source"], "") if previous else ""
        reference = Reference(frozenset({rule["source"]}), (normalise(label),) if label else ())
        scored = [(_score(new, v, reference), v) for v in new.data.columns]
        scored = [(s, v) for s, v in scored if s is not None]
        if not scored or previous is None:
            draft.to_settle.append(f"exclude: no variable like {rule['source']} ({rule['reason']})")
            continue
        variable = max(scored)[1]
        old_labels = previous.value_labels.get(rule["source"], {})
        wanted = {normalise(old_labels[float(c)]) for c in rule["codes"] if float(c) in old_labels}
        codes = [
            _num(raw)
            for raw, text in new.value_labels.get(variable, {}).items()
            if normalise(text) in wanted
        ]
        if not codes:
            draft.to_settle.append(
                f"exclude: {variable} has no code labelled like {sorted(wanted)} "
                f"({rule['reason']}); say which codes to drop"
            )
            continue
        rules.append({"source": variable, "codes": codes, "reason": rule["reason"]})
    return rules


def _existing(root: Path, path: str, what: str, draft: Draft) -> str:
    if not (root / path).is_file():
        draft.to_settle.append(f"{what}: {path} does not exist yet; add it or give another path")
    return path


def _num(value):
    value = float(value)
    return int(value) if value.is_integer() else value


def render(draft: Draft, survey: str, wave: int, file: str) -> str:
    """The draft as a config overlay (also pastable under surveys.<survey>.waves)."""
    lines = [
        f"# Draft crosswalk for survey {survey}, wave {wave}, from {file}",
        "# (navpartner draft-wave). Check it; the label audit checks it again at harmonise.",
    ]
    if draft.to_settle:
        lines.append("#")
        lines.append("# TO SETTLE before use:")
        lines += [f"#   - {line}" for line in draft.to_settle]
    lines.append("#")
    lines.append("# Matched:")
    lines += [f"#   {line}" for line in draft.notes]
    if draft.unmatched:
        lines.append("#")
        lines.append("# Variables of the file that match nothing (a new item? add it to items):")
        lines += [f"#   {variable}" for variable in draft.unmatched]
    body = {"surveys": {survey: {"waves": {wave: draft.wave}}}}
    text = yaml.safe_dump(
        body, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    return "\n".join(lines) + "\n" + text
