"""The analyst's toolkit: any item by any group of a finished run, for notebooks and the
`navpartner crosstab` command.

A question is put to the pipeline's own estimation stage: it becomes an indicator definition
(item, respondents, positive codes, don't-know rule, one breakdown) that `indicators`,
`findings` and `model` estimate exactly as they estimate the configured ones, on the run's
harmonised data, weights (and replicate weights) and effective config. So the answers follow
every change of the design, the intervals and the flags, and equal the published estimates
wherever the same quantity is published.

Aggregates only: no function returns a respondent's row, a cell with fewer respondents than
`publication.min_cell_size` is suppressed as publication suppresses it (with the secondary
cell), and identifier columns cannot form groups.

    run = navpartner.open("results")
    kontor = run.wave("kontor", 2019)
    kontor.shares("likeverdig", by="employer", where={"role": "kontorleder"}, positive=[4, 5])

Beyond `config`, `estimate` and `indicators` it imports the stage's other estimators (`findings`,
`model`) and publication's disclosure rule itself (`publish.suppress`, numpy only), so that
nothing here is a copy that could drift from what is published.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from navpartner.config import read_config, survey_waves
from navpartner.errors import ConfigError
from navpartner.files import sha256_of
from navpartner.findings import distributions, group_contrasts
from navpartner.indicators import estimate_indicator, load_survey_wave, reliability_flags
from navpartner.publish.suppress import PRIMARY, SECONDARY, suppression_marks
from navpartner.weighting import replicate_columns

# Columns that name a respondent, an office or a municipality: never groups, never filters.
IDENTIFIERS = ("respondent_id", "office_id", "kommunenummer")
QUESTION = "crosstab"  # the name a question takes as an indicator of the estimation stage
TOTAL = "total"  # the estimation stage's breakdown of everyone
CROSSED = " / "  # between the values of a group formed by several columns

SHARE_COLUMNS = ["group", "n", "estimate", "se", "ci_low", "ci_high", "df", "deff", "flagged"]
DISTRIBUTION_COLUMNS = ["group", "category", "n", "estimate", "se", "ci_low", "ci_high", "df"]
CONTRAST_COLUMNS = [
    "group",
    "reference",
    "n",
    "estimate",
    "estimate_reference",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
]


class QuestionError(ConfigError):
    """A question the run cannot answer as asked (unknown name, nobody selected, identifiers)."""


def open_run(results: str | Path = "results") -> Run:
    """A finished run: its effective config, checked against the run's manifest."""
    folder = Path(results)
    manifest = _read_manifest(folder)
    config_file = folder / "config" / "effective.yaml"
    _check_recorded(manifest, folder, config_file, "config")
    # Its paths are relative to the project root the run was made in: the results' parent.
    root = folder.resolve().parent
    return Run(_frames_from(root, read_config(config_file, root=root)), folder, manifest)


def _frames_from(root: Path, config: dict) -> dict:
    """The config with the frames the estimation reads (a finite population correction's
    municipality counts, their regions) found from the project root, wherever the analyst
    works (a notebook runs in docs/)."""
    geography = {**config["geography"], "regions": str(root / config["geography"]["regions"])}
    surveys = {
        survey: {
            **spec,
            "waves": {
                wave: {**part, "municipalities": str(root / part["municipalities"])}
                if "municipalities" in part
                else part
                for wave, part in spec["waves"].items()
            },
        }
        for survey, spec in config["surveys"].items()
    }
    return {**config, "geography": geography, "surveys": surveys}


def _read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise QuestionError(
            f"{path}: missing - not the results folder of a finished run (run snakemake first)"
        )
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
        if all(isinstance(manifest.get(k), dict) for k in ("config", "outputs")):
            return manifest
    except (ValueError, AttributeError):
        pass
    raise QuestionError(
        f"{path}: not a manifest of the workflow (expected JSON with 'config' and 'outputs' "
        "checksums)"
    )


def _check_recorded(manifest: dict, folder: Path, path: Path, kind: str) -> None:
    """The file is the one the run recorded in its manifest (same name, same sha256)."""
    recorded = {_under(folder, name): digest for name, digest in manifest[kind].items()}
    digest = recorded.get(path.resolve())
    if digest is None or not path.is_file() or sha256_of(path) != digest:
        raise QuestionError(
            f"{path}: not the file of the run {folder / 'manifest.json'} records (fingerprint "
            f"{str(manifest.get('fingerprint'))[:12]}); the results folder mixes runs: rerun "
            "snakemake"
        )


def _under(folder: Path, recorded: str) -> Path:
    """A manifest's path (`results/...`, from the project root) inside this results folder."""
    return (folder / Path(*Path(recorded).parts[1:])).resolve()


class Run:
    """A finished run: pick a survey wave with `wave(survey, wave)`."""

    def __init__(self, config: dict, folder: Path, manifest: dict | None):
        """manifest None: the files are not checked against one (benchmarks, tests)."""
        self.config, self.folder, self._manifest = config, Path(folder), manifest

    def __repr__(self) -> str:
        return f"navpartner run {self.folder}: " + ", ".join(
            f"{survey} {wave}" for survey, wave in self.survey_waves
        )

    @property
    def survey_waves(self) -> list[tuple[str, int]]:
        return survey_waves(self.config)

    @functools.cache  # noqa: B019 (a run is opened once per notebook; its waves stay loaded)
    def wave(self, survey: str, wave: int) -> Wave:
        waves = self._waves_of(survey)
        if int(wave) not in waves:
            raise QuestionError(
                f"wave {wave} is not a wave of survey '{survey}' (expected one of {waves})"
            )
        return Wave(self, survey, int(wave))

    def model(
        self,
        survey: str,
        item: str,
        terms: Iterable[str],
        waves: Iterable[int] | None = None,
        where: Mapping | None = None,
        positive: Iterable[int] = (),
        dont_know: str = "exclude",
        reference: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """The pipeline's weighted logistic regression of the positive answer on `terms`, over
        `waves` of the survey (all by default; each wave a stratum, `wave` may be a term)."""
        from navpartner.model import fit_model, model_data  # statsmodels: only when asked

        chosen = [self.wave(survey, w) for w in (waves or self._waves_of(survey))]
        # The question is checked in a wave that asked the item (model_data skips the others).
        first = next((w for w in chosen if w._asked(item)), chosen[0])
        terms = list(terms)
        for term in terms:
            first._require_column(term, "a model term")
        question = first._question(item, None, where, positive, dont_know)
        spec = self.config["surveys"][survey]
        config = {
            **self.config,
            "surveys": {
                **self.config["surveys"],
                survey: {**spec, "waves": {w.wave: spec["waves"][w.wave] for w in chosen}},
            },
            "indicators": {QUESTION: question.indicator},
            "models": {QUESTION: {"indicators": [QUESTION], "terms": terms, **_ref(reference)}},
        }
        frame = model_data(config, QUESTION, lambda _, wave: self.wave(survey, wave)._rows())
        self._refuse_small_levels(frame, terms)
        return fit_model(config, QUESTION, frame).drop(columns="model")

    def _waves_of(self, survey: str) -> list[int]:
        if survey not in self.config["surveys"]:
            raise QuestionError(
                f"survey '{survey}' is not in this run (expected one of "
                f"{sorted(self.config['surveys'])})"
            )
        return [wave for name, wave in self.survey_waves if name == survey]

    def _refuse_small_levels(self, frame: pd.DataFrame, terms: list[str]) -> None:
        """A coefficient of a level held by few respondents would describe them: refused."""
        minimum = self.config["publication"]["min_cell_size"]
        for term in terms:
            counts = frame[term].astype(str).value_counts()
            if (counts < minimum).any():
                raise QuestionError(
                    f"model term '{term}': level '{counts.idxmin()}' has {counts.min()} "
                    f"respondents, fewer than publication.min_cell_size ({minimum})"
                )

    def _file(self, kind: str, survey: str, wave: int, suffix: str = "parquet") -> str:
        path = self.folder / kind / f"{survey}_{wave}.{suffix}"
        if self._manifest is not None:
            _check_recorded(self._manifest, self.folder, path, "outputs")
        return str(path)


def _ref(reference: Mapping[str, str] | None) -> dict:
    return {"reference": dict(reference)} if reference else {}


@dataclass(frozen=True)
class Question:
    """A question as the estimation stage's indicator definition, and the breakdown it asks
    for (a column of the data it is put to)."""

    indicator: dict
    breakdown: str
    data: pd.DataFrame


class Wave:
    """One survey wave of a run: shares, distributions, contrasts and models of any item by
    any groups. Answers are DataFrames of aggregates; the respondents stay inside."""

    def __init__(self, run: Run, survey: str, wave: int):
        self.run, self.survey, self.wave = run, survey, wave
        config = run.config
        harmonised = run._file("harmonised", survey, wave)
        self._columns = _parquet_columns(harmonised)
        replicates = None
        if config["estimation"]["variance"] == "bootstrap":
            replicates = run._file("weights", survey, wave, "replicates.parquet")
        self._loaded = load_survey_wave(
            config, survey, harmonised, run._file("weights", survey, wave), replicates
        )
        self._source = harmonised

    def __repr__(self) -> str:
        return f"{self.survey} {self.wave}: {len(self._loaded.data)} respondents"

    @property
    def columns(self) -> list[str]:
        """The harmonised columns a question may name (items, background, geography)."""
        return list(self._columns)

    @property
    def items(self) -> list[str]:
        return [c for c in self._columns if c in self.run.config["items"]]

    def shares(
        self,
        item: str,
        by: str | Iterable[str] = (),
        where: Mapping | None = None,
        positive: Iterable[int] = (),
        dont_know: str = "exclude",
    ) -> pd.DataFrame:
        """The weighted share answering one of the `positive` codes, per group of `by` (several
        columns are crossed), among the respondents `where` selects ({column: value or list})."""
        question = self._question(item, by, where, positive, dont_know, need_positive=True)
        return self._suppressed(self._share_estimates(question), SHARE_COLUMNS)

    def distribution(
        self,
        item: str,
        by: str | Iterable[str] = (),
        where: Mapping | None = None,
        dont_know: str = "exclude",
    ) -> pd.DataFrame:
        """The share of every answer category per group; with dont_know="include", "vet ikke"
        (its code) is a category of its own, as published."""
        question = self._question(item, by, where, (), dont_know)
        data = question.data
        code = self.run.config["dont_know_code"]
        if dont_know == "exclude":
            data = data.assign(**{item: data[item].mask(data[item] == code)})
        table = distributions(
            self._config(question), QUESTION, data, self._loaded.design, self._source,
            self._loaded.replicates,
        )  # fmt: skip
        if dont_know == "exclude":
            table = table[table["category"] != code]
        table = reliability_flags(table, self.run.config["estimation"]["reliability"])
        return self._suppressed(table.reset_index(drop=True), [*DISTRIBUTION_COLUMNS, "flagged"])

    def contrasts(
        self,
        item: str,
        by: str | Iterable[str],
        where: Mapping | None = None,
        positive: Iterable[int] = (),
        dont_know: str = "exclude",
    ) -> pd.DataFrame:
        """Each group's share against the rest (or the breakdown's configured reference group,
        as published), with the difference's interval and unadjusted p-value."""
        question = self._question(item, by, where, positive, dont_know, need_positive=True)
        if question.breakdown == TOTAL:
            raise QuestionError("contrasts need groups: name at least one column to group by")
        table, _ = group_contrasts(
            self._config(question), QUESTION, question.data, self._loaded.design,
            self._source, self._loaded.replicates,
        )  # fmt: skip
        cells = self._share_estimates(question)
        counts = cells.set_index("group")["n"]
        rest = counts.sum() - counts
        marks = self._suppressed(cells, SHARE_COLUMNS).set_index("group")["suppressed"]
        table = table.assign(n=table["group"].map(counts).astype("Int64"))
        # As published: hidden where a compared cell is (primary if either is); a rest too
        # small to show counts as a primary cell.
        small_rest = table["group"].map(rest) < self.run.config["publication"]["min_cell_size"]
        other = table["reference"].map(marks).fillna("").where(~small_rest, PRIMARY)
        own = table["group"].map(marks)
        table = table[CONTRAST_COLUMNS].assign(
            suppressed=np.where(
                (own == PRIMARY) | (other == PRIMARY),
                PRIMARY,
                np.where((own != "") | (other != ""), SECONDARY, ""),
            )
        )
        values = [c for c in CONTRAST_COLUMNS if c not in ("group", "reference")]
        table[values[1:]] = table[values[1:]].astype("Float64")  # values[0] is n, Int64
        table.loc[table["suppressed"] != "", values] = pd.NA
        return table

    def model(self, item: str, terms: Iterable[str], **question) -> pd.DataFrame:
        """The model of `Run.model` in this wave alone."""
        return self.run.model(self.survey, item, terms, waves=[self.wave], **question)

    # --- the question as an indicator of the estimation stage ----------------------------------

    def _asked(self, item: str) -> bool:
        return item in self.items and bool(self._loaded.data[item].notna().any())

    def _question(self, item, by, where, positive, dont_know, need_positive=False) -> Question:
        if item not in self.items:
            raise QuestionError(
                f"item '{item}' is not an item of survey '{self.survey}' (expected one of "
                f"{self.items})"
            )
        if not self._asked(item):
            raise QuestionError(f"item '{item}' was not asked in {self.survey} {self.wave}")
        data = self._loaded.data
        positive = self._positive(item, positive, need_positive)
        if dont_know not in ("exclude", "include"):
            raise QuestionError(
                f"dont_know '{dont_know}' is not a rule (expected 'exclude' or 'include')"
            )
        respondents = self._respondents(where or {})
        breakdown, data = self._breakdown(_names(by), data)
        indicator = {
            "survey": self.survey,
            "item": item,
            "respondents": respondents,
            "positive": positive,
            "dont_know": dont_know,
            "breakdowns": [breakdown],
        }
        return Question(indicator, breakdown, data)

    def _config(self, question: Question) -> dict:
        return {**self.run.config, "indicators": {QUESTION: question.indicator}}

    def _positive(self, item: str, positive: Iterable[int], required: bool) -> list[int]:
        config = self.run.config
        scale = sorted(int(code) for code in config["scales"][config["items"][item]["scale"]])
        codes = [int(code) for code in positive]
        if required and not codes:
            raise QuestionError(
                f"a share needs the positive codes of item '{item}' (expected some of {scale})"
            )
        stray = [code for code in codes if code not in scale]
        if stray:
            raise QuestionError(
                f"positive code {stray[0]} is not on the scale of item '{item}' "
                f"(expected some of {scale})"
            )
        return codes

    def _require_column(self, column: str, role: str) -> None:
        if column in IDENTIFIERS:
            raise QuestionError(
                f"'{column}' identifies respondents, offices or municipalities: refused as "
                f"{role} (aggregates only)"
            )
        if column not in self._columns:
            raise QuestionError(
                f"column '{column}' is not a harmonised column of {self.survey} {self.wave} "
                f"(expected one of {[c for c in self._columns if c not in IDENTIFIERS]})"
            )

    def _respondents(self, where: Mapping) -> dict[str, list]:
        """{column: [values]} in the columns' types; selecting nobody is refused, naming why."""
        data = self._loaded.data
        selected = np.ones(len(data), dtype=bool)
        respondents = {}
        for column, wanted in where.items():
            self._require_column(column, "a filter")
            values = [wanted] if isinstance(wanted, str | int) else list(wanted)
            values = [_typed(data[column], column, value) for value in values]
            matches = data[column].isin(values).fillna(False).to_numpy()
            if not matches.any():
                known = sorted(map(str, data[column].dropna().unique()))
                raise QuestionError(
                    f"where {column}={','.join(map(str, values))} selects no respondent of "
                    f"{self.survey} {self.wave} (its values: {', '.join(known[:30])})"
                )
            selected &= matches
            respondents[column] = values
        if not selected.any():
            said = "; ".join(f"{c}={','.join(map(str, v))}" for c, v in respondents.items())
            raise QuestionError(f"where {said} selects no respondent of {self.survey} {self.wave}")
        return respondents

    def _breakdown(self, by: list[str], data: pd.DataFrame) -> tuple[str, pd.DataFrame]:
        for column in by:
            self._require_column(column, "a group (--by)")
        if not by:
            return TOTAL, data
        if len(by) == 1:
            return by[0], data
        name = CROSSED.join(by)
        crossed = data[by[0]].astype("string")
        for column in by[1:]:
            crossed = crossed + CROSSED + data[column].astype("string")
        return name, data.assign(**{name: crossed})

    def _share_estimates(self, question: Question) -> pd.DataFrame:
        """The estimation stage's rows of the published interval, flagged, unsuppressed."""
        table, _ = estimate_indicator(
            self._config(question), QUESTION, question.data, self._loaded.design,
            self._source, self._loaded.replicates,
        )  # fmt: skip
        table = table[table["method"] == self.run.config["estimation"]["interval"]]
        table = reliability_flags(table, self.run.config["estimation"]["reliability"])
        return table.reset_index(drop=True)

    def _suppressed(self, table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """Publication's disclosure control: a group with fewer respondents than
        min_cell_size is hidden (its whole distribution), and where that would leave one hidden
        group of a breakdown, the smallest other one with it."""
        minimum = self.run.config["publication"]["min_cell_size"]
        groups = table.drop_duplicates("group")
        marks = dict(
            zip(groups["group"], suppression_marks(groups["n"].to_numpy(), minimum), strict=True)
        )
        table = table[columns].copy()
        table["suppressed"] = table["group"].map(marks).astype(str)
        hidden = (table["suppressed"] != "").to_numpy()
        values = [c for c in columns if c not in ("group", "category")]
        numbers = [c for c in values if c != "flagged"]
        table[numbers] = table[numbers].astype("Float64")
        table["flagged"] = table["flagged"].astype("boolean")
        table.loc[hidden, values] = pd.NA
        table["n"] = table["n"].astype("Int64")
        return table

    def _rows(self) -> pd.DataFrame:
        """The respondents with their weights (and replicate weights): for the model stage
        only, never returned."""
        data = self._loaded.data
        if self._loaded.replicates is None:
            return data
        weights = self._loaded.replicates.weights
        columns = replicate_columns(weights.shape[1])
        return pd.concat([data, pd.DataFrame(weights, columns=columns, index=data.index)], axis=1)


def _names(by: str | Iterable[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _typed(column: pd.Series, name: str, value):
    """A filter's value (text from the command line) in the column's type."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise QuestionError(
                f"where {name}={value}: '{name}' holds whole numbers (found '{value}')"
            ) from None
    return str(value)


def _parquet_columns(path: str) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


# --- The crosstab command's question and answer ---------------------------------------------------


PERCENT = ["estimate", "estimate_reference", "difference", "se", "ci_low", "ci_high"]
SUPPRESSED = ":"  # Statistics Norway's symbol, as in the published tables
TEXT_NOTE = f"(shares, SEs and intervals in percent; {SUPPRESSED} = suppressed)"


@dataclass(frozen=True)
class Answer:
    heading: str  # the question in one line
    table: pd.DataFrame


def crosstab(
    wave: Wave,
    item: str,
    by: list[str],
    where: dict[str, list],
    positive: list[int],
    dont_know: str = "exclude",
    contrasts: bool = False,
) -> Answer:
    """Without positive codes the answer distribution, with them the share, with contrasts
    each group against the rest."""
    if contrasts and not positive:
        raise QuestionError("--contrasts compare shares: give the positive codes (--positive)")
    if contrasts:
        table = wave.contrasts(item, by, where, positive, dont_know)
    elif positive:
        table = wave.shares(item, by, where, positive, dont_know)
    else:
        table = wave.distribution(item, by, where, dont_know)
    config = wave.run.config
    said = [
        f"{wave.survey} {wave.wave}: {item}",
        f"by {' x '.join(by)}" if by else "all",
        *(f"where {c}={','.join(map(str, v))}" for c, v in where.items()),
        f"positive {','.join(map(str, positive))}" if positive else "distribution",
        f"don't know {dont_know}d",
        f"{config['estimation']['interval']} {100 * config['estimation']['confidence_level']:g} %",
        f"cells under {config['publication']['min_cell_size']} respondents suppressed",
    ]
    return Answer("; ".join(said), table)


def where_from_text(texts: list[str]) -> dict[str, list[str]]:
    """["role=kontorleder,veileder", ...] as {"role": ["kontorleder", "veileder"], ...}."""
    where = {}
    for text in texts:
        column, equals, values = text.partition("=")
        if not equals or not column or not values:
            raise QuestionError(f"--where {text}: expected COLUMN=VALUE[,VALUE...]")
        if column in where:
            raise QuestionError(f"--where {column} is given twice: list its values in one")
        where[column] = values.split(",")
    return where


def codes_from_text(text: str | None) -> list[int]:
    if text is None:
        return []
    try:
        return [int(code) for code in text.split(",")]
    except ValueError:
        raise QuestionError(
            f"--positive {text}: expected whole-number codes separated by commas, e.g. 4,5"
        ) from None


def write_answer(answer: Answer, form: str, output: str | None) -> None:
    """text (readable, percent), csv (full precision, proportions) or xlsx (a file)."""
    from navpartner.files import write_atomically, write_text

    if form == "xlsx":
        if output is None:
            raise QuestionError("--format xlsx writes a file: give it with --output")
        write_atomically(output, lambda tmp: _xlsx(answer, tmp))
        return
    text = (
        answer.table.to_csv(index=False, lineterminator="\n")
        if form == "csv"
        else f"{answer.heading}\n{TEXT_NOTE}\n\n{_readable(answer.table)}\n"
    )
    if output is None:
        import sys

        sys.stdout.write(text)
    else:
        write_text(text, output)


def _xlsx(answer: Answer, path: str) -> None:
    import io

    buffer = io.BytesIO()  # pandas names the format by the file's suffix; the temporary's is .part
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as book:
        answer.table.to_excel(book, sheet_name="crosstab", index=False, startrow=2)
        book.sheets["crosstab"].write(0, 0, answer.heading)
    with open(path, "wb") as handle:
        handle.write(buffer.getvalue())


def _readable(table: pd.DataFrame) -> str:
    """Shares in percent (one decimal; SEs two), p to three digits, suppressed cells as ':'."""
    shown = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if column in PERCENT:
            digits = 2 if column == "se" else 1
            shown[column] = values.map(lambda v, d=digits: _number(100 * v, f".{d}f"))
        elif column == "p_value":
            shown[column] = values.map(lambda v: _number(v, ".3g"))
        elif column in ("df", "deff"):
            form = ".0f" if column == "df" else ".2f"
            shown[column] = values.map(lambda v, f=form: _number(v, f))
        else:
            shown[column] = values.map(lambda v: SUPPRESSED if pd.isna(v) else str(v))
    return shown.to_string(index=False)


def _number(value, form: str) -> str:
    return SUPPRESSED if pd.isna(value) else format(float(value), form)
