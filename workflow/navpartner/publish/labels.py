"""Every text a reader sees, in the configured language (nb or en)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from navpartner.errors import ConfigError

# The vendor file label that marks the synthetic default data (written by navpartner synth).
SYNTHETIC_MARK = "SYNTETISKE DATA"

# Fixed wording of tables, figures and cards; definitions (indicators, groups) live in config.
TEXTS = {
    "share": {"nb": "Andel (%)", "en": "Share (%)"},
    "ci_low": {"nb": "{level} % KI, nedre", "en": "{level}% CI, lower"},
    "ci_high": {"nb": "{level} % KI, øvre", "en": "{level}% CI, upper"},
    "interval": {"nb": "{level} % konfidensintervall", "en": "{level}% confidence interval"},
    "n": {"nb": "Antall svar", "en": "Respondents"},
    "deff": {"nb": "Designeffekt", "en": "Design effect"},
    "group": {"nb": "Gruppe", "en": "Group"},
    "wave": {"nb": "År", "en": "Year"},
    "percent": {"nb": "Prosent", "en": "Per cent"},
    "question": {"nb": "Spørsmål", "en": "Question (Norwegian wording)"},
    "positive": {"nb": "Regnes som positivt svar", "en": "Counted as a positive answer"},
    "synthetic": {
        "nb": "SYNTETISKE DATA – ikke ekte svar. Tallene viser hvordan analysen virker, "
        "ikke hva respondentene mener.",
        "en": "SYNTHETIC DATA – not real responses. The numbers show how the analysis works, "
        "not what respondents think.",
    },
    "suppressed_note": {
        "nb": ": = vises ikke av personvernhensyn (færre enn {minimum} svar i cellen, eller "
        "skjult for at en slik celle ikke skal kunne regnes ut).",
        "en": ": = not shown for confidentiality (fewer than {minimum} respondents in the cell, "
        "or hidden so that such a cell cannot be worked out).",
    },
    "suppressed_short": {"nb": "vises ikke (:)", "en": "not shown (:)"},
    "secondary": {
        "nb": "skjult for å verne en liten celle",
        "en": "hidden to protect a small cell",
    },
    "flag_note": {
        "nb": "† og hul markør = usikkert anslag: effektivt antall svar under {n_eff}, under {df} "
        "frihetsgrader eller et intervall på {width} prosentpoeng eller mer (NCHS-standard). "
        "Vises, men bør leses med forsiktighet.",
        "en": "† and a hollow marker = fragile estimate: effective sample size below {n_eff}, "
        "fewer than {df} degrees of freedom, or an interval {width} percentage points wide or "
        "more (NCHS standards). Shown, but to be read with care.",
    },
    "estimation_note": {
        "nb": "Vektet til populasjonen (raking til {margins}). Designbasert usikkerhet "
        "({variance}, klynger: {cluster}); {method}.",
        "en": "Weighted to the population (raking to {margins}). Design-based uncertainty "
        "({variance}, clusters: {cluster}); {method}.",
    },
    "variance_method_linearised": {"nb": "Taylor-linearisering", "en": "Taylor linearisation"},
    "variance_method_bootstrap": {
        "nb": "bootstrap med {replicates} replikater",
        "en": "bootstrap with {replicates} replicates",
    },
    "korn_graubard": {
        "nb": "Korn–Graubard-intervall (NCHS-standarden)",
        "en": "Korn–Graubard interval (NCHS standard)",
    },
    "beta": {
        "nb": "Korn–Graubard-intervall (R, beta)",
        "en": "Korn–Graubard interval (R, beta)",
    },
    "logit": {"nb": "logit-intervall", "en": "logit interval"},
    "cluster_kommunenummer": {"nb": "kommunen", "en": "the municipality"},
    "cluster_office_id": {"nb": "Nav-kontoret", "en": "the Nav office"},
    "cluster_none": {"nb": "ingen, hver respondent for seg", "en": "none, each respondent"},
    "change": {"nb": "Endring {first}–{last}", "en": "Change {first}–{last}"},
    "change_axis": {
        "nb": "Endring {first}–{last}, prosentpoeng ({level} % KI)",
        "en": "Change {first}–{last}, percentage points ({level}% CI)",
    },
    "change_note": {
        "nb": "Endringen i prosentpoeng med {level} % konfidensintervall; årgangene er "
        "uavhengige utvalg (frihetsgrader etter Welch–Satterthwaite).",
        "en": "The change in percentage points with its {level}% confidence interval; the waves "
        "are independent samples (Welch–Satterthwaite degrees of freedom).",
    },
    "methods": {"nb": "Metode", "en": "Methods"},
    "content": {"nb": "Innhold", "en": "Content"},
    "kind_model": {"nb": "Modell (CSV)", "en": "Model (CSV)"},
    "kind_diagnostics": {"nb": "Vektingsdiagnostikk (CSV)", "en": "Weighting diagnostics (CSV)"},
    "shows_change": {
        "nb": "Endring {first}–{last}, alle indikatorer",
        "en": "Change {first}–{last}, every indicator",
    },
    "shows_diagnostics": {
        "nb": "Vekter per undersøkelse og år, og hver marginal: mål mot oppnådd",
        "en": "Weights per survey and wave, and every margin: target against achieved",
    },
    "caption_model": {
        "nb": "{label}: koeffisienter (log-odds), standardfeil, p, intervall og oddsratio. Også "
        "som tabell i evalueringsrapporten.",
        "en": "{label}: coefficients (log-odds), standard errors, p, interval and odds ratio. "
        "Also as a table in the evaluation report.",
    },
    "caption_diagnostics": {
        "nb": "Vektingsdiagnostikk: antall svar, sum av vekter mot populasjonen, minste, median "
        "og største vekt, CV, Kish' designeffekt, effektivt antall, iterasjoner, trimmede "
        "vekter og hver marginals mål og oppnådde verdi.",
        "en": "Weighting diagnostics: respondents, sum of weights against the population, "
        "smallest, median and largest weight, CV, Kish design effect, effective n, "
        "iterations, trimmed weights and every margin's target and achieved value.",
    },
    "kind_table": {"nb": "Tabell", "en": "Table"},
    "kind_figure": {"nb": "Figur", "en": "Figure"},
    "kind_comparison": {"nb": "Figur", "en": "Figure"},
    "kind_change": {"nb": "Figur", "en": "Figure"},
    "kind_card": {"nb": "Revisjonskort", "en": "Audit card"},
    "kind_methods": {"nb": "Data, vekting og estimering", "en": "Data, weighting and estimation"},
    "kind_document": {"nb": "Evalueringsrapporten (PDF)", "en": "The evaluation report (PDF)"},
    "caption_document": {
        "nb": "Evalueringsrapporten: sammendrag med påstandene prøvd på dataene, ett kapittel per "
        "tema og vedlegg om metode, spørreskjema og proveniens. Også som HTML i results/report/.",
        "en": "The evaluation report: summary with the statements re-tested on the data, one "
        "chapter per theme, and appendices on method, questionnaire and provenance. Also as "
        "HTML in results/report/.",
    },
    "comparisons": {"nb": "Sammenligninger", "en": "Comparisons"},
    "overview": {"nb": "Oversikt", "en": "Overview"},
    "caption_table": {
        "nb": "Prosent med {level} % konfidensintervall og antall svar, etter år og gruppe. "
        "Samme tabell som CSV og XLSX i results/tables/.",
        "en": "Per cent with {level}% confidence interval and respondents, by wave and group. "
        "The same table as CSV and XLSX in results/tables/.",
    },
    "caption_figure": {
        "nb": "Etter år og gruppe, med {level} % konfidensintervall.",
        "en": "By wave and group, with {level}% confidence intervals.",
    },
    "caption_comparison": {
        "nb": "Indikatorene side om side, etter år, med {level} % konfidensintervall.",
        "en": "The indicators side by side, by wave, with {level}% confidence intervals.",
    },
    "caption_change": {
        "nb": "Endring {first}–{last} i prosentpoeng for hver indikator (alle i populasjonen), "
        "med {level} % konfidensintervall.",
        "en": "Change {first}–{last} in percentage points for each indicator (its whole "
        "population), with {level}% confidence intervals.",
    },
    "caption_card": {
        "nb": "Revisjonskortet: definisjonen i config, spørsmålet, hvem den gjelder, antall svar "
        "per år, estimat, intervall, designeffekt og hvilken regel og funksjon som laget tallene.",
        "en": "The audit card: the definition in config, the question, whom it covers, "
        "respondents per wave, estimate, interval, design effect, and which rule and function "
        "made the numbers.",
    },
    "caption_methods": {
        "nb": "Data (rader inn og ut per årgang), vektingsdiagnostikk og estimeringsmetode.",
        "en": "Data (rows in and out per wave), weighting diagnostics and estimation method.",
    },
    "kind_distribution": {"nb": "Svarfordeling", "en": "Answer distribution"},
    "kind_contrasts": {"nb": "Testede forskjeller", "en": "Tested differences"},
    "kind_response": {"nb": "Svarprosent", "en": "Response rates"},
    "kind_model_table": {"nb": "Modell", "en": "Model"},
    "caption_distribution": {
        "nb": "Andel av hver svarkategori og «vet ikke», etter år, med antall svar; usikre "
        "anslag merket †.",
        "en": "The share of each answer and of «don't know», by wave, with respondents; fragile "
        "estimates marked †.",
    },
    "caption_contrasts": {
        "nb": "Testede forskjeller mellom grupper, undersøkelser og år, med {level} % "
        "konfidensintervall, p-verdi og p justert for mange tester (Benjamini–Hochberg).",
        "en": "Tested differences between groups, surveys and waves, with {level}% confidence "
        "intervals, p-values and p adjusted for multiple testing (Benjamini–Hochberg).",
    },
    "caption_response": {
        "nb": "Svarprosent per undersøkelse og år, totalt og for hver vektingsvariabel.",
        "en": "Response rates by survey and wave, overall and by each weighting variable.",
    },
    "caption_model_table": {
        "nb": "Koeffisienter (log-odds), designbaserte standardfeil, oddsforhold med {level} % "
        "konfidensintervall og p-verdi.",
        "en": "Coefficients (log-odds), design-based standard errors, odds ratios with {level}% "
        "confidence intervals and p-values.",
    },
    "caption_odds": {
        "nb": "Oddsforhold med {level} % konfidensintervall (1 = ingen forskjell fra referansen).",
        "en": "Odds ratios with {level}% confidence intervals (1 = no difference from the "
        "reference).",
    },
    "findings": {"nb": "Funn", "en": "Findings"},
    "models": {"nb": "Modeller", "en": "Models"},
    "change_points": {"nb": "Endring (prosentpoeng)", "en": "Change (percentage points)"},
    "not_both_waves": {"nb": "ikke spurt i {wave}", "en": "not asked in {wave}"},
    "survey_not_run": {
        "nb": "undersøkelsen ikke gjennomført i {wave}",
        "en": "survey not run in {wave}",
    },
    "p_value": {"nb": "p-verdi", "en": "p-value"},
    "indicator": {"nb": "Indikator", "en": "Indicator"},
    "definition": {
        "nb": "Andel {population} som svarte «{answers}» på: «{question}»{dont_know}",
        "en": "Share of {population} answering «{answers}» to: «{question}»{dont_know}",
    },
    "dont_know_exclude": {
        "nb": ". «Vet ikke» er holdt utenfor.",
        "en": ". «Don't know» is left out.",
    },
    "dont_know_negative": {
        "nb": ". «Vet ikke» regnes som ikke positivt svar.",
        "en": ". «Don't know» counts as not positive.",
    },
    "or": {"nb": "» eller «", "en": "» or «"},
    "dont_know": {"nb": "«vet ikke»", "en": "«don't know»"},
    "not_asked_note": {"nb": ". = ikke spurt dette året.", "en": ". = not asked that year."},
    "waves_source": {"nb": "{source}, {waves}.", "en": "{source}, {waves}."},
}


@dataclass(frozen=True)
class Labels:
    """Labels from config (indicators, themes, groups) and TEXTS, in one language."""

    config: dict

    @property
    def language(self) -> str:
        return self.config["publication"]["language"]

    @property
    def level(self) -> str:
        return f"{100 * self.config['estimation']['confidence_level']:g}"

    def choose(self, texts: dict[str, dict[str, str]]) -> dict[str, str]:
        """A module's own {key: {nb, en}} texts in the configured language."""
        return {key: value[self.language] for key, value in texts.items()}

    def text(self, key: str, **values) -> str:
        return TEXTS[key][self.language].format(level=self.level, **values)

    def indicator(self, name: str) -> str:
        return self.config["indicators"][name]["label"][self.language]

    def population(self, name: str) -> str:
        return self.config["indicators"][name]["population"][self.language]

    def report_category(self, name: str) -> str:
        """A category of the Snakemake report, numbered so that its menu (which sorts
        alphabetically) shows the overview, then the themes in configured order, then methods."""
        order = ["overview", *self.config["publication"]["themes"], "methods"]
        label = self.text(name) if name in ("overview", "methods") else self.theme(name)
        return f"{order.index(name) + 1:0{len(str(len(order)))}d}. {label}"

    def survey(self, name: str) -> str:
        return self.config["surveys"][name]["label"][self.language]

    def theme(self, name: str) -> str:
        return self.config["publication"]["themes"][name][self.language]

    def breakdown(self, name: str) -> str:
        return self.config["publication"]["breakdowns"][name]["label"][self.language]

    def group(self, breakdown: str, code: str) -> str:
        return self._groups(breakdown)[code][self.language]

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
        method = self.text(self.config["estimation"]["interval"])
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
        answers = TEXTS["or"][self.language].join(
            self.scale_label(scale, code) for code in indicator["positive"]
        )
        return self.text(
            "definition",
            population=self.population(name),
            answers=answers,
            question=item["question"].rstrip("."),
            dont_know=self.text(f"dont_know_{indicator['dont_know']}"),
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
            width=f"{100 * thresholds['max_interval_width']:g}",
        )

    def number(self, value: float, decimals: int = 1) -> str:
        """A number as the language writes it: 4 726,5 in Norwegian, 4,726.5 in English."""
        text = f"{value:,.{decimals}f}"
        if self.language == "en":
            return text
        return text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")


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
    caption files (workflow/report/*.rst) insert: `report_captions("change", wildcards)`.
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
            f"caption_{kind}", label=label, first=change.get("from"), last=change.get("to")
        )
