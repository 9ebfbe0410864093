"""The published outputs of a full run: complete, aggregates only, deterministic, and a report
that opens offline in a real browser with its figures showing."""

import shutil

import openpyxl
import pandas as pd
import pytest
from navpartner.config import change_figures
from privacy import findings, published_files, secrets
from workflow_run import digests, snakemake

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium")
# The flags Chromium needs on a closed machine, plus a dead proxy: no request can leave it.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
]
PUBLISHED = ["results/tables", "results/figures", "results/report"]


def expected_outputs(config) -> list[str]:
    names = list(config["indicators"])
    files = [f"results/tables/{n}.{ext}" for n in names for ext in ("csv", "xlsx", "html")]
    files += [f"results/report/cards/{n}.html" for n in names]
    figures = [*names, *config["publication"]["figures"]]
    figures += [name for name, _ in change_figures(config)]  # one chart, or its parts
    files += [f"results/figures/{n}.{ext}" for n in figures for ext in ("png", "svg")]
    return [*files, "results/tables/indicators.csv", "results/report/methods.html"]


def test_every_table_figure_card_and_the_report_are_made(project, full_run, config):
    for path in [*expected_outputs(config), "results/report.html"]:
        assert (project / path).stat().st_size > 0, path


def test_published_outputs_hold_aggregates_only(project, full_run, config):
    found = secrets(project, config)
    assert len(found.names) > 300 and len(found.numbers) > 300 and len(found.identifiers) > 1000
    problems = {str(p): findings(p, found) for p in published_files(project)}
    assert {path: hits for path, hits in problems.items() if hits} == {}
    table = pd.read_csv(project / "results/tables/indicators.csv")
    shown = table[table["suppressed"].isna()]
    assert (shown["n"] >= config["publication"]["min_cell_size"]).all()
    assert table.loc[table["suppressed"].notna(), "n"].isna().all()


def test_the_scan_finds_what_it_looks_for(project, full_run, config, tmp_path):
    """Planted leaks of each kind, in each file type, are found."""
    found = secrets(project, config)
    harmonised = pd.read_parquet(project / "results/harmonised/kommune_2019.parquet")
    respondent = harmonised["respondent_id"].iloc[0]
    number = harmonised["kommunenummer"].iloc[0]
    name = (
        pd.read_csv(project / "data_raw/frames/municipalities_2019.csv", dtype=str)
        .set_index("kommunenummer")
        .loc[number, "kommune"]
    )
    csv = tmp_path / "leak.csv"
    harmonised[["kommunenummer", "likeverdig"]].head(3).to_csv(csv, index=False)
    html = tmp_path / "leak.html"
    html.write_text(f"<p>Kommune {number}: 40,0 %</p>", encoding="utf-8")
    svg = tmp_path / "leak.svg"
    svg.write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><text>{name}</text></svg>')
    xlsx = tmp_path / "leak.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = f"Svar {respondent}"
    book.save(xlsx)
    assert any("column 'kommunenummer'" in hit for hit in findings(csv, found))
    assert findings(html, found) == [f"municipality number '{number}'"]
    assert findings(svg, found) == [f"municipality name '{name}'"]
    assert findings(xlsx, found) == [f"identifier '{respondent}'"]
    cited = tmp_path / "cited.html"  # 2017, 2004 and 2020 are also municipality numbers
    cited.write_text(
        "<p>(Parker mfl. 2017; Lumley, 2004; AFI-rapport 2020:09) i 2017: 40 %</p>",
        encoding="utf-8",
    )
    assert findings(cited, found) == ["municipality number '2017'"]
    cited.write_text("<p>AFI-rapport 2020:09; kommune 2020:09</p>", encoding="utf-8")
    assert findings(cited, found) == ["municipality number '2020'"]
    broken = tmp_path / "broken.html"  # a region's label over two lines, then a municipality
    broken.write_text("<p>høyest blant Oslo\nog Viken; lavest i Oslo</p>", encoding="utf-8")
    assert findings(broken, found) == ["municipality name 'Oslo'"]


def test_publication_is_byte_identical_when_run_again(project, full_run):
    before = {folder: digests(project / folder) for folder in PUBLISHED}
    for folder in PUBLISHED:
        shutil.rmtree(project / folder)
    result = snakemake(project)  # rebuilds every published file from the same estimates
    assert result.returncode == 0, result.stderr[-3000:]
    after = {folder: digests(project / folder) for folder in PUBLISHED}
    assert after == before


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; .ci/run installs it")
def test_report_opens_offline_and_shows_every_figure(project, full_run, config):
    from navpartner.publish.labels import Labels
    from playwright.sync_api import sync_playwright

    labels = Labels(config)
    leaving = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on(
            "request",
            lambda r: leaving.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        report = (project / "results/report.html").as_uri()
        for name, indicator in config["indicators"].items():
            page.goto(report)
            menu(page, labels.report_category(indicator["theme"]))
            if subcategories(config, indicator["theme"]) > 1:  # else the report skips the menu
                menu(page, labels.report_subcategory(indicator["theme"], name))
            assert shown_image_width(page, labels.text("kind_figure")) > 500, name
            show(page, labels.text("kind_table"))
            assert page.frame_locator("iframe").locator("h1").inner_text() == labels.indicator(name)
        charts = change_figures(config)
        change = config["publication"]["change"]
        for k in range(1, len(charts) + 1):  # each part of the change chart, by its label
            page.goto(report)
            menu(page, labels.report_category("overview"))
            shown = labels.text("shows_change", first=change["from"], last=change["to"])
            if len(charts) > 1:
                shown = labels.text("part_of", title=shown, k=k, n=len(charts))
            assert shown_image_width(page, shown) > 500, shown
        page.goto(report)
        front = page.locator("body").inner_text()
        assert labels.text("synthetic") in " ".join(front.split())
        categories = ["overview", *config["publication"]["themes"], "findings", "methods"]
        shown = [front.index(labels.report_category(name)) for name in categories]
        assert shown == sorted(shown)  # the menu in configured order
        assert labels.text("caption_workflow_contents") in front  # opens on the report's parts
        title = page.get_by_text(labels.text("caption_workflow_title")).first.bounding_box()
        assert title["y"] >= 0  # the front page starts at its top (not centred, cut off)
        assert title["x"] >= page.locator("nav").first.bounding_box()["width"]  # beside the menu
        menu(page, labels.report_category("overview"))
        assert page.locator("tr", has_text=labels.text("kind_document")).count() == 1
        browser.close()
    assert leaving == []


def subcategories(config: dict, theme: str) -> int:
    """The report's subcategories of a theme: its indicators, and one for comparisons."""
    indicators = [n for n, spec in config["indicators"].items() if spec["theme"] == theme]
    figures = config["publication"]["figures"].values()
    return len(indicators) + any(f["indicators"][0] in indicators for f in figures)


def menu(page, entry: str) -> None:
    """Open a category or subcategory (the menu comes before the description's words)."""
    page.get_by_text(entry, exact=True).first.click()


def show(page, kind: str) -> None:
    """Click the eye of the report entry of this kind in the open category."""
    page.locator("tr", has_text=kind).locator("a[iconname=eye]").click()


def shown_image_width(page, kind: str) -> int:
    show(page, kind)
    image = page.locator("img[src^='data:image/png']")
    image.wait_for()
    return image.evaluate("i => i.complete ? i.naturalWidth : 0")
