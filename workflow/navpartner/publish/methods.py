"""The report's methods page: the data, the weighting diagnostics, and how estimates are made."""

from __future__ import annotations

import html

import pandas as pd

from navpartner.publish.labels import Labels
from navpartner.publish.sheets import html_document

DIAGNOSTICS = [  # weights/diagnostics.csv statistic -> decimals shown
    ("n", 0),
    ("frame_total", 0),
    ("min_weight", 2),
    ("median_weight", 2),
    ("max_weight", 2),
    ("cv", 2),
    ("deff_kish", 2),
    ("effective_n", 0),
    ("trimmed", 0),
    ("iterations", 0),
]
TEXTS = {
    "title": {"nb": "Metode", "en": "Methods"},
    "data": {"nb": "Data", "en": "Data"},
    "data_intro": {
        "nb": "Hver årgang leses fra leverandørens fil, harmoniseres etter krysstabellen i "
        "config.yaml og kontrolleres. Tabellen viser hvor mange rader som kom inn, hvor mange "
        "som ble holdt utenfor og hvorfor, og hvor mange som ble brukt.",
        "en": "Each wave is read from the vendor's file, harmonised by its crosswalk in "
        "config.yaml and checked. The table shows how many rows came in, how many were left "
        "out and why, and how many were used.",
    },
    # Dates as 1.1.2020: a bare four-digit number in a published text reads as a municipality
    # number to the privacy scan, and the few municipalities that moved are counted, not named.
    "geography": {
        "nb": "Hver årgang kontrolleres mot, vektes etter og brytes ned på kommunelisten for sitt "
        "eget år (SSB, folketall 1. januar). Kommunereformen 1.1.2020 slo sammen, delte og "
        "nummererte om kommuner (422 ble 356) og fylker (19 ble 11); 1.1.2024 ble tre fylker "
        "delt igjen og kommunene der fikk nye numre (357 kommuner). Sammenligninger over tid "
        "gjøres derfor på de seks landsdelene, som reformene ikke endret bortsett fra fire "
        "kommuner som i den første reformen flyttet over en landsdelsgrense, og på "
        "kommunestørrelse slik den var det året; aldri kommune for kommune.",
        "en": "Each wave is checked against, weighted to and broken down by the municipality "
        "list of its own year (Statistics Norway, population on 1 January). The reform of "
        "1.1.2020 merged, split and renumbered municipalities (422 became 356) and counties "
        "(19 became 11); on 1.1.2024 three counties split again and their municipalities were "
        "renumbered (357 municipalities). Comparisons over time are therefore made on the six "
        "regions, which the reforms left unchanged but for four municipalities that crossed a "
        "region border in the first reform, and on municipality size as it was in each year; "
        "never municipality by municipality.",
    },
    "survey_wave": {"nb": "Undersøkelse og år", "en": "Survey and wave"},
    "file_label": {"nb": "Filens merking", "en": "The file's label"},
    "rows_in": {"nb": "Rader inn", "en": "Rows in"},
    "dropped": {"nb": "Holdt utenfor", "en": "Left out"},
    "rows_out": {"nb": "Rader ut", "en": "Rows out"},
    "weighting": {"nb": "Vekting", "en": "Weighting"},
    "weighting_intro": {
        "nb": "Svarprosenten er lav, så hvert svar vektes slik at utvalget gjenspeiler "
        "populasjonen: basisvekten (1, alle ble invitert) rakes til populasjonens fordeling på "
        "{margins}{trim}. Kish' designeffekt av vektingen og effektivt antall svar viser hva "
        "vektingen koster i presisjon; CV er vektenes variasjonskoeffisient.",
        "en": "Response rates are low, so each response is weighted for the sample to "
        "reflect the population: the base weight (1, everyone was invited) is raked to the "
        "population's distribution over {margins}{trim}. Kish's design effect of weighting "
        "and the effective number of responses show what the weighting costs in precision; "
        "CV is the weights' coefficient of variation.",
    },
    "and": {"nb": "og", "en": "and"},
    "trim_median": {
        "nb": ", og trimmes til mellom {lower} og {upper} ganger medianvekten",
        "en": ", and trimmed to between {lower} and {upper} times the median weight",
    },
    "trim_absolute": {
        "nb": ", og trimmes til mellom {lower} og {upper}",
        "en": ", and trimmed to between {lower} and {upper}",
    },
    "estimation": {"nb": "Estimering", "en": "Estimation"},
    "estimation_text": {
        "nb": [
            "Alle andeler er designbaserte: vektene, klyngene ({clusters}) og eventuelle strata "
            "inngår. Variansen er Taylor-linearisert; {variance}",
            "Grupper (etter stilling, arbeidsgiver, landsdel osv.) estimeres som domener i hele "
            "utvalget, ikke ved å dele opp designet, slik at variansen tar hensyn til at "
            "gruppens størrelse også er tilfeldig.",
            "Intervallene er {level} % {method}. Designeffekten (deff) sammenligner variansen "
            "med et enkelt tilfeldig utvalg av samme størrelse. Etter NCHS-standarden for "
            "andeler (Parker mfl. 2017) kan det effektive antallet svar aldri overstige det "
            "faktiske: en designeffekt under 1, som små grupper i få kommuner ofte får ved en "
            "tilfeldighet, regnes som 1, både i intervallet og i merkingen av usikre tall.",
            "En gruppe sammenlignes med resten av populasjonen (eller en referansegruppe) i samme "
            "utvalg, med kovariansen mellom dem. Frihetsgradene følger Welch–Satterthwaite ut fra "
            "hver sides varians og frihetsgrader, slik at en liten gruppe gir få frihetsgrader "
            "og et bredere intervall.",
            "Alle kommuner ble invitert, og om lag en tredjedel svarte. {fpc}",
            "Endring mellom to år er differansen mellom årenes andeler; årgangene er "
            "uavhengige utvalg, og frihetsgradene følger Welch–Satterthwaite.",
            "Personvern: celler med færre enn {minimum} svar vises ikke (:), og en celle til "
            "skjules der en sum ellers ville avsløre den. Publiserte tabeller og figurer "
            "inneholder bare aggregater.",
        ],
        "en": [
            "Every share is design-based: weights, clusters ({clusters}) and any strata are "
            "honoured. The variance is by Taylor linearisation; {variance}",
            "Groups (by position, employer, region and so on) are estimated as domains of the "
            "whole sample, never by subsetting the design, so the variance allows for the "
            "group's size being random too.",
            "Intervals are {level}% {method}. The design effect (deff) compares the variance "
            "with that of a simple random sample of the same size. Following the NCHS standard "
            "for proportions (Parker et al. 2017), the effective number of responses never "
            "exceeds the actual one: a design effect below 1, which small groups in few "
            "municipalities often show by chance, counts as 1, in the interval and in the "
            "reliability flags.",
            "A group is compared with the rest of the population (or a reference group) in the "
            "same sample, with the covariance between them. The degrees of freedom are "
            "Welch–Satterthwaite's from each side's variance and degrees of freedom, so a small "
            "group gives few degrees of freedom and a wider interval.",
            "Every municipality was invited and about a third answered. {fpc}",
            "A change between two waves is the difference of the waves' shares; the waves are "
            "independent samples, with Welch–Satterthwaite degrees of freedom.",
            "Confidentiality: cells with fewer than {minimum} respondents are not shown (:), "
            "and one more cell is hidden where a total would otherwise reveal it. Published "
            "tables and figures hold aggregates only.",
        ],
    },
    "fpc_none": {
        "nb": "Variansen regner kommunene som trukket med tilbakelegging, uten "
        "endelighetskorreksjon: svarene ses som ett av mange mulige utfall av hvem som svarer, "
        "og det gir forsiktige (noe for brede) intervaller.",
        "en": "The variance treats the municipalities as drawn with replacement, without a "
        "finite population correction: the answers are seen as one of many possible outcomes "
        "of who responds, which gives cautious (somewhat wide) intervals.",
    },
    "fpc_frame": {
        "nb": "Variansen har endelighetskorreksjon: hvert stratums varians ganges med 1 − n/N, "
        "der n er kommunene med svar og N kommunene i årets kommuneliste (R: svydesign(fpc)). "
        "Det forutsetter at de som svarte, står for kommunen sin; modellene regnes uten "
        "korreksjonen.",
        "en": "The variance has a finite population correction: each stratum's variance is "
        "multiplied by 1 − n/N, n the municipalities with respondents and N those in the "
        "wave's frame (R: svydesign(fpc)). It assumes that those who answered stand for their "
        "municipality; the models are computed without the correction.",
    },
    "variance_calibrated": {
        "nb": "den tar hensyn til rakingen (som R-pakken survey gjør for calibrate).",
        "en": "it allows for the raking (as R's survey package does for calibrate).",
    },
    "variance_fixed_weights": {
        "nb": "vektene behandles som faste.",
        "en": "the weights are treated as fixed.",
    },
    "variance_bootstrap": {
        "nb": "for alle andeler, endringer, kontraster, tester og modellkoeffisienter brukes i "
        "stedet replikatvekter: en Rao–Wu-bootstrap av klyngene innen strata, med rakingen "
        "gjort på nytt i hvert replikat. Frihetsgradene er designets (klynger minus strata).",
        "en": "for every share, change, contrast, test and model coefficient, replicate weights "
        "are used instead: a Rao–Wu bootstrap of the clusters within strata, with the raking "
        "redone in every replicate. The degrees of freedom are the design's (clusters less "
        "strata).",
    },
}
STATISTICS = {
    "n": {"nb": "Svar", "en": "Responses"},
    "frame_total": {"nb": "Populasjon", "en": "Population"},
    "min_weight": {"nb": "Minste vekt", "en": "Smallest weight"},
    "median_weight": {"nb": "Medianvekt", "en": "Median weight"},
    "max_weight": {"nb": "Største vekt", "en": "Largest weight"},
    "cv": {"nb": "CV", "en": "CV"},
    "deff_kish": {"nb": "Kish' deff", "en": "Kish deff"},
    "effective_n": {"nb": "Effektivt antall", "en": "Effective n"},
    "trimmed": {"nb": "Trimmede vekter", "en": "Trimmed weights"},
    "iterations": {"nb": "Iterasjoner", "en": "Iterations"},
}


def methods_page(
    harmonise_audits: list[dict], diagnostics: pd.DataFrame, config: dict, response: str = ""
) -> str:
    """response: the HTML section on response rates and weighting's effect, placed after the
    weighting diagnostics."""
    labels = Labels(config)
    text = labels.choose(TEXTS)
    body = [
        f"<h1>{text['title']}</h1>",
        f"<h2>{text['data']}</h2>",
        f"<p>{text['data_intro']}</p>",
        _data_table(harmonise_audits, config, labels, text),
        f"<p>{text['geography']}</p>",
        f"<h2>{text['weighting']}</h2>",
        *(_weighting_intro(config, survey, labels) for survey in config["surveys"]),
        _diagnostics_table(diagnostics, config, labels),
        response,
        f"<h2>{text['estimation']}</h2>",
        *(f"<p>{html.escape(p)}</p>" for p in _estimation_text(config, labels, text)),
    ]
    return html_document(text["title"], "\n".join(body) + "\n", config)


def _survey_wave(config: dict, survey: str, wave) -> str:
    return f"{Labels(config).survey(survey)} {wave}"


def _data_table(audits: list[dict], config: dict, labels: Labels, text: dict) -> str:
    head = [text[k] for k in ("survey_wave", "file_label", "rows_in", "dropped", "rows_out")]
    rows = []
    for audit in sorted(audits, key=lambda a: (a["survey"], a["wave"])):
        dropped = "<br>".join(
            f"{html.escape(labels.reason(d['reason']))}: {labels.number(d['rows'], 0)}"
            for d in audit["dropped"]
        )
        cells = [
            html.escape(audit.get("source_file_label", "")),
            labels.number(audit["rows_in"], 0),
            dropped or "0",
            labels.number(audit["rows_out"], 0),
        ]
        rows.append(_row(html.escape(_survey_wave(config, audit["survey"], audit["wave"])), cells))
    return _table(head, rows)


def _weighting_intro(config: dict, survey: str, labels: Labels) -> str:
    intro = weighting_intro(config, survey, labels)
    return f"<p><b>{html.escape(labels.survey(survey))}.</b> {html.escape(intro)}</p>"


def weighting_intro(config: dict, survey: str, labels: Labels) -> str:
    """How a survey's weights were made: its margins and the trimming, in the language's
    numbers."""
    text = labels.choose(TEXTS)
    *rest, last = [
        labels.breakdown(m).lower() for m in config["surveys"][survey]["weighting"]["margins"]
    ]
    margins = f"{', '.join(rest)} {text['and']} {last}" if rest else last
    trim = config["weighting"].get("trim")
    bounds = (
        text[f"trim_{trim['relative_to']}"].format(
            lower=labels.number(trim["lower"], _decimals(trim["lower"])),
            upper=labels.number(trim["upper"], _decimals(trim["upper"])),
        )
        if trim
        else ""
    )
    return text["weighting_intro"].format(margins=margins, trim=bounds)


def _decimals(value: float) -> int:
    """As many decimals as the configured bound has (0.3 -> 1, 3 -> 0, 0.25 -> 2)."""
    return len(f"{value:g}".partition(".")[2])


def _diagnostics_table(diagnostics: pd.DataFrame, config: dict, labels: Labels) -> str:
    summary = diagnostics[diagnostics["statistic"].isin([name for name, _ in DIAGNOSTICS])]
    waves = summary.pivot_table(
        index=["survey", "wave"], columns="statistic", values="value", aggfunc="first"
    )
    names = labels.choose(STATISTICS)
    head = [names[name] for name, _ in DIAGNOSTICS]
    rows = []
    for (survey, wave), values in waves.iterrows():
        cells = [labels.number(values[name], decimals) for name, decimals in DIAGNOSTICS]
        rows.append(_row(html.escape(_survey_wave(config, survey, wave)), cells))
    return _table(["", *head], rows)


def estimation_paragraphs(config: dict) -> list[str]:
    """How estimates, intervals and suppression work, as plain paragraphs (the evaluation
    report prints the same text)."""
    labels = Labels(config)
    return _estimation_text(config, labels, labels.choose(TEXTS))


def _estimation_text(config: dict, labels: Labels, text: dict) -> list[str]:
    clusters = "; ".join(
        f"{labels.survey(survey)}: {labels.cluster(survey)}" for survey in config["surveys"]
    )
    values = {
        "clusters": clusters,
        "variance": text[f"variance_{config['estimation']['variance']}"],
        "method": labels.text(config["estimation"]["interval"]),
        "fpc": text[f"fpc_{config['estimation'].get('fpc', 'none')}"],
        "minimum": config["publication"]["min_cell_size"],
        "level": labels.level,
    }
    return [paragraph.format(**values) for paragraph in TEXTS["estimation_text"][labels.language]]


def _row(label: str, cells) -> str:
    return f"<tr><th>{label}</th>{''.join(f'<td>{cell}</td>' for cell in cells)}</tr>"


def _table(head: list[str], rows: list[str]) -> str:
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
