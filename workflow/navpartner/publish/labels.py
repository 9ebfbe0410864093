"""Every label a reader sees, in the configured language: the definitions' labels from config
and the wording of the catalogue (navpartner/texts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from navpartner.config import theme_indicators
from navpartner.errors import ConfigError
from navpartner.texts import Catalogue, catalogue

# The vendor file label that marks the synthetic default data (written by navpartner synth).
SYNTHETIC_MARK = "SYNTETISKE DATA"
# The language the questions were asked in: a report in another language quotes the original
# with the item's rendering (config items: `en`) beside it.
QUESTIONNAIRE_LANGUAGE = "nb"
# Breakdowns whose groups are named after places: their labels keep their capitals in a sentence.
PLACE_NAMES = {"region"}


@dataclass(frozen=True)
class Labels:
    """Labels from config (indicators, themes, groups) and wording from the catalogue
    (navpartner/texts), in one language."""

    config: dict

    @property
    def language(self) -> str:
        return self.config["publication"]["language"]

    @property
    def texts(self) -> Catalogue:
        return catalogue(self.language)

    @cached_property
    def level(self) -> str:
        """The confidence level as the language writes a percentage: "95 %", "95%"."""
        return self.texts.percent(100 * self.config["estimation"]["confidence_level"], None)

    def text(self, key: str, **values) -> str:
        """A message of the catalogue; {level} is the confidence level wherever it is used."""
        return self.texts.text(key, level=self.level, **values)

    def indicator(self, name: str) -> str:
        return self.config["indicators"][name]["label"][self.language]

    def population(self, name: str) -> str:
        return self.config["indicators"][name]["population"][self.language]

    def report_category(self, name: str) -> str:
        """A category of the Snakemake report, numbered so that its menu (which sorts
        alphabetically) shows the overview, then the themes in configured order, then the
        findings tables and methods."""
        order = ["overview", *self.config["publication"]["themes"], "findings", "methods"]
        fixed = {
            "overview": self.text("overview"),
            "findings": self.text("findings"),
            "methods": self.text("methods"),
        }
        label = fixed[name] if name in fixed else self.theme(name)
        return f"{order.index(name) + 1:0{len(str(len(order)))}d}. {label}"

    def report_subcategory(self, theme: str, name: str | None) -> str:
        """A theme's subcategory in the Snakemake report: its indicators in report order,
        numbered (the menu sorts alphabetically), then its comparisons (`name` None)."""
        names = theme_indicators(self.config, theme)
        if name is None:
            return f"{len(names) + 1}. {self.text('comparisons')}"
        return f"{names.index(name) + 1}. {self.indicator(name)}"

    def survey(self, name: str) -> str:
        return self.config["surveys"][name]["label"][self.language]

    def theme(self, name: str) -> str:
        return self.config["publication"]["themes"][name][self.language]

    def breakdown(self, name: str) -> str:
        return self.config["publication"]["breakdowns"][name]["label"][self.language]

    def group(self, breakdown: str, code: str) -> str:
        return self._groups(breakdown)[code][self.language]

    def group_in_sentence(self, breakdown: str, code: str) -> str:
        """A group as a sentence names it: "på kontorer med under 10 ansatte", "på Vestlandet"."""
        spec = self.config["publication"]["breakdowns"][breakdown]
        own = spec.get("group_in_sentence", {}).get(code)
        if own:
            return own[self.language]
        label = self.group(breakdown, code)
        if breakdown not in PLACE_NAMES:
            label = label[0].lower() + label[1:]
        if "in_sentence" in spec:
            return spec["in_sentence"][self.language].format(group=label)
        return self.text("report.group_in", group=label)

    def group_rank(self, breakdown: str, code: str) -> int:
        """Position of a group in config, the order tables and figures show groups in."""
        return list(self._groups(breakdown)).index(code)

    def _groups(self, breakdown: str) -> dict:
        return self.config["publication"]["breakdowns"][breakdown]["groups"]

    def require_groups(self, breakdown: str, codes) -> None:
        missing = sorted(set(codes) - set(self._groups(breakdown)))
        if missing:
            raise ConfigError(
                f"publication.breakdowns.{breakdown}.groups: the estimates hold group(s) "
                f"{missing} without a label"
            )

    def estimation_note(self, survey: str) -> str:
        """How a survey's estimates were made, for the notes under its tables."""
        spec = self.config["surveys"][survey]
        margins = ", ".join(self.breakdown(m).lower() for m in spec["weighting"]["margins"])
        method = self.text(f"interval_{self.config['estimation']['interval']}")
        return self.text(
            "estimation_note",
            margins=margins,
            variance=self.variance_method(),
            cluster=self.cluster(survey),
            method=f"{self.text('interval')}: {method}",
        )

    def variance_method(self) -> str:
        """How the published SEs were estimated, in words."""
        estimation = self.config["estimation"]
        if estimation["variance"] == "bootstrap":
            return self.text(
                "variance_method_bootstrap",
                replicates=estimation["bootstrap"]["replicates"],
            )
        return self.text("variance_method_linearised")

    def cluster(self, survey: str) -> str:
        """What a survey's PSU is, in words."""
        design = self.config["surveys"][survey].get("design", {})
        return self.text(f"cluster_{design.get('cluster', 'none')}")

    def definition(self, name: str) -> str:
        """The indicator in one sentence: who, which answers, which question."""
        indicator = self.config["indicators"][name]
        item = self.config["items"][indicator["item"]]
        scale = self.config["scales"][item["scale"]]
        answers = self.text("or").join(
            self.scale_label(scale, code) for code in indicator["positive"]
        )
        return self.text(
            "definition",
            population=self.population(name),
            answers=answers,
            question=self.question(indicator["item"]),
            dont_know=self.text(f"dont_know_{indicator['dont_know']}"),
        )

    def question(self, item: str, wording: str | None = None) -> str:
        """An item's question in quotes, with its English rendering beside the Norwegian
        original in a report in English (`wording`: the wave's own, where it differs)."""
        spec = self.config["items"][item]
        original = (wording or spec["question"]).rstrip(".")
        if self.language == QUESTIONNAIRE_LANGUAGE:
            return self.text("question_quoted", original=original)
        return self.text(
            "question_rendered", original=original, rendering=spec[self.language].rstrip(".")
        )

    def scale_label(self, scale: dict, code: int) -> str:
        """A scale's label for a code; YAML may have read the keys as integers or as strings."""
        return scale.get(code, scale.get(str(code)))[self.language]

    def reason(self, reason: dict) -> str:
        """An exclusion reason as configured (and carried in the harmonise audit)."""
        return reason[self.language]

    def source(self, waves, surveys=()) -> str:
        """The source line: the survey's own where one survey is shown and it has one."""
        publication = self.config["publication"]
        shown = set(surveys)
        own = publication.get("survey_sources", {}).get(shown.pop()) if len(shown) == 1 else None
        source = (own or publication["source"])[self.language]
        return self.text("waves_source", source=source, waves=", ".join(map(str, waves)))

    def flag_note(self) -> str:
        """The footnote of the reliability flag, with the configured thresholds."""
        thresholds = self.config["estimation"]["reliability"]
        return self.text(
            "flag_note",
            n_eff=thresholds["min_effective_n"],
            df=thresholds["min_df"],
            width=self.number(100 * thresholds["max_interval_width"], None),
        )

    def number(self, value: float, decimals: int | None = 1) -> str:
        """A number as the language writes it: 4 726,5 in Norwegian, 4,726.5 in English."""
        return self.texts.number(value, decimals)


def is_synthetic(file_labels) -> bool:
    return any(label.upper().startswith(SYNTHETIC_MARK) for label in file_labels)


class WhenAsked:
    """A yes or no worked out the first time it is asked. The Snakemake report's front page asks
    whether the inputs are synthetic; planning a run should not open the vendor files (and load
    their readers, about half a second) for an answer only the report needs."""

    def __init__(self, answer: Callable[[], bool]):
        self._answer = answer
        self._value: bool | None = None

    def __bool__(self) -> bool:
        if self._value is None:
            self._value = bool(self._answer())
        return self._value


class ReportCaptions:
    """The captions of the Snakemake report's entries in the configured language, which the
    caption files (workflow/report/*.rst) and its front page insert:
    `report_captions("change", wildcards)`.
    Kept in the config the report reads, not in the rules' params: a caption is no setting of
    the step, yet Snakemake fingerprints every job's params and the report lists them on the
    job's page."""

    def __init__(self, config: dict):
        self.config = config
        self.labels = Labels(config)

    def __call__(self, kind: str, wildcards) -> str:
        language = self.labels.language
        model = wildcards.get("model")
        label = self.config["models"][model]["label"][language] if model else ""
        change = self.config["publication"].get("change", {})
        return self.labels.text(
            f"caption_{kind}",
            label=label,
            first=change.get("from"),
            last=change.get("to"),
            minimum=self.config["publication"]["min_cell_size"],
        )

    def contents(self) -> list[str]:
        """The front page's list of the menu: the overview with the evaluation report, each
        theme with its indicators, then the findings tables and methods."""
        labels = self.labels
        themes = [
            f"{labels.report_category(theme)}: "
            + labels.texts.join([labels.indicator(n) for n in theme_indicators(self.config, theme)])
            for theme in self.config["publication"]["themes"]
            if theme_indicators(self.config, theme)
        ]
        return [
            labels.report_category("overview") + ": " + labels.text("caption_workflow_overview"),
            *themes,
            labels.report_category("findings") + ": " + labels.text("caption_workflow_findings"),
            labels.report_category("methods") + ": " + labels.text("caption_workflow_methods"),
        ]

    def synthetic(self) -> str:
        """The synthetic-data notice of the report's front page."""
        return self.labels.text("synthetic")
