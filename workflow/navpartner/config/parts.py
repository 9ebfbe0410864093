"""Config parts: the settings one step reads, written under results/config/ only when they
change."""

from __future__ import annotations

import hashlib

import yaml

from navpartner.config.views import lookup_wave
from navpartner.files import write_text

# Config parts. Each step of the workflow reads only the part of the effective config it uses,
# written to results/config/ when the workflow starts (and rewritten only when it changes), so
# that an edit reruns exactly the steps it concerns: the report language reruns publication,
# an indicator its estimates onward, a wave's crosswalk that wave onward. A step cannot read a
# setting outside its part, so no step can depend on config it does not declare.
PART_KEY = "_part"
# Set by the Snakefile for the Snakemake report (its front page, its captions); not configuration.
REPORT_ONLY_KEYS = ("report_synthetic", "report_captions")
# Wording only publication shows (nb and en): left out of the other steps' parts, so that a
# label edit reruns publication only.
WORDING_KEYS = ("label", "population")
SHARED_CODING = ["scales", "dont_know_code", "items"]
STAGE_KEYS = {
    "harmonise": ["geography", "label_audit", *SHARED_CODING],
    "weight": ["geography", "weighting"],
    "replicate": ["geography", "weighting", "estimation"],
    "estimate": ["estimation", "geography", *SHARED_CODING],
    "combine": ["estimation", "indicators", *SHARED_CODING],
    # geography: the size classes that stratify a frame's municipalities (estimation.fpc)
    "model": ["estimation", "geography", "indicators", "weighting", *SHARED_CODING],
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
            name: {**spec, "waves": {int(wave): lookup_wave(spec["waves"], wave)}}
            for name, spec in surveys.items()
        }
    part["surveys"] = _without_wording(surveys)
    if stage == "estimate":
        part["indicators"] = {
            k: v for k, v in config["indicators"].items() if v["survey"] == survey
        }
    if model is not None:
        part["models"] = {model: config["models"][model]}
        part["indicators"] = {k: v for k, v in config["indicators"].items() if v["survey"] in used}
    for key in ("indicators", "models"):
        if key in part:
            part[key] = _without_wording(part[key])
    where = {"stage": stage, "survey": survey, "wave": wave, "model": model}
    return {PART_KEY: {k: v for k, v in where.items() if v is not None}, **part}


def _without_wording(specs: dict) -> dict:
    """Each named entry (a survey, indicator or model) without its publication wording."""
    return {
        name: {key: value for key, value in spec.items() if key not in WORDING_KEYS}
        for name, spec in specs.items()
    }


PART_HEADER = "# Made by the workflow from the effective config; edit config.yaml, not this.\n"


def part_path(folder: str, stage: str, survey=None, wave=None, model=None) -> str:
    if stage == "all":
        return f"{folder}/effective.yaml"
    name = "_".join(str(p) for p in (stage, survey, wave, model) if p is not None)
    return f"{folder}/{name}.yaml"


# libyaml's emitter where PyYAML has it: planning a run writes (or checks) every part.
class _PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """YAML without anchors and aliases, which config files may not use."""

    def ignore_aliases(self, data) -> bool:
        return True


def write_config_part(
    config: dict, folder: str, stage: str, scratch: str | None = None, **where
) -> str:
    """Write one part where its content changed (an unchanged part keeps its time stamp, so
    the steps reading it are not rerun); returns its path. With `scratch` (a dry run), a
    changed part is written there instead, and `folder` is left as it was.

    The part's second line holds the digest of its content (types and order included), so
    planning an unchanged run compares digests instead of writing YAML again."""
    path = part_path(folder, stage, **where)
    part = config_part(config, stage, **where)
    digest = digest_line(part)
    if read_line(path, 2) == digest:
        return path
    if scratch is not None:
        path = part_path(scratch, stage, **where)
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


def digest_line(part: dict) -> str:
    """The digest of a part's content, types and order included (repr), as its second line."""
    return f"# content: {hashlib.sha256(repr(part).encode()).hexdigest()}\n"


def read_line(path: str, number: int) -> str | None:
    """Line `number` (1 = the first) of a text file, or None where there is no such file."""
    try:
        with open(path, encoding="utf-8") as file:
            for _ in range(number - 1):
                file.readline()
            return file.readline()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
