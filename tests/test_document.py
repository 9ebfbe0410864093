"""The evaluation report as a reader gets it: the PDF's text, the HTML in a browser, both
languages, and the typesetting of texts that look like markup."""

import copy
import re
import shutil
import subprocess

import pandas as pd
import pytest
from navpartner.claims import FAILS, HOLDS, INCONCLUSIVE, NOT_TESTABLE
from navpartner.config import change_figures, distribution_figures
from navpartner.config.views import DISTRIBUTION_PANELS
from navpartner.document import typeset
from navpartner.document.authored import RESULTS, read_index
from navpartner.document.blocks import Heading, Paragraph, Table, Title
from navpartner.document.report import with_flags
from navpartner.publish.labels import Labels
from navpartner.publish.steps import read_published
from test_published_outputs import CHROMIUM, CHROMIUM_FLAGS

PDFTOTEXT = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext is not installed; .ci/run installs poppler-utils"
)
PDF = "results/report/evaluation_report.pdf"
HTML = "results/report/evaluation_report.html"


def pdf_pages(path) -> list[str]:
    text = subprocess.run(
        [PDFTOTEXT, "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def flat(text: str) -> str:
    """The words as written: hyphenation (soft hyphens) undone, line breaks made spaces."""
    return " ".join(text.replace("\xad\n", "").replace("\xad", "").split())


@needs_poppler
def test_texts_that_look_like_markup_are_typeset_as_written(tmp_path):
    tricky = 'Andel #1 *ikke* fet, _ikke_ kursiv, $x$, <a> @b, "sitat" og \\ skråstrek'
    blocks = [
        Title("Tittel", "Undertittel", []),
        Heading(tricky),
        Paragraph(tricky),
        Table("Tabell", ["A", "B"], [[tricky, "1,0"]], [2, 1], [False, True]),
    ]
    source = typeset.typst_source(blocks, "nb", "SYNTETISKE DATA – test. Mer tekst")
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(typeset.compile_pdf(source))
    pages = pdf_pages(pdf)
    assert flat(pages[1]).count(tricky) == 3
    assert "SYNTETISKE DATA – test" in pages[1] and "Mer tekst" in pages[0]


@needs_poppler
@pytest.mark.parametrize("rows", [1, typeset.LONG_TABLE + 1])  # whole, and breaking over pages
def test_no_word_is_hyphenated_inside_a_table_cell(tmp_path, rows):
    """Long words in narrow columns (the review appendix's paths, compound nouns) break only
    at spaces: Typst hyphenates justified text by default."""
    long_words = "Kontorundersøkelsen kommunestørrelsesgruppene arbeidsinkluderingsdepartementet"
    cells = [long_words, "report/nb/likeverdighet.md", long_words]
    table = Table("Tabell", ["Setning", "Fil", "Før"], [cells] * rows, [1, 1, 1], [False] * 3)
    source = typeset.typst_source([Title("T", "U", []), table], "nb", "")
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(typeset.compile_pdf(source))
    text = "\n".join(pdf_pages(pdf)[1:])
    assert "\xad" not in text and "-\n" not in text
    for word in long_words.split():
        assert word in text


@pytest.mark.slow
@needs_poppler
def test_pdf_has_every_chapter_the_claims_and_the_stamp_on_every_page(project, full_run, config):
    labels = Labels(config)
    pages = pdf_pages(project / PDF)
    assert len(pages) > 10
    stamp = labels.text("synthetic").split(". ")[0]
    assert all(stamp in page for page in pages), [i for i, p in enumerate(pages) if stamp not in p]
    text = flat("\n".join(pages))
    themes = [labels.theme(theme) for theme in config["publication"]["themes"]]
    positions = [text.index(theme, text.index("Sammendrag") + 1) for theme in themes]
    assert positions == sorted(positions)  # chapters in the configured order
    # each chapter (numbered after the evaluator's chapters before it, report/index.yaml)
    # ends with its answer distributions
    before = read_index(project / "report")["main"].index(RESULTS)
    body = text.index("Leserveiledning", text.index("Sammendrag", text.index("Tabeller")))
    starts = [text.index(f"{before + i} {theme} ", body) for i, theme in enumerate(themes, 1)]
    ends = [*starts[1:], text.rindex("Vedlegg A: Metode")]
    for theme, start, end in zip(themes, starts, ends, strict=True):
        assert f"Svarfordeling: {theme}" in text[start:end], theme
    for name in config["indicators"]:
        assert labels.indicator(name) in text, name
    for heading in ["Vedlegg A: Metode", "Vedlegg B: Spørreskjema", "Vedlegg C: Proveniens"]:
        assert heading in text
    flagged = with_flags(
        read_published(project / "results/tables/indicators.csv"),
        pd.read_parquet(project / "results/estimates/indicators.parquet"),
        config,
    )["flagged"]
    assert ("† = usikkert estimat" in text) == flagged.any()  # flagged, never hidden
    assert text.count("†") >= flagged.sum()  # (the figures may mark them too)
    # the summary opens on its key findings; the claims table follows them over as many
    # pages as it takes (the change chart floating among them), up to the reading guide
    first = next(i for i, page in enumerate(pages) if "Rapporten gir vektede" in page)
    last = next(i for i, page in enumerate(pages[first:], first) if "Leserveiledning" in page)
    summary = flat("\n".join(pages[first:last]))
    assert summary.index("Hovedfunn") < summary.index("Påstandene prøvd på dataene")
    assert "Publiserte påstander prøvd på dataene" in summary
    for claim in config["claims"]["statements"].values():
        assert claim["statement"]["nb"] in summary


@pytest.mark.slow
def test_every_answer_chart_prints_at_the_full_text_width(project, full_run, config):
    """No chart of a theme's answers is so tall that the report must narrow it to fit a page
    with its heading: a theme of many items is split into charts of a few panels each."""
    for theme in config["publication"]["themes"]:
        for name, indicators in distribution_figures(config, theme):
            assert len(indicators) <= DISTRIBUTION_PANELS, name
            svg = project / "results/figures" / f"{name}.svg"
            assert typeset._width_fitting_a_page(svg) == "100.0%", name


@pytest.mark.slow
def test_every_default_claim_has_a_verdict_and_its_evidence(project, full_run, config):
    claims = pd.read_csv(project / "results/tables/claims.csv")
    assert list(claims["claim"]) == list(config["claims"]["statements"])
    assert set(claims["verdict"]) <= {HOLDS, FAILS, INCONCLUSIVE, NOT_TESTABLE}
    levels = claims[claims["form"] == "level"]
    assert levels["estimate"].between(levels["estimate_ci_low"], levels["estimate_ci_high"]).all()
    tested = claims[claims["verdict"] != INCONCLUSIVE]
    assert tested["estimate"].notna().all()


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; .ci/run installs it")
def test_html_report_opens_offline_with_every_figure_shown(project, full_run, config):
    from playwright.sync_api import sync_playwright

    labels = Labels(config)
    charts = [  # each theme's answer distributions, in one chart or several
        name
        for theme in config["publication"]["themes"]
        for name, _ in distribution_figures(config, theme)
    ]
    charts += [name for name, _ in change_figures(config)]  # the change chart, or its parts
    expected = (  # every indicator, comparison, distribution and change chart
        len(config["indicators"]) + len(config["publication"]["figures"]) + len(charts)
    )
    leaving = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.on(
            "request",
            lambda r: leaving.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        page.goto((project / HTML).as_uri())
        images = page.locator("figure img")
        assert images.count() == expected
        for index in range(images.count()):
            image = images.nth(index)
            image.scroll_into_view_if_needed()
            assert image.evaluate("i => i.complete && i.naturalWidth > 0"), index
            assert image.bounding_box()["width"] > 500, index
        assert page.locator(".stamp").inner_text() == labels.text("synthetic").split(". ")[0]
        assert page.locator("table").count() >= len(config["indicators"]) + 1
        browser.close()
    assert leaving == []


@pytest.mark.slow
@needs_poppler
def test_english_report_speaks_english_throughout(project, full_run, config, tmp_path):
    from navpartner.document.report import write_document

    english = copy.deepcopy(config)
    english["publication"]["language"] = "en"
    results = project / "results"
    pdf, html = tmp_path / "report.pdf", tmp_path / "report.html"
    write_document(
        english,
        published=str(results / "tables/indicators.csv"),
        estimates=str(results / "estimates/indicators.parquet"),
        changes=str(results / "tables/changes.csv"),
        claims=str(results / "tables/claims.csv"),
        estimate_audits=sorted(str(p) for p in (results / "estimates").glob("*.audit.json")),
        harmonise_audits=sorted(str(p) for p in (results / "harmonised").glob("*.audit.json")),
        diagnostics=str(results / "weights/diagnostics.csv"),
        models=sorted(str(p) for p in (results / "models").glob("*.csv")),
        figures=sorted(str(p) for p in (results / "figures").glob("*.svg")),
        pdf=str(pdf),
        html=str(html),
    )
    text = flat("\n".join(pdf_pages(pdf)))
    for words in [
        "Summary",
        "Appendix A: Method",
        "The office survey (staff of the Nav offices)",
        "broke off before the first question",
        "1 Strongly disagree – 5 Strongly agree",
        "About 80% of advisers work in teams",
        "SYNTHETIC DATA",
    ]:
        assert words in text, words
    typeset_text = text.split("Appendix A: Method")[-1]  # no figure (made in nb) after it
    for norwegian in ["Kontorundersøkelsen", "avbrutt", "Helt uenig", "Vedlegg", "Påstand"]:
        assert norwegian not in typeset_text, norwegian
    assert "Sammendrag" not in html.read_text(encoding="utf-8")


@pytest.mark.slow
@needs_poppler
def test_privacy_scan_reads_the_pdf_and_the_figures_inside_the_html(
    project, full_run, config, tmp_path
):
    import base64

    from privacy import findings, secrets

    found = secrets(project, config)
    name = sorted(found.names)[0]
    pdf = tmp_path / "leak.pdf"
    blocks = [Title("Tittel", "", []), Paragraph(f"Svarene fra {name} viser 40,0 %.")]
    pdf.write_bytes(typeset.compile_pdf(typeset.typst_source(blocks, "nb", "")))
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{name}</text></svg>'
    data = base64.b64encode(svg.encode()).decode()
    html = tmp_path / "leak.html"
    html.write_text(f'<p>Figur</p><img src="data:image/svg+xml;base64,{data}">', encoding="utf-8")
    assert findings(pdf, found) == [f"municipality name '{name}'"]
    assert findings(html, found) == [f"municipality name '{name}'"]


# A number in the report's Norwegian: "−14,2", "1 234,5" (no-break spaces group thousands).
NUMBER = r"−?\d[\d\u00a0\u202f ]*,\d"
INTERVAL = re.compile(rf"KI ({NUMBER}) til ({NUMBER})")


def _value(text: str) -> float:
    return float(re.sub(r"[\u00a0\u202f ]", "", text).replace("−", "-").replace(",", "."))


def unexplained_uncertainty(text: str) -> list[str]:
    """The sentences that call a change not statistically sure while an interval they print
    excludes zero, without the reason (the adjustment for many comparisons)."""
    sentences = re.split(r"(?<=[.?!])\s+(?=[A-ZÆØÅ])", re.sub(r"\s+", " ", text))
    return [
        sentence
        for sentence in sentences
        if "ikke statistisk sikker" in sentence
        and "etter justering for" not in sentence
        and any(_value(low) > 0 or _value(high) < 0 for low, high in INTERVAL.findall(sentence))
    ]


def test_the_scan_finds_an_uncertain_change_whose_interval_excludes_zero():
    planted = (
        "I 2019 var andelen 73,4 %. Endringen på −7,3 prosentpoeng (95 % KI −14,2 til −0,3) er "
        "ikke statistisk sikker. Endringen (+6,9 prosentpoeng, 95 % KI −2,8 til 16,7) er ikke "
        "statistisk sikker. Intervallet for endringen (−7,3 prosentpoeng, 95 % KI −14,2 til "
        "−0,3) utelukker null, men endringen er ikke statistisk sikker etter justering for 394 "
        "sammenligninger."
    )
    assert unexplained_uncertainty(planted) == [
        "Endringen på −7,3 prosentpoeng (95 % KI −14,2 til −0,3) er ikke statistisk sikker."
    ]


@pytest.mark.slow
def test_no_sentence_calls_a_change_uncertain_beside_an_interval_excluding_zero_without_why(
    project, full_run
):
    """Every sentence of the report as published (the HTML's text)."""
    html = (project / HTML).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1])
    assert "ikke statistisk sikker" in text  # the default data have changes that are not clear
    assert unexplained_uncertainty(text) == []


@pytest.mark.slow
@needs_poppler
def test_a_planted_verdict_change_is_listed_in_the_review_appendix_or_stops(
    project, full_run, config, tmp_path
):
    """The default chapters, their lock saying the claim under a sentence of the team
    chapter held no longer: the sentence is listed with file, line, before and after; under
    strict_prose the report stops naming the file and line."""
    import yaml
    from navpartner.document.authored import ProseError
    from navpartner.document.report import write_document

    prose = tmp_path / "report"
    shutil.copytree(project / "report", prose)
    lock_path = prose / "nb" / "approved.lock.yaml"
    lock = yaml.safe_load(lock_path.read_text(encoding="utf-8"))
    entry = lock["nb/team.md"]["claim team_om_lag_80 #1"]
    assert entry["verdict"] == HOLDS
    entry["verdict"] = FAILS  # what the author approved before the (planted) new wave
    lock_path.write_text(yaml.safe_dump(lock, allow_unicode=True), encoding="utf-8")
    results = project / "results"
    inputs = dict(
        published=str(results / "tables/indicators.csv"),
        estimates=str(results / "estimates/indicators.parquet"),
        changes=str(results / "tables/changes.csv"),
        claims=str(results / "tables/claims.csv"),
        contrasts=str(results / "estimates/contrasts.parquet"),
        estimate_audits=sorted(str(p) for p in (results / "estimates").glob("*.audit.json")),
        harmonise_audits=sorted(str(p) for p in (results / "harmonised").glob("*.audit.json")),
        diagnostics=str(results / "weights/diagnostics.csv"),
        models=sorted(str(p) for p in (results / "models").glob("*.csv")),
        figures=sorted(str(p) for p in (results / "figures").glob("*.svg")),
        pdf=str(tmp_path / "r.pdf"),
        html=str(tmp_path / "r.html"),
        prose=str(prose),
    )
    write_document(config, **inputs)
    appendix = flat(pdf_pages(tmp_path / "r.pdf")[-1])
    line = next(
        number
        for number, text in enumerate(
            (prose / "nb" / "team.md").read_text(encoding="utf-8").splitlines(), start=1
        )
        if "claim team_om_lag_80" in text
    )
    assert "Setninger til ny gjennomlesning" in appendix
    assert "report/nb/" in appendix and f"team.md {line} " in appendix
    assert "{{ claim team_om_lag_80 }}" in appendix
    assert "holder ikke holder" in appendix  # approved, now

    strict = copy.deepcopy(config)
    strict["publication"]["strict_prose"] = True
    with pytest.raises(ProseError, match=rf"team.md: line {line} - 1 referenced"):
        write_document(strict, **inputs)
