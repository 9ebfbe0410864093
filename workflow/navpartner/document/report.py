"""The document step: read the published aggregates and audits, write the report as PDF and
HTML."""

from __future__ import annotations

import hashlib
import json
import platform
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import pandas as pd
import yaml

from navpartner.config import distribution_figures
from navpartner.config.schema import with_string_keys
from navpartner.document import authored, content, matter, typeset, webpage
from navpartner.errors import InputError
from navpartner.io import sha256_of, write_atomically, write_text
from navpartner.publish.labels import Labels, is_synthetic
from navpartner.publish.steps import read_audits, read_published

# The packages whose versions the provenance appendix lists (what made the numbers and pages).
PACKAGES = [
    "navpartner",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pyarrow",
    "pyreadstat",
    "matplotlib",
    "seaborn",
    "snakemake",
    "typst",
]


def write_document(
    config: dict,
    *,
    published: str,
    estimates: str,
    changes: str,
    claims: str | None,
    estimate_audits: list[str],
    harmonise_audits: list[str],
    diagnostics: str,
    models: list[str],
    figures: list[str],
    pdf: str,
    html: str,
    contrasts: str | None = None,
    response_rates: str | None = None,
    representativity: str | None = None,
    association_tests: str | None = None,
    prose: str | None = None,
) -> None:
    """`prose`: the folder of the evaluator's chapters (report/); without it the report is
    the generated one alone."""
    inputs = [
        published,
        estimates,
        changes,
        claims,
        *estimate_audits,
        *harmonise_audits,
        diagnostics,
        *models,
        *figures,
        contrasts,
        response_rates,
        representativity,
        association_tests,
    ]
    audits = read_audits(estimate_audits)
    file_labels = sorted({audit.get("source_file_label", "") for audit in audits})
    contrast_table = _plain_strings(_read_table(contrasts)) if contrasts else None
    sources = content.Sources(
        published=_plain_strings(
            with_flags(read_published(published), pd.read_parquet(estimates), config)
        ),
        changes=_plain_strings(read_published(changes)),
        claims=pd.read_csv(claims, keep_default_na=True) if claims else None,
        estimate_audits=audits,
        harmonise_audits=read_audits(harmonise_audits),
        diagnostics=pd.read_csv(diagnostics),
        models={Path(path).stem: pd.read_csv(path) for path in models},
        figures=_folder(figures),
        checksums={path: sha256_of(path) for path in inputs if path},
        config_fingerprint=config_fingerprint(config),
        packages=package_versions(),
        synthetic_label="; ".join(file_labels) if is_synthetic(file_labels) else "",
        contrasts=contrast_table,
        tests=_family_size(contrast_table, association_tests),
        response_rates=pd.read_csv(response_rates) if response_rates else None,
        representativity=pd.read_csv(representativity) if representativity else None,
        distribution_themes=_themes_with_answer_charts(config, figures),
    )
    labels = Labels(config)
    stamp = labels.text("synthetic") if sources.synthetic_label else ""
    if prose:
        strict = config["publication"].get("strict_prose", False)
        blocks = matter.build(config, sources, Path(prose), strict)
    else:
        blocks = content.build(config, sources)
    source = typeset.typst_source(blocks, labels.language, stamp)
    # Typst lets go of the interpreter while it typesets: the web page is made meanwhile.
    with ThreadPoolExecutor(max_workers=1) as typesetting:
        document = typesetting.submit(typeset.compile_pdf, source)
        page = webpage.webpage(blocks, labels.language, stamp)
        write_atomically(pdf, lambda tmp: Path(tmp).write_bytes(document.result()))
    write_text(page, html)


LOCK_HEADER = "# What the author last approved per reference (navpartner approve-prose).\n"


def approve_prose(
    config: dict,
    folder: str,
    *,
    published: str,
    estimates: str,
    changes: str,
    claims: str,
    contrasts: str,
) -> list[str]:
    """Rewrite each language's lock (report/<language>/approved.lock.yaml) with what the
    references now say: the author has re-read the sentences. Returns the locks written."""
    sources = content.Sources(
        published=_plain_strings(
            with_flags(read_published(published), pd.read_parquet(estimates), config)
        ),
        changes=_plain_strings(read_published(changes)),
        claims=pd.read_csv(claims),
        contrasts=_plain_strings(_read_table(contrasts)),
        estimate_audits=[],
        harmonise_audits=[],
        diagnostics=pd.DataFrame(),
        models={},
        figures=Path(folder),
        checksums={},
        config_fingerprint="",
        packages={},
    )
    written = []
    for language in sorted(p.name for p in Path(folder).iterdir() if p.is_dir()):
        in_language = {**config, "publication": {**config["publication"], "language": language}}
        write = content.Writer(in_language)
        themes = content._themes(config)
        parts = list(authored.read_parts(Path(folder), language, themes).values())
        resolver = authored.Resolver(
            in_language, sources, write, {p.name for p in parts} | {*themes}
        )
        lock = authored.lock_content(parts, authored.resolve_all(parts, resolver))
        path = Path(folder) / language / authored.LOCK
        write_text(LOCK_HEADER + yaml.safe_dump(lock, allow_unicode=True, sort_keys=True), path)
        written.append(str(path))
    return written


def with_flags(published: pd.DataFrame, estimates: pd.DataFrame, config: dict) -> pd.DataFrame:
    """The published cells with the reliability flag of their estimate (flag, never hide);
    a published table that carries the flag already is taken as it is."""
    if "flagged" in published:
        return published.assign(flagged=published["flagged"].astype(str).eq("True"))
    keys = ["indicator", "wave", "breakdown", "group"]
    flags = estimates.loc[
        estimates["method"] == config["estimation"]["interval"], [*keys, "flagged"]
    ].astype({"group": str})
    merged = published.merge(flags, on=keys, how="left", validate="one_to_one")
    merged["flagged"] = merged["flagged"].fillna(False).astype(bool) & merged["percent"].notna()
    return merged


def _plain_strings(table: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python strings: the report looks rows up by indicator and group some
    thousand times, and filtering Arrow-backed text costs a take per column each time (seconds
    over a report); the values are the same."""
    text = table.select_dtypes(include=["string", "str"]).columns
    return table.astype({column: object for column in text})


def _folder(figures: list[str]) -> Path:
    """The one folder the published figures are in (the report finds each by its name)."""
    folders = {Path(path).parent for path in figures}
    if len(folders) != 1:
        raise InputError(", ".join(figures), "figures from several folders", found=folders)
    return folders.pop()


def _family_size(contrasts: pd.DataFrame | None, association_tests: str | None) -> int | None:
    """How many tests the Benjamini–Hochberg adjustment ran over: every published contrast and
    association test (navpartner findings adjusts them as one family)."""
    if contrasts is None:
        return None
    tests = pd.read_csv(association_tests) if association_tests else pd.DataFrame()
    return len(contrasts) + len(tests)


def _read_table(path: str) -> pd.DataFrame:
    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)


def config_fingerprint(config: dict) -> str:
    """SHA-256 of the effective config as canonical JSON: comments and key order do not count."""
    canonical = json.dumps(with_string_keys(config), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "–"
    return versions


def _themes_with_answer_charts(config: dict, figures: list[str]) -> set[str]:
    """The themes whose every answer chart is among the report's figures."""
    given = {Path(path).stem for path in figures}
    return {
        theme
        for theme in config["publication"]["themes"]
        if all(name in given for name, _ in distribution_figures(config, theme))
    }
