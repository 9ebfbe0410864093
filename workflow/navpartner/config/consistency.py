"""The rules a JSON schema cannot state: keys that must agree with other keys."""

from __future__ import annotations

import re
from string import Formatter

from navpartner.config.views import (
    BACKGROUND_KINDS,
    CATEGORY_VALUES,
    DERIVED_FROM,
    group_values,
    survey_variables,
    survey_waves,
)
from navpartner.errors import ConfigError
from navpartner.labelmatch import label_forms, normalise


def check_consistency(config: dict, source: str = "config") -> None:
    """The rules a JSON schema cannot state: keys that must agree with other keys."""
    problems = _code_collisions(config)
    for name in ("municipality_size", "office_size"):
        classes = config["geography"][name]
        bounds = classes["lower_bounds"]
        if len(bounds) != len(classes["labels"]) or bounds != sorted(set(bounds)) or bounds[0] != 0:
            problems.append(
                f"geography.{name}: lower_bounds must start at 0, increase, "
                "and match labels one to one"
            )
        else:
            problems += _labels_against_bounds(name, bounds, classes["labels"])
    for item, spec in config["items"].items():
        if spec["scale"] not in config["scales"]:
            problems.append(f"items.{item}.scale: unknown scale '{spec['scale']}'")
    trim = config["weighting"].get("trim")
    if trim and not 0 <= trim["lower"] < trim["upper"]:
        problems.append("weighting.trim: need 0 <= lower < upper")
    for survey, survey_spec in config["surveys"].items():
        for role in survey_spec.get("one_per_municipality", []):
            if role not in survey_spec["roles"]:
                problems.append(
                    f"surveys.{survey}.one_per_municipality: '{role}' is not one of the "
                    f"survey's roles {survey_spec['roles']}"
                )
        for item in survey_spec["items"]:
            if item not in config["items"]:
                problems.append(f"surveys.{survey}.items: unknown item '{item}'")
        for variable in survey_spec["weighting"]["margins"]:
            field = DERIVED_FROM.get(variable)
            if field and any(field not in w["background"] for w in survey_spec["waves"].values()):
                problems.append(
                    f"surveys.{survey}.weighting.margins: '{variable}' needs the "
                    f"background field '{field}' in every wave"
                )
        for key, variable in survey_spec.get("design", {}).items():
            if variable not in survey_variables(survey_spec):
                problems.append(
                    f"surveys.{survey}.design.{key}: '{variable}' is not in every wave's data"
                )
        fields_by_wave = {}
        for wave, wave_spec in survey_spec["waves"].items():
            where = f"surveys.{survey}.waves.{wave}"
            problems += _wave_problems(config, survey_spec, wave_spec, where)
            fields_by_wave[wave] = sorted(wave_spec["background"])
        if len({tuple(fields) for fields in fields_by_wave.values()}) > 1:
            problems.append(
                f"surveys.{survey}: waves declare different background fields {fields_by_wave}"
            )
    for name, indicator in config["indicators"].items():
        problems += _indicator_problems(config, name, indicator)
    for name, model in config.get("models", {}).items():
        problems += _model_problems(config, name, model)
    problems += _publication_problems(config)
    problems += _findings_problems(config)
    for name, claim in config.get("claims", {}).get("statements", {}).items():
        if "test" in claim:
            problems += _claim_problems(config, f"claims.statements.{name}.test", claim["test"])
    problems += _bootstrap_problems(config["estimation"])
    problems += _synonym_problems(config)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


# Class labels that state their own bounds: under_10 is [0, 10), 10_24 is [10, 25), 50_plus
# is [50, ...).
LABEL_BOUNDS = (
    (re.compile(r"under_(\d+)"), lambda m: (0, int(m[1]))),
    (re.compile(r"(\d+)_(\d+)"), lambda m: (int(m[1]), int(m[2]) + 1)),
    (re.compile(r"(\d+)_plus"), lambda m: (int(m[1]), None)),
)


def _labels_against_bounds(name: str, bounds: list, labels: list) -> list[str]:
    """A label that states its bounds must state the class's: bounds edited without the
    labels would class respondents one way while margins counted by the labels count another."""
    problems = []
    for i, label in enumerate(labels):
        upper = bounds[i + 1] if i + 1 < len(bounds) else None
        for pattern, stated in LABEL_BOUNDS:
            match = pattern.fullmatch(str(label))
            if match and stated(match) != (bounds[i], upper):
                problems.append(
                    f"geography.{name}: label '{label}' names the class {_span(*stated(match))}, "
                    f"but lower_bounds make it {_span(bounds[i], upper)}"
                )
    return problems


def _span(lower, upper) -> str:
    return f"[{_plain(float(lower))}, {'...' if upper is None else _plain(float(upper))})"


def check_survey_sources(config: dict, base: dict, source: str = "config") -> None:
    """Each publication.survey_sources entry names a survey of config.yaml (`base`) or of the
    effective config: a misspelt name would leave its survey with the general source line. A
    survey an overlay drops keeps its entry."""
    known = set(base.get("surveys") or {}) | set(config["surveys"])
    for name in config["publication"].get("survey_sources", {}):
        if name not in known:
            raise ConfigError(
                f"{source}: at 'publication.survey_sources.{name}': no survey '{name}' "
                f"(expected one of {', '.join(sorted(known))})"
            )


def _indicator_problems(config: dict, name: str, indicator: dict) -> list[str]:
    where = f"indicators.{name}"
    survey = indicator["survey"]
    if survey not in config["surveys"]:
        return [f"{where}.survey: unknown survey '{survey}'"]
    survey_spec = config["surveys"][survey]
    problems = []
    item = indicator["item"]
    if item not in config["items"] or item not in survey_spec["items"]:
        problems.append(f"{where}.item: '{item}' is not an item of the {survey} survey")
    elif config["items"][item]["scale"] in config["scales"]:  # else reported above
        codes = {int(code) for code in config["scales"][config["items"][item]["scale"]]}
        for code in indicator["positive"]:
            if code not in codes:
                problems.append(
                    f"{where}.positive: {code} is not a code of item '{item}' "
                    f"(its labels: {sorted(codes)})"
                )
    if item in survey_spec["items"] and not any(
        item in spec["items"] for spec in survey_spec["waves"].values()
    ):
        problems.append(
            f"{where}.item: '{item}' is asked in no wave of the {survey} survey "
            f"(mapped in none of {', '.join(str(w) for w in survey_spec['waves'])})"
        )
    available = survey_variables(survey_spec)
    for variable, values in indicator["respondents"].items():
        if variable not in available:
            problems.append(f"{where}.respondents: the {survey} survey has no '{variable}'")
            continue
        known = _known_values(config, survey_spec, variable)
        problems += [
            f"{where}.respondents.{variable}: '{value}' is not a value of {variable} "
            f"(values are {known})"
            for value in values
            if known is not None and value not in known
        ]
    for breakdown in indicator["breakdowns"]:
        if breakdown != "total" and breakdown not in available:
            problems.append(f"{where}.breakdowns: the {survey} survey has no '{breakdown}'")
    return problems


def _known_values(config: dict, survey_spec: dict, variable: str) -> list | None:
    """The values a grouping variable of a survey can take: from config where it says (roles,
    categories, size classes), else its labelled groups (regions, from the frame); None for a
    variable without groups."""
    known = group_values(config, survey_spec["roles"]).get(variable)
    if known is None and variable in config["publication"]["breakdowns"]:
        known = list(config["publication"]["breakdowns"][variable]["groups"])
    return known


def _possible_groups(config: dict, indicator: dict, breakdown: str) -> list | None:
    """The groups of `breakdown` an indicator's respondents can be in: those its `respondents`
    select, else every value the variable takes; None where that is not known (an unknown
    survey is reported with the indicator)."""
    survey_spec = config["surveys"].get(indicator["survey"])
    if survey_spec is None:
        return None
    selected = indicator["respondents"].get(breakdown)
    return selected or _known_values(config, survey_spec, breakdown)


def _model_problems(config: dict, name: str, model: dict) -> list[str]:
    where = f"models.{name}"
    problems = []
    for indicator in model["indicators"]:
        if indicator not in config["indicators"]:
            problems.append(f"{where}.indicators: unknown indicator '{indicator}'")
            continue
        survey = config["indicators"][indicator]["survey"]
        if survey not in config["surveys"]:
            continue  # reported with the indicator
        available = survey_variables(config["surveys"][survey]) | {"wave", "respondent_group"}
        for term in model["terms"]:
            if term not in available:
                problems.append(f"{where}.terms: '{term}' is not in the {survey} survey")
    surveys = {config["indicators"].get(i, {}).get("survey") for i in model["indicators"]}
    for term, level in model.get("reference", {}).items():
        if term not in model["terms"]:
            problems.append(f"{where}.reference: '{term}' is not one of the terms")
        for survey in sorted(surveys & set(config["surveys"])):
            known = _known_values(config, config["surveys"][survey], term)
            if known is not None and level not in known:
                problems.append(
                    f"{where}.reference.{term}: '{level}' is not a value of {term} "
                    f"(values are {known})"
                )
    return problems


# The keys each form of claim needs, and those it may take besides.
CLAIM_KEYS = {
    "level": ({"wave"}, {"breakdown", "group", "about", "above", "below"}),
    "change": ({"waves", "direction"}, {"breakdown", "group", "reference"}),
    "difference": (
        {"wave", "direction"},
        {"breakdown", "group", "reference", "indicator_reference"},
    ),
}


def _claim_problems(config: dict, where: str, test: dict) -> list[str]:
    """A claim names indicators, waves and groups the estimates will hold, in a usable form."""
    required, optional = CLAIM_KEYS[test["form"]]
    given = set(test) - {"form", "indicator"}
    problems = [
        f"{where}: form {test['form']} needs '{key}'" for key in sorted(required - given)
    ] + [
        f"{where}: form {test['form']} takes no '{key}' (it takes {sorted(required | optional)})"
        for key in sorted(given - required - optional)
    ]
    names = [test["indicator"], test.get("indicator_reference", test["indicator"])]
    unknown = [name for name in names if name not in config["indicators"]]
    if unknown:
        return [*problems, f"{where}: unknown indicator '{unknown[0]}'"]
    problems += _claim_waves(config, where, test, names)
    problems += _claim_groups(config, where, test)
    if test["form"] == "level" and len({"about", "above", "below"} & given) != 1:
        problems.append(f"{where}: a level claim takes exactly one of about, above, below")
    if "about" in test and not test["about"][0] < test["about"][1]:
        problems.append(f"{where}.about: {test['about']} must be [low, high] with low < high")
    if test["form"] == "difference" and not {"reference", "indicator_reference"} & given:
        problems.append(f"{where}: a difference needs a reference group or indicator_reference")
    if test["form"] == "difference" and {"reference", "indicator_reference"} <= given:
        problems.append(f"{where}: a difference takes reference or indicator_reference, not both")
    items = {config["indicators"][name]["item"] for name in names}
    if len(items) > 1:
        problems.append(f"{where}: indicators {names} rest on different items {sorted(items)}")
    return problems


def _claim_waves(config: dict, where: str, test: dict, indicators: list[str]) -> list[str]:
    waves = test.get("waves", [test.get("wave")])
    problems = []
    for name in dict.fromkeys(indicators):  # an indicator compared with itself, once
        survey = config["indicators"][name]["survey"]
        if survey not in config["surveys"]:
            continue  # reported with the indicator
        known = sorted(int(w) for w in config["surveys"][survey]["waves"])
        problems += [
            f"{where}: wave {wave} is not a wave of the {survey} survey ({known})"
            for wave in waves
            if wave is not None and wave not in known
        ]
    if "waves" in test and not test["waves"][0] < test["waves"][1]:
        problems.append(f"{where}.waves: {test['waves']} must be [earlier, later]")
    return problems


def _claim_groups(config: dict, where: str, test: dict) -> list[str]:
    breakdown = test.get("breakdown", "total")
    if breakdown not in config["indicators"][test["indicator"]]["breakdowns"]:
        indicator = test["indicator"]
        return [f"{where}.breakdown: indicator '{indicator}' has no breakdown '{breakdown}'"]
    groups = list(config["publication"]["breakdowns"].get(breakdown, {}).get("groups", {}))
    problems = [
        f"{where}.{key}: '{test[key]}' is not a group of '{breakdown}' ({groups})"
        for key in ("group", "reference")
        if key in test and test[key] not in [*groups, *(["rest"] if key == "reference" else [])]
    ]
    if "group" in test and test.get("reference") == test["group"]:
        problems.append(f"{where}.reference: compares group '{test['group']}' with itself")
    return problems + _claim_population(config, where, test, breakdown)


def _claim_population(config: dict, where: str, test: dict, breakdown: str) -> list[str]:
    """A claim's group (or reference) must be among the indicator's respondents: a group
    outside them has no estimate, and the claim would be published as not estimated."""
    possible = _possible_groups(config, config["indicators"][test["indicator"]], breakdown)
    return [
        f"{where}.{key}: '{test[key]}' is not among the respondents of indicator "
        f"'{test['indicator']}' ({breakdown}: {possible})"
        for key in ("group", "reference")
        if key in test and test[key] != "rest" and possible and test[key] not in possible
    ]


def _publication_problems(config: dict) -> list[str]:
    publication = config["publication"]
    breakdowns = publication["breakdowns"]
    problems = []
    for name, indicator in config["indicators"].items():
        if indicator["theme"] not in publication["themes"]:
            problems.append(
                f"indicators.{name}.theme: '{indicator['theme']}' is not one of "
                f"publication.themes {list(publication['themes'])}"
            )
        for breakdown in indicator["breakdowns"]:
            if breakdown not in breakdowns:
                problems.append(
                    f"indicators.{name}.breakdowns: '{breakdown}' has no labels in "
                    "publication.breakdowns"
                )
    roles = [role for spec in config["surveys"].values() for role in spec["roles"]]
    known_groups = group_values(config, roles)
    for breakdown, codes in known_groups.items():
        missing = [c for c in codes if c not in breakdowns.get(breakdown, {}).get("groups", {})]
        if breakdown in breakdowns and missing:
            problems.append(f"publication.breakdowns.{breakdown}.groups: no label for {missing}")
    for breakdown, spec in breakdowns.items():
        for language, template in spec.get("in_sentence", {}).items():
            fields = _placeholders(template)
            if fields != {"group"}:
                problems.append(
                    f"publication.breakdowns.{breakdown}.in_sentence.{language}: "
                    f"'{template}' must name the group as {{group}} (found "
                    f"{_found_placeholders(fields)})"
                )
    for name, figure in publication["figures"].items():
        if name in config["indicators"] or name == "change":
            problems.append(
                f"publication.figures.{name}: the name is taken (an indicator or 'change'); "
                "figures share results/figures/ with them"
            )
        for indicator in figure["indicators"]:
            spec = config["indicators"].get(indicator)
            if spec is None:
                problems.append(f"publication.figures.{name}: unknown indicator '{indicator}'")
            elif figure.get("breakdown", "total") not in spec["breakdowns"]:
                problems.append(
                    f"publication.figures.{name}.breakdown: indicator '{indicator}' is not "
                    f"broken down by '{figure.get('breakdown', 'total')}'"
                )
    return problems + _change_problems(publication.get("change"), config)


def _placeholders(template: str) -> set[str] | None:
    """The {fields} a str.format template names; None where its braces do not pair."""
    try:
        return {field for _, field, _, _ in Formatter().parse(template) if field is not None}
    except ValueError:
        return None


def _found_placeholders(fields: set[str] | None) -> str:
    if fields is None:
        return "braces that do not pair"
    return str(sorted(fields)) if fields else "no placeholder"


def _bootstrap_problems(estimation: dict) -> list[str]:
    bootstrap = estimation.get("bootstrap")
    if bootstrap is None:
        if estimation["variance"] == "bootstrap":
            return ["estimation.variance is bootstrap but estimation.bootstrap is missing"]
        return []
    if bootstrap["chunks"] > bootstrap["replicates"]:
        return [
            f"estimation.bootstrap.chunks ({bootstrap['chunks']}) exceeds replicates "
            f"({bootstrap['replicates']}): each chunk needs a replicate"
        ]
    return []


def _findings_problems(config: dict) -> list[str]:
    """A configured reference group must be one of its breakdown's (labelled) groups."""
    labelled = config["publication"]["breakdowns"]
    problems = []
    references = config["estimation"].get("contrasts", {}).get("reference", {})
    for breakdown, group in references.items():
        groups = list(labelled.get(breakdown, {}).get("groups", {}))
        if group not in groups:
            problems.append(
                f"estimation.contrasts.reference.{breakdown}: '{group}' is not one of the "
                f"breakdown's groups {groups} (publication.breakdowns.{breakdown}.groups)"
            )
            continue
        problems += _reference_outside(config, breakdown, group)
    return problems


def _reference_outside(config: dict, breakdown: str, group: str) -> list[str]:
    """Indicators broken down by `breakdown` whose respondents cannot be in the reference
    group: their contrasts on it would be left out of the estimates without a word."""
    problems = []
    for name, indicator in config["indicators"].items():
        if breakdown not in indicator["breakdowns"]:
            continue
        possible = _possible_groups(config, indicator, breakdown)
        if possible and group not in possible:
            problems.append(
                f"estimation.contrasts.reference.{breakdown}: '{group}' is not among the "
                f"respondents of indicator '{name}' ({breakdown}: {possible}), so its "
                f"{breakdown} contrasts would be left out"
            )
    return problems


def _change_problems(change: dict | None, config: dict) -> list[str]:
    waves = sorted({wave for _, wave in survey_waves(config)})
    if change is None:
        return []
    if change["from"] not in waves or change["to"] not in waves or change["from"] >= change["to"]:
        return [
            f"publication.change: from {change['from']} to {change['to']} must be two waves "
            f"in order, of {waves}"
        ]
    consecutive = waves.index(change["to"]) == waves.index(change["from"]) + 1
    if not consecutive and (change["from"], change["to"]) != (waves[0], waves[-1]):
        return [
            "publication.change: the estimates compare consecutive waves and the first with "
            f"the last; {change['from']} and {change['to']} are neither, in {waves}"
        ]
    return []


def _code_collisions(config: dict) -> list[str]:
    """Codes that would be read two ways: the harmonised don't-know code as an answer, a raw
    don't-know or missing code as a valid answer, or one raw code as both."""
    dont_know = config["dont_know_code"]
    problems = [
        f"dont_know_code: {dont_know} is also the code of scales.{name}.{code} "
        f"('{labels[code]}'); don't-know answers would count as that answer"
        for name, labels in config["scales"].items()
        for code in labels
        if int(code) == dont_know
    ]
    for survey, survey_spec in config["surveys"].items():
        for wave, wave_spec in survey_spec["waves"].items():
            for item, spec in wave_spec["items"].items():
                problems += _raw_code_collisions(
                    config, f"surveys.{survey}.waves.{wave}", wave_spec, item, spec
                )
    return problems


def _raw_code_collisions(config, where: str, wave_spec: dict, item: str, spec: dict) -> list:
    scale = config["scales"].get(config["items"].get(item, {}).get("scale"))
    if scale is None:
        return []  # reported as an unknown item or scale
    here = f"{where}.items.{item}"
    if "codes" in spec:
        valid, valid_key = {float(code) for code in spec["codes"]}, f"{here}.codes"
    else:
        valid, valid_key = (
            {float(code) for code in scale},
            f"scales.{config['items'][item]['scale']}",
        )
    special = {}
    for kind in ("dont_know", "missing"):
        key = f"{here}.{kind}" if kind in spec else f"{where}.{kind}"
        special[kind] = (key, {float(code) for code in spec.get(kind, wave_spec.get(kind, []))})
    problems = []
    for kind, (key, codes) in special.items():
        for code in sorted(codes & valid):
            problems.append(
                f"{key}: raw code {_plain(code)} is also a valid answer of item '{item}' "
                f"({valid_key}); answers {_plain(code)} would be read as {kind.replace('_', ' ')}"
            )
    (dont_know_key, dont_know), (missing_key, missing) = special.values()
    for code in sorted(dont_know & missing):
        problems.append(
            f"{dont_know_key} and {missing_key}: raw code {_plain(code)} of item '{item}' is both "
            "don't-know and missing"
        )
    return problems


def _plain(code: float) -> int | float:
    return int(code) if code.is_integer() else code


def _wave_problems(config, survey_spec, wave_spec, where) -> list[str]:
    problems = []
    if wave_spec["format"] == "csv" and "codebook" not in wave_spec:
        problems.append(f"{where}: format csv needs a codebook")
    for field, spec in wave_spec["background"].items():
        kind = BACKGROUND_KINDS[field]
        allowed = survey_spec["roles"] if field == "role" else CATEGORY_VALUES.get(field)
        if kind == "category" and "codes" not in spec:
            problems.append(f"{where}.background.{field}: a category needs codes")
        if kind != "category" and "codes" in spec:
            problems.append(f"{where}.background.{field}: codes only apply to categories")
        for raw, value in spec.get("codes", {}).items():
            if value not in allowed:
                problems.append(
                    f"{where}.background.{field}.codes.{raw}: '{value}' is not one of {allowed}"
                )
    problems += _shared_sources(wave_spec, where)
    mapped, absent = set(wave_spec["items"]), set(wave_spec["absent"])
    for item in sorted((mapped | absent) - set(survey_spec["items"])):
        problems.append(f"{where}: item '{item}' is not an item of this survey")
    for item in sorted(set(survey_spec["items"]) - mapped - absent):
        problems.append(f"{where}: item '{item}' is neither mapped in items nor listed as absent")
    for item in sorted(mapped & absent):
        problems.append(f"{where}: item '{item}' is both mapped and absent")
    for item, spec in wave_spec["items"].items():
        if config["items"].get(item, {}).get("scale") not in config["scales"]:
            continue  # reported above
        scale_codes = {int(code) for code in config["scales"][config["items"][item]["scale"]]}
        for raw, value in spec.get("codes", {}).items():
            if value not in scale_codes:
                problems.append(
                    f"{where}.items.{item}.codes.{raw}: {value!r} is not a code of "
                    f"its scale {sorted(scale_codes)}"
                )
        if spec.get("reverse") and scale_codes != {1, 2, 3, 4, 5}:
            problems.append(f"{where}.items.{item}.reverse: only five-point scales reverse")
    return problems


def _shared_sources(wave_spec: dict, where: str) -> list[str]:
    """Two items or background fields read from one variable of the file: a copied line whose
    source was not changed, which the label audit passes where both have the same scale."""
    readers = {}
    for kind in ("items", "background"):
        for name, spec in wave_spec[kind].items():
            readers.setdefault(spec["source"], []).append(f"{kind}.{name}")
    return [
        f"{where}: {' and '.join(keys)} both read the variable '{source}'"
        for source, keys in readers.items()
        if len(keys) > 1
    ]


def _synonym_problems(config: dict) -> list[str]:
    """A synonym that names another label of its own scale (or another category of its own
    variable), or a wording declared for two of them, is a contradiction: the label audit would
    read a scale stored the other way round, or swapped category codes, as agreeing."""
    synonyms = config["label_audit"].get("synonyms", {})
    problems = []
    for group, members in _label_groups(config).items():
        declared = {
            member: [key for key in synonyms if normalise(key) in forms]
            for member, forms in members.items()
        }
        names = {
            member: forms | {normalise(w) for key in declared[member] for w in synonyms[key]}
            for member, forms in members.items()
        }
        problems += [
            f"label_audit.synonyms.{key}: '{wording}' names {other} of the {group}, not "
            f"{member}: a synonym must name the same answer ({_FIX[group.split()[0]]})"
            for member in members
            for key in declared[member]
            for wording in synonyms[key]
            for other in members
            if other != member and normalise(wording) in names[other]
        ]
    return problems


_FIX = {
    "scale": "a scale stored the other way round needs `reverse: true` on the item",
    "category": "swapped category codes are fixed in the wave's `codes`",
}


def _label_groups(config: dict) -> dict[str, dict[str, set[str]]]:
    """Labels that name different answers of one variable: each scale's (with the don't-know
    and missing labels), each category's values; member -> its normalised wordings."""
    audit = config["label_audit"]
    special = {"don't-know": [audit["dont_know_label"]], "missing": [audit["missing_label"]]}
    groups = {
        f"scale {name}": {f"code {code}": label_forms(label) for code, label in scale.items()}
        | special
        for name, scale in config["scales"].items()
    }
    categories = {**CATEGORY_VALUES}
    categories |= {f"role of {name}": spec["roles"] for name, spec in config["surveys"].items()}
    for variable, values in categories.items():
        groups[f"category {variable}"] = {value: [value] for value in values}
    return {
        group: {member: {normalise(form) for form in forms} for member, forms in members.items()}
        for group, members in groups.items()
    }
