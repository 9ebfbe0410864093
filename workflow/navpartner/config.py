"""Load and check the configuration; typed views of surveys, waves and their crosswalks."""

from __future__ import annotations

import copy
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from navpartner.errors import ConfigError
from navpartner.files import write_text
from navpartner.yamlfile import read_yaml

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"

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


def read_config(path: str | Path, root: str | Path = ".") -> dict:
    """Read and fully check a config file; returns the checked dict. A config part (written by
    the workflow, see write_config_part) is checked against the schema of the keys it holds.

    `root` is the project root the configured paths are relative to (where the workflow runs).
    """
    stat = os.stat(path)
    # A command may read the same file twice (its inputs are protected before it runs).
    checked = _read_checked(str(path), str(Path(root).resolve()), stat.st_mtime_ns, stat.st_size)
    return copy.deepcopy(checked)


@functools.lru_cache(maxsize=4)
def _read_checked(path: str, root: str, _mtime_ns: int, _size: int) -> dict:
    if _line(path, 1) == PART_HEADER:
        part = read_yaml(path, written=True)
        if isinstance(part, dict) and _digest_line(part) == _line(path, 2):
            # Exactly the part the workflow cut from the effective config it checked whole.
            config = {key: value for key, value in part.items() if key != PART_KEY}
            check_paths(config, root, source=path)
            return config
    config = read_yaml(path)  # strictly: a file that is not that part is checked in full
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping of keys, found {type(config).__name__}")
    if PART_KEY in config:  # cut from an effective config the workflow checked whole
        config = _checked_part(config, path)
    else:
        check_config(config, source=path)
    check_paths(config, root, source=path)
    return config


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


def check_config_files(paths) -> None:
    """Re-read config files strictly: a key defined twice or an alias stops with its lines.

    Snakemake's own loader lets the later of two equal keys win silently.
    """
    for path in paths:
        read_yaml(path)


# Config parts. Each step of the workflow reads only the part of the effective config it uses,
# written to results/config/ when the workflow starts (and rewritten only when it changes), so
# that an edit reruns exactly the steps it concerns: the report language reruns publication,
# an indicator its estimates onward, a wave's crosswalk that wave onward. A step cannot read a
# setting outside its part, so no step can depend on config it does not declare.
PART_KEY = "_part"
# Set by the Snakefile for the Snakemake report (its front page, its captions); not configuration.
REPORT_ONLY_KEYS = ("report_synthetic", "report_captions")
SHARED_CODING = ["scales", "dont_know_code", "items"]
STAGE_KEYS = {
    "harmonise": ["geography", "label_audit", *SHARED_CODING],
    "weight": ["geography", "weighting"],
    "replicate": ["geography", "weighting", "estimation"],
    "estimate": ["estimation", "geography", *SHARED_CODING],
    "combine": ["estimation", "indicators", *SHARED_CODING],
    "model": ["estimation", "indicators", "weighting", *SHARED_CODING],
}


def config_part(config: dict, stage: str, survey: str | None = None, wave=None, model=None):
    """The settings one step uses: the stage's top-level keys, its survey (one wave of it for
    per-wave steps), its indicators and model. stage 'all' is the whole effective config."""
    if stage == "all":
        settings = {k: v for k, v in config.items() if k not in REPORT_ONLY_KEYS}
        return {PART_KEY: {"stage": stage}, **settings}
    part = {key: config[key] for key in ["data_dir", *STAGE_KEYS[stage]] if key in config}
    surveys = config["surveys"] if survey is None else {survey: config["surveys"][survey]}
    if model is not None:
        used = {
            config["indicators"][name]["survey"] for name in config["models"][model]["indicators"]
        }
        surveys = {name: spec for name, spec in surveys.items() if name in used}
    if wave is not None:
        surveys = {
            name: {**spec, "waves": {int(wave): _lookup_wave(spec["waves"], wave)}}
            for name, spec in surveys.items()
        }
    part["surveys"] = surveys
    if stage == "estimate":
        part["indicators"] = {
            k: v for k, v in config["indicators"].items() if v["survey"] == survey
        }
    if model is not None:
        part["models"] = {model: config["models"][model]}
        part["indicators"] = {k: v for k, v in config["indicators"].items() if v["survey"] in used}
    where = {"stage": stage, "survey": survey, "wave": wave, "model": model}
    return {PART_KEY: {k: v for k, v in where.items() if v is not None}, **part}


def _schema() -> dict:
    return copy.deepcopy(_read_schema())


@functools.cache
def _read_schema() -> dict:
    # Our own file, read with libyaml where PyYAML has it (planning a run reads it).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(SCHEMA.read_text(encoding="utf-8"), Loader=loader)


def _checked_part(part: dict, source: str) -> dict:
    import jsonschema  # only where a config is checked: a step reading its part skips it

    schema = _schema()
    schema.pop("required")
    config = {key: value for key, value in part.items() if key != PART_KEY}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(with_string_keys(config)))
    if errors:
        raise ConfigError(f"{source}: " + "; ".join(_describe(error) for error in errors[:5]))
    return config


def merged_config(base: dict, overrides: dict) -> dict:
    """`overrides` (the overlays and --config values) merged over config.yaml (`base`) key by
    key, as Snakemake's `configfile:` directive merges them; `base` is left as it was."""
    merged = copy.deepcopy(base)
    _merge_into(merged, overrides)
    return merged


def _merge_into(target: dict, overrides: dict) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def follow_order(config: dict, base: dict) -> None:
    """Put, in place, every mapping's keys in the order of the base config file (keys it lacks
    after them), for a config that replaces the base instead of being merged over it
    (merged_config keeps that order itself): order is meaning here (themes, groups, claims),
    and an unchanged config must give unchanged parts."""
    for key, value in base.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            follow_order(config[key], value)
    ordered = [key for key in base if key in config] + [key for key in config if key not in base]
    items = [(key, config.pop(key)) for key in ordered]
    config.update(items)


def remove_nulls(config: dict) -> None:
    """Drop, in place, every entry set to null: how an overlay removes a wave, an indicator,
    a model or a figure of the base config."""
    for key in [key for key, value in config.items() if value is None]:
        del config[key]
    for value in config.values():
        if isinstance(value, dict):
            remove_nulls(value)


def with_string_keys(value):
    """A copy with every mapping key as a string (JSON schema only knows string keys)."""
    if isinstance(value, dict):
        return {str(key): with_string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_string_keys(item) for item in value]
    return value


def check_config(config: dict, source: str = "config") -> None:
    """Validate against the JSON schema, then the rules that span several keys."""
    import jsonschema  # here, not at the top: a step reading its config part needs none

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(with_string_keys(config)), key=lambda e: list(e.path))
    if errors:
        raise ConfigError(f"{source}: " + "; ".join(_describe(error) for error in errors[:5]))
    check_consistency(config, source)


def check_effective_config(config: dict, base: dict, stamp: str, source: str = "config"):
    """Every check of the workflow's effective config: check_config, the survey sources against
    config.yaml (`base`), and where the input paths lead. `stamp` keeps the digest of the config,
    the schema and this module's code that last passed, so an unchanged config skips the schema
    (and the import of jsonschema: a sixth of a second of a rerun with nothing to do); any edit
    to the config, the schema or the checks checks again. Nothing is written until all pass."""
    digest = hashlib.sha256(
        repr(config).encode() + SCHEMA.read_bytes() + Path(__file__).read_bytes()
    ).hexdigest()
    passed_before = _line(stamp, 1) == digest
    if not passed_before:
        check_config(config, source)
    check_survey_sources(config, base, source)
    check_paths(config, source=source)
    if not passed_before:
        write_text(digest, stamp)


def _describe(error) -> str:  # a jsonschema.ValidationError
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    return f"at '{where}': {error.message}"


def configured_inputs(config: dict) -> list[tuple[str, str]]:
    """(key, path) of every input file the config names, in a stable order."""
    regions = config.get("geography", {}).get("regions")  # a config part may lack geography
    inputs = [("geography.regions", regions)] if regions else []
    for survey, survey_spec in config["surveys"].items():
        for wave, wave_spec in survey_spec["waves"].items():
            for key in ("file", "codebook", "margins", "municipalities"):
                if key in wave_spec:
                    inputs.append((f"surveys.{survey}.waves.{wave}.{key}", wave_spec[key]))
    return inputs


def data_roots(config: dict, root: str | Path = ".") -> list[Path]:
    """The folders inputs may come from: the project, and the declared data directory."""
    roots = [Path(root).resolve()]
    if "data_dir" in config:
        roots.append((Path(root) / config["data_dir"]).resolve())
    return roots


def check_paths(config: dict, root: str | Path = ".", source: str = "config") -> None:
    """Every configured input resolves (after `..` and symbolic links) inside the project
    or the declared data directory."""
    roots = data_roots(config, root)
    problems = []
    for key, path in configured_inputs(config):
        resolved = (Path(root) / path).resolve()
        if not any(resolved.is_relative_to(folder) for folder in roots):
            allowed = " or ".join(str(folder) for folder in roots)
            problems.append(
                f"{key}: '{path}' resolves to {resolved}, outside {allowed} (declare the folder "
                "that holds real data as data_dir)"
            )
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


def protected_paths(config: dict, config_file: str | Path, root: str | Path = ".") -> list[Path]:
    """What no step may write to: data_raw/, the data directory, every input, the config."""
    return [
        Path(root) / "data_raw",
        *data_roots(config, root)[1:],
        *(Path(root) / path for _, path in configured_inputs(config)),
        Path(config_file),
    ]


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
    for item, spec in config["items"].items():
        if spec["scale"] not in config["scales"]:
            problems.append(f"items.{item}.scale: unknown scale '{spec['scale']}'")
    trim = config["weighting"].get("trim")
    if trim and not 0 <= trim["lower"] < trim["upper"]:
        problems.append("weighting.trim: need 0 <= lower < upper")
    for survey, survey_spec in config["surveys"].items():
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
        problems += _claim_problems(config, f"claims.statements.{name}.test", claim["test"])
    problems += _bootstrap_problems(config["estimation"])
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))


# Harmonised variables derived from a background field (the rest come from kommunenummer).
DERIVED_FROM = {"employer": "employer", "leadership": "leadership", "office_size": "office_staff"}
DESIGN_FIELDS = {"office_id": "office_id", "kommunenummer": "kommunenummer"}


def survey_variables(survey_spec: dict) -> set[str]:
    """The grouping variables every wave of a survey has after harmonising."""
    fields = set.intersection(*(set(w["background"]) for w in survey_spec["waves"].values()))
    derived = {variable for variable, field in DERIVED_FROM.items() if field in fields}
    return {"role", "region", "size_class"} | derived | (fields & set(DESIGN_FIELDS))


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
    available = survey_variables(survey_spec)
    allowed = group_values(config, survey_spec["roles"])
    for variable, values in indicator["respondents"].items():
        if variable not in available:
            problems.append(f"{where}.respondents: the {survey} survey has no '{variable}'")
            continue
        known = allowed.get(variable)
        if known is not None and not set(values) & set(known):
            problems.append(
                f"{where}.respondents.{variable}: {values} selects nobody (empty population); "
                f"values are {known}"
            )
    for breakdown in indicator["breakdowns"]:
        if breakdown != "total" and breakdown not in available:
            problems.append(f"{where}.breakdowns: the {survey} survey has no '{breakdown}'")
    return problems


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
    for term in model.get("reference", {}):
        if term not in model["terms"]:
            problems.append(f"{where}.reference: '{term}' is not one of the terms")
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
    for name in indicators:
        survey = config["indicators"][name]["survey"]
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
    return [
        f"{where}.{key}: '{test[key]}' is not a group of '{breakdown}' ({groups})"
        for key in ("group", "reference")
        if key in test and test[key] not in [*groups, *(["rest"] if key == "reference" else [])]
    ]


def group_values(config: dict, roles: list[str]) -> dict[str, list[str]]:
    """The values a grouping variable can take, where config knows them (regions come from
    the frame)."""
    return {
        "role": roles,
        **CATEGORY_VALUES,
        "office_size": config["geography"]["office_size"]["labels"],
        "size_class": config["geography"]["municipality_size"]["labels"],
    }


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
                    f"broken down by '{figure['breakdown']}'"
                )
    return problems + _change_problems(publication.get("change"), config)


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


def wave_spec(config: dict, survey: str, wave: int | str) -> WaveSpec:
    """The typed crosswalk of one survey and wave."""
    try:
        survey_spec = config["surveys"][survey]
        raw = _lookup_wave(survey_spec["waves"], wave)
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


def theme_comparisons(config: dict, theme: str) -> list[str]:
    """The comparison figures (publication.figures) filed under the theme: of its first
    indicator's theme."""
    return [
        name
        for name, spec in config["publication"]["figures"].items()
        if config["indicators"][spec["indicators"][0]]["theme"] == theme
    ]


def _lookup_wave(waves: dict, wave: int | str) -> dict:
    for key, spec in waves.items():
        if str(key) == str(wave):
            return spec
    raise KeyError(wave)


def _float_keys(codes: dict | None) -> dict | None:
    return None if codes is None else {float(raw): value for raw, value in codes.items()}


# libyaml's emitter where PyYAML has it: planning a run writes (or checks) every part.
class _PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """YAML without anchors and aliases, which config files may not use."""

    def ignore_aliases(self, data) -> bool:
        return True


def part_path(folder: str, stage: str, survey=None, wave=None, model=None) -> str:
    if stage == "all":
        return f"{folder}/effective.yaml"
    name = "_".join(str(p) for p in (stage, survey, wave, model) if p is not None)
    return f"{folder}/{name}.yaml"


PART_HEADER = "# Made by the workflow from the effective config; edit config.yaml, not this.\n"


def write_config_part(config: dict, folder: str, stage: str, **where) -> str:
    """Write one part where its content changed (an unchanged part keeps its time stamp, so
    the steps reading it are not rerun); returns its path.

    The part's second line holds the digest of its content (types and order included), so
    planning an unchanged run compares digests instead of writing YAML again."""
    path = part_path(folder, stage, **where)
    part = config_part(config, stage, **where)
    digest = _digest_line(part)
    if _line(path, 2) == digest:
        return path
    text = PART_HEADER + digest
    text += yaml.dump(
        part,
        Dumper=_PlainDumper,
        sort_keys=False,  # order is meaning (themes, groups, claims): see merged_config
        allow_unicode=True,
        width=100,
    )
    write_text(text, path)
    return path


def _digest_line(part: dict) -> str:
    """The digest of a part's content, types and order included (repr), as its second line."""
    return f"# content: {hashlib.sha256(repr(part).encode()).hexdigest()}\n"


def _line(path: str, number: int) -> str | None:
    """Line `number` (1 = the first) of a text file, or None where there is no such file."""
    try:
        with open(path, encoding="utf-8") as file:
            for _ in range(number - 1):
                file.readline()
            return file.readline()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
