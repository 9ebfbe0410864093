"""Typed views of the checked config: a wave's crosswalk, the survey waves, the themes, the
values a grouping variable can take."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, pairwise

from navpartner.errors import ConfigError

# Harmonised background fields and their kinds. Categories map raw codes with `codes:`.
BACKGROUND_KINDS = {
    "respondent_id": "identifier",
    "kommunenummer": "municipality",
    "office_id": "identifier",
    "office_staff": "count",
    "services": "count",
    "role": "category",
    "employer": "category",
    "leadership": "category",
}

# Background fields that describe the office, not the respondent: one value per office_id.
OFFICE_TRAITS = ("office_staff", "leadership", "services")


CATEGORY_VALUES = {"employer": ["stat", "kommune"], "leadership": ["enhetlig", "todelt"]}


@dataclass(frozen=True)
class FieldSource:
    source: str
    codes: dict[float, object] | None = None
    zero_pad: int | None = None


@dataclass(frozen=True)
class ItemSource:
    source: str
    reverse: bool
    codes: dict[float, int] | None
    dont_know: tuple[float, ...]
    missing: tuple[float, ...]


@dataclass(frozen=True)
class WaveSpec:
    survey: str
    wave: int
    file: str
    format: str
    margins: str
    codebook: str | None
    municipalities: str
    exclude: tuple[dict, ...]
    background: dict[str, FieldSource]
    items: dict[str, ItemSource]
    absent: tuple[str, ...]
    roles: tuple[str, ...]
    encoding: str | None = None
    one_per_municipality: tuple[str, ...] = ()


def wave_spec(config: dict, survey: str, wave: int | str) -> WaveSpec:
    """The typed crosswalk of one survey and wave."""
    try:
        survey_spec = config["surveys"][survey]
        raw = lookup_wave(survey_spec["waves"], wave)
    except KeyError as err:
        raise ConfigError(f"no survey '{survey}' with wave '{wave}' in the config") from err
    wave_dont_know = tuple(float(c) for c in raw.get("dont_know", []))
    wave_missing = tuple(float(c) for c in raw.get("missing", []))
    return WaveSpec(
        survey=survey,
        wave=int(wave),
        file=raw["file"],
        format=raw["format"],
        margins=raw["margins"],
        codebook=raw.get("codebook"),
        municipalities=raw["municipalities"],
        exclude=tuple(raw.get("exclude", [])),
        background={
            name: FieldSource(spec["source"], _float_keys(spec.get("codes")), spec.get("zero_pad"))
            for name, spec in raw["background"].items()
        },
        items={
            name: ItemSource(
                source=spec["source"],
                reverse=spec.get("reverse", False),
                codes=_float_keys(spec.get("codes")),
                dont_know=tuple(float(c) for c in spec.get("dont_know", wave_dont_know)),
                missing=tuple(float(c) for c in spec.get("missing", wave_missing)),
            )
            for name, spec in raw["items"].items()
        },
        absent=tuple(raw["absent"]),
        roles=tuple(survey_spec["roles"]),
        encoding=raw.get("encoding"),
        one_per_municipality=tuple(survey_spec.get("one_per_municipality", [])),
    )


def item_wording(config: dict, survey: str, item: str) -> list[tuple[int, str | None, str | None]]:
    """Per wave of the survey: (wave, source variable, question wording as asked that wave);
    source and wording are None where the item was not asked."""
    rows = []
    for wave, spec in sorted(config["surveys"][survey]["waves"].items(), key=lambda w: int(w[0])):
        source = spec["items"].get(item)
        if source is None:
            rows.append((int(wave), None, None))
        else:
            question = source.get("question", config["items"][item]["question"])
            rows.append((int(wave), source["source"], question))
    return rows


def survey_waves(config: dict) -> list[tuple[str, int]]:
    """Every (survey, wave) the config declares, in a stable order."""
    return sorted(
        (survey, int(wave)) for survey, spec in config["surveys"].items() for wave in spec["waves"]
    )


def theme_indicators(config: dict, theme: str) -> list[str]:
    """The theme's indicators, in config order."""
    return [name for name, spec in config["indicators"].items() if spec["theme"] == theme]


# A theme's answer chart holds at most this many panels (indicators), the change chart this many
# rows: more would make a chart taller than a page at the text's width, too small to read once
# narrowed to fit; a chart of more is split into several figures.
DISTRIBUTION_PANELS = 4
CHANGE_ROWS = 16


def distribution_figures(config: dict, theme: str) -> list[tuple[str, list[str]]]:
    """The theme's answer charts: (name, indicators) in config order, at most
    DISTRIBUTION_PANELS indicators each, in as few charts as may be and as even as may be.
    Indicators of one item stay in one chart where the item's run fits in one."""
    names = theme_indicators(config, theme)
    item = {name: config["indicators"][name]["item"] for name in names}
    return _charts(f"distribution_{theme}", names, item, DISTRIBUTION_PANELS)


def change_figures(config: dict) -> list[tuple[str, list[str]]]:
    """The change charts (publication.change): (name, indicators) in config order, at most
    CHANGE_ROWS indicators each, a theme's indicators in one chart where they fit in one."""
    names = list(config["indicators"])
    theme = {name: spec["theme"] for name, spec in config["indicators"].items()}
    return _charts("change", names, theme, CHANGE_ROWS)


def _charts(prefix: str, names: list[str], key: dict, most: int) -> list[tuple[str, list]]:
    """`names` in as few charts of at most `most` as may be, runs of one `key` kept whole
    where each fits in one chart; named `prefix`, or `prefix_1`, `prefix_2`, ... if several."""
    units: list[list[str]] = []
    for name in names:
        if units and key[units[-1][0]] == key[name]:
            units[-1].append(name)
        else:
            units.append([name])
    if any(len(unit) > most for unit in units):
        units = [[name] for name in names]
    charts, start = [], 0
    for count in _fewest_even_parts([len(unit) for unit in units], most):
        charts.append([name for unit in units[start : start + count] for name in unit])
        start += count
    if len(charts) == 1:
        return [(prefix, charts[0])]
    return [(f"{prefix}_{k}", chart) for k, chart in enumerate(charts, start=1)]


def _fewest_even_parts(sizes: list[int], most: int) -> list[int]:
    """How many of `sizes` (in order) go in each part: the fewest parts of at most `most`
    each, the largest part as small as may be, then the parts as even as may be."""
    for count in range(1, len(sizes) + 1):
        best = None
        for cuts in combinations(range(1, len(sizes)), count - 1):
            bounds = [0, *cuts, len(sizes)]
            totals = [sum(sizes[a:b]) for a, b in pairwise(bounds)]
            if max(totals) > most:
                continue
            key = (max(totals), sum(t * t for t in totals))
            if best is None or key < best[0]:
                best = (key, [b - a for a, b in pairwise(bounds)])
        if best:
            return best[1]
    return [1] * len(sizes)  # unreachable: single units are at most `most`


def theme_comparisons(config: dict, theme: str) -> list[str]:
    """The comparison figures (publication.figures) filed under the theme: of its first
    indicator's theme."""
    return [
        name
        for name, spec in config["publication"]["figures"].items()
        if config["indicators"][spec["indicators"][0]]["theme"] == theme
    ]


# Harmonised variables derived from a background field (the rest come from kommunenummer).
DERIVED_FROM = {"employer": "employer", "leadership": "leadership", "office_size": "office_staff"}


DESIGN_FIELDS = {"office_id": "office_id", "kommunenummer": "kommunenummer"}


def survey_variables(survey_spec: dict) -> set[str]:
    """The grouping variables every wave of a survey has after harmonising."""
    fields = set.intersection(*(set(w["background"]) for w in survey_spec["waves"].values()))
    derived = {variable for variable, field in DERIVED_FROM.items() if field in fields}
    return {"role", "region", "size_class"} | derived | (fields & set(DESIGN_FIELDS))


def group_values(config: dict, roles: list[str]) -> dict[str, list[str]]:
    """The values a grouping variable can take, where config knows them (regions come from
    the frame)."""
    return {
        "role": roles,
        **CATEGORY_VALUES,
        "office_size": config["geography"]["office_size"]["labels"],
        "size_class": config["geography"]["municipality_size"]["labels"],
    }


def lookup_wave(waves: dict, wave: int | str) -> dict:
    for key, spec in waves.items():
        if str(key) == str(wave):
            return spec
    raise KeyError(wave)


def _float_keys(codes: dict | None) -> dict | None:
    return None if codes is None else {float(raw): value for raw, value in codes.items()}
