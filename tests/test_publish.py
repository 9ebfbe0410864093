"""Publication: disclosure control, tables, figures and cards, on small hand-made estimates."""

import copy
import json
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from navpartner.config import distribution_figures
from navpartner.errors import ConfigError
from navpartner.publish import figures, labels, steps
from navpartner.publish.labels import SYNTHETIC_MARK
from navpartner.publish.suppress import PRIMARY, SECONDARY, suppression_marks
from navpartner.publish.tables import published_changes, published_estimates
from navpartner.synth.vendor import FILE_LABEL

INDICATOR = "likeverdig_radmenn"  # kommune survey; breakdowns total, size_class, region
SIZES = ["under_3000", "3000_4999", "5000_9999", "10000_19999", "20000_49999", "50000_plus"]


def estimate_rows(wave: int, groups: dict[str, tuple[int, float]], breakdown="size_class"):
    """Both interval methods' rows for the groups of one breakdown plus their total."""
    total_n = sum(n for n, _ in groups.values())
    total_p = sum(n * p for n, p in groups.values()) / total_n
    cells = [("total", "total", total_n, total_p)]
    cells += [(breakdown, group, n, p) for group, (n, p) in groups.items()]
    rows = []
    for method in ("korn_graubard", "logit"):
        for breakdown_name, group, n, p in cells:
            se = np.sqrt(p * (1 - p) / n)
            rows.append(
                {
                    "indicator": INDICATOR,
                    "survey": "kommune",
                    "wave": wave,
                    "breakdown": breakdown_name,
                    "group": group,
                    "n": n,
                    "estimate": p,
                    "se": se,
                    "ci_low": max(p - 2 * se, 0.0),
                    "ci_high": min(p + 2 * se, 1.0),
                    "deff": 1.1,
                    "df": n - 1,
                    "method": method,
                    "population_estimate": 3.0 * n,
                    "variance": se**2,
                    "flagged": n < 10,  # the reliability flag the estimates table carries
                }
            )
    return rows


@pytest.fixture
def estimates() -> pd.DataFrame:
    """2011: one small size class (n=3); 2019: all size classes large."""
    small_2011 = dict(
        zip(SIZES, [(40, 0.2), (30, 0.25), (20, 0.3), (12, 0.4), (9, 0.5), (3, 0.6)], strict=True)
    )
    large_2019 = dict(
        zip(SIZES, [(35, 0.3), (25, 0.2), (22, 0.4), (15, 0.5), (11, 0.3), (8, 0.7)], strict=True)
    )
    return pd.DataFrame(estimate_rows(2011, small_2011) + estimate_rows(2019, large_2019))


@pytest.fixture
def differences(estimates) -> pd.DataFrame:
    from navpartner.indicators import wave_differences

    return wave_differences(estimates)


def test_suppression_marks_closed_cases():
    assert list(suppression_marks([10, 3, 20], 5)) == [SECONDARY, PRIMARY, ""]
    assert list(suppression_marks([3, 4, 20], 5)) == [PRIMARY, PRIMARY, ""]  # hide each other
    assert list(suppression_marks([10, 20], 5)) == ["", ""]
    assert list(suppression_marks([4], 5)) == [PRIMARY]  # a lone cell has no partner
    assert list(suppression_marks([5, 6], 5)) == ["", ""]  # the minimum itself is shown


def test_no_breakdown_ever_hides_exactly_one_group():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        counts = rng.integers(0, 15, size=rng.integers(2, 8))
        marks = suppression_marks(counts, 5)
        assert all(marks[counts < 5] == PRIMARY)
        assert (marks != "").sum() != 1
        assert (marks == SECONDARY).sum() <= 1


def test_small_cell_and_its_partner_are_marked_not_dropped(estimates, config):
    table = published_estimates(estimates, config)
    assert len(table) == len(estimates) // 2  # one row per cell, configured interval only
    in_2011 = table[(table["wave"] == 2011) & (table["breakdown"] == "size_class")]
    marks = dict(zip(in_2011["group"], in_2011["suppressed"], strict=True))
    assert marks["50000_plus"] == PRIMARY  # n = 3
    assert marks["20000_49999"] == SECONDARY  # the smallest other group, n = 9
    assert all(marks[g] == "" for g in SIZES[:4])
    hidden = table[table["suppressed"] != ""]
    assert hidden[["n", "percent", "ci_low", "ci_high", "se", "deff"]].isna().all().all()
    shown = table[(table["wave"] == 2019) & (table["group"] == "50000_plus")].iloc[0]
    assert shown["n"] == 8 and shown["percent"] == 70.0  # n = 8 is above the minimum


def test_minimum_comes_from_config(estimates, config):
    strict = copy.deepcopy(config)
    strict["publication"]["min_cell_size"] = 10
    marks = published_estimates(estimates, strict).set_index(["wave", "group"])["suppressed"]
    assert marks[2019, "50000_plus"] == PRIMARY  # n = 8
    assert marks[2019, "20000_49999"] == SECONDARY  # n = 11, the smallest other
    assert marks[2011, "20000_49999"] == marks[2011, "50000_plus"] == PRIMARY  # n = 9 and 3
    assert marks[2011, "10000_19999"] == ""  # two hidden already: no partner needed


def test_groups_follow_config_order_and_the_language_switch(estimates, config):
    table = published_estimates(estimates, config)
    sizes = table.loc[(table["wave"] == 2019) & (table["breakdown"] == "size_class"), "group"]
    assert list(sizes) == SIZES  # config order, not text order ("10000_19999" < "3000_4999")
    assert table["breakdown"].iloc[0] == "total"
    english = copy.deepcopy(config)
    english["publication"]["language"] = "en"
    table_en = published_estimates(estimates, english)
    assert table_en["indicator_label"].iloc[0] == config["indicators"][INDICATOR]["label"]["en"]
    assert "inhabitants" in table_en["group_label"].iloc[-1]
    assert "innbyggere" in table["group_label"].iloc[-1]


def test_a_group_without_a_label_stops_with_its_name(estimates, config):
    estimates.loc[estimates["group"] == "50000_plus", "group"] = "storby"
    with pytest.raises(ConfigError, match=r"size_class.*storby"):
        published_estimates(estimates, config)


def test_a_change_is_hidden_when_either_wave_is(estimates, differences, config):
    table = published_estimates(estimates, config)
    changes = published_changes(differences, table, config).set_index("group")
    assert changes.loc["50000_plus", "suppressed"] == PRIMARY
    assert changes.loc["20000_49999", "suppressed"] == SECONDARY
    assert changes.loc[["50000_plus", "20000_49999"], "change"].isna().all()
    total = changes.loc["total"]
    expected = differences.set_index("group").loc["total", "difference"] * 100
    assert total["change"] == pytest.approx(round(expected, 1))


@pytest.fixture
def published_files(estimates, differences, config, tmp_path) -> dict:
    """The suppressed tables and synthetic-labelled audits, as the workflow writes them."""
    paths = {name: str(tmp_path / name) for name in ("published.csv", "changes.csv")}
    estimates.to_parquet(tmp_path / "estimates.parquet")
    differences.to_csv(tmp_path / "differences.csv", index=False)
    steps.suppress(
        config,
        str(tmp_path / "estimates.parquet"),
        str(tmp_path / "differences.csv"),
        paths["published.csv"],
        paths["changes.csv"],
        str(tmp_path / "audit.json"),
    )
    audits = []
    for wave in (2011, 2019):
        audit = {
            "step": "indicators_estimate",
            "function": "navpartner.indicators.estimate_indicator",
            "survey": "kommune",
            "wave": wave,
            "inputs": {f"results/harmonised/kommune_{wave}.parquet": "0" * 64},
            "source_file_label": FILE_LABEL,
            "indicators": {
                INDICATOR: {
                    "respondents": 300,
                    "in_population": 120,
                    "not_answered": 6,
                    "dont_know": 2,
                    "dont_know_rule": "exclude",
                    "used": 112,
                }
            },
        }
        path = tmp_path / f"kommune_{wave}.audit.json"
        path.write_text(json.dumps(audit))
        audits.append(str(path))
    return {**paths, "audits": audits}


def answer_rows() -> pd.DataFrame:
    """The indicator's answer distribution in both waves (its theme's chart and table)."""
    rows = []
    for wave in (2011, 2019):
        for category, share in ((1, 0.2), (5, 0.7), (9, 0.1)):
            rows.append(
                {
                    "indicator": INDICATOR,
                    "survey": "kommune",
                    "wave": wave,
                    "breakdown": "total",
                    "group": "total",
                    "category": category,
                    "n": 120,
                    "n_category": round(120 * share),
                    "estimate": share,
                    "se": 0.04,
                    "ci_low": share - 0.08,
                    "ci_high": share + 0.08,
                    "df": 100,
                    "method": "korn_graubard",
                    "unanswered": 2,
                    "estimate_unweighted": share,
                    "n_effective": 90,
                    "flagged": False,
                }
            )
    return pd.DataFrame(rows)


def write_outputs(config: dict, files: dict, folder) -> list:
    """The indicator's table (CSV, XLSX, HTML) and figure (PNG, SVG), the change chart (PNG,
    SVG), the indicator's card, a comparison figure of it by size class and its theme's answer
    chart (PNG, SVG) and table, as rules publish_theme_* and publish_change write them."""
    only = copy.deepcopy(config)
    only["indicators"] = {INDICATOR: config["indicators"][INDICATOR]}
    title = {"nb": "Sammenligning", "en": "Comparison"}
    comparison = {"title": title, "indicators": [INDICATOR], "breakdown": "size_class"}
    only["publication"]["figures"] = {"comparison": comparison}
    theme = only["indicators"][INDICATOR]["theme"]
    answers = folder / "distributions.csv"
    folder.mkdir(parents=True)
    answer_rows().to_parquet(folder / "distributions.parquet")
    steps.distributions(only, str(folder / "distributions.parquet"), str(answers))
    folders = steps.Folders(*(str(folder / name) for name in ("tables", "figures", "report")))
    published, audits = files["published.csv"], files["audits"]
    steps.themes(only, published, str(answers), audits, folders, [theme])
    steps.change(only, published, files["changes.csv"], audits, folders)
    outputs = [folders.table(INDICATOR, suffix) for suffix in ("csv", "xlsx", "html")]
    outputs += [*folders.figure(INDICATOR), *folders.figure("change")]
    outputs += [folders.report("cards", INDICATOR), *folders.figure("comparison")]
    for name, _ in distribution_figures(only, theme):
        outputs += folders.figure(name)
    outputs.append(folders.table(f"distribution_{theme}", "html"))
    return [Path(path) for path in outputs]


def test_tables_figures_and_cards_are_byte_identical_on_rerun(config, published_files, tmp_path):
    first = write_outputs(config, published_files, tmp_path / "first")
    time.sleep(2.1)  # a time stamp inside a file (zip entries have 2 s resolution) would differ
    second = write_outputs(config, published_files, tmp_path / "second")
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_xlsx_has_headers_percentages_intervals_and_notes(config, published_files, tmp_path):
    outputs = write_outputs(config, published_files, tmp_path / "out")
    sheet = openpyxl.load_workbook(outputs[1]).active
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    assert cells["A1"].value == config["indicators"][INDICATOR]["label"]["nb"]
    assert cells["A3"].value.startswith("SYNTETISKE DATA")
    assert cells["B4"].value == 2011 and cells["F4"].value == 2019
    assert [cells[c].value for c in ("B5", "C5", "D5", "E5")] == [
        "Andel (%)",
        "95\u00a0% KI, nedre",  # the locale's percent: a no-break space before %
        "95\u00a0% KI, øvre",
        "Antall svar",
    ]
    published = steps.read_published(published_files["published.csv"])
    total = published[(published["wave"] == 2011) & (published["group"] == "total")].iloc[0]
    assert cells["A6"].value == "Alle"
    assert cells["B6"].value == pytest.approx(total["percent"] / 100)
    assert cells["B6"].number_format == "0.0%"
    assert cells["E6"].value == total["n"]
    texts = [c.value for c in cells.values() if isinstance(c.value, str)]
    assert texts.count(":") == 2 * 4  # 2011: two hidden groups, four columns each
    notes = [t for t in texts if t.startswith(("Kilde", "Vektet", ": ="))]
    assert len(notes) == 3


def test_html_table_and_card_say_what_is_hidden(config, published_files, tmp_path):
    outputs = write_outputs(config, published_files, tmp_path / "out")
    table = outputs[2].read_text(encoding="utf-8")
    assert table.count('<td class="symbol">:</td>') == 2 * 4  # two hidden groups in 2011
    assert "SYNTETISKE DATA" in table and "færre enn 5 svar" in table
    card = outputs[7].read_text(encoding="utf-8")
    assert config["items"]["likeverdig"]["question"] in card
    assert "navpartner.indicators.estimate_indicator" in card
    assert "navpartner.publish.tables.published_estimates" in card
    assert "likeverdig_radmenn:" in card  # the configured definition, as YAML
    # dont_know = 2 is hidden, and not_answered = 6 with it (used + both = in population)
    assert card.count("<td>:</td>") == 2 * 2


def test_figures_mark_hidden_cells_in_their_text(config, published_files, tmp_path):
    outputs = write_outputs(config, published_files, tmp_path / "out")
    svg = outputs[4].read_text(encoding="utf-8")
    assert "2011: vises ikke (:) – n &lt; 5" in svg
    assert "SYNTETISKE DATA" in svg
    assert outputs[3].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_real_files_are_not_labelled_synthetic(config, published_files, tmp_path):
    for path in map(Path, published_files["audits"]):
        audit = json.loads(path.read_text())
        audit["source_file_label"] = "Nav-partnerskapet 2019, kommuneundersøkelsen"
        path.write_text(json.dumps(audit))
    outputs = write_outputs(config, published_files, tmp_path / "out")
    assert "SYNTETISKE" not in outputs[2].read_text(encoding="utf-8")
    assert "SYNTETISKE" not in outputs[4].read_text(encoding="utf-8")


def test_the_synthetic_files_carry_the_mark_publication_looks_for():
    assert FILE_LABEL.startswith(SYNTHETIC_MARK)


def test_weighting_text_says_the_configured_trim_in_the_language_s_numbers(config):
    from navpartner.publish.labels import Labels
    from navpartner.publish.methods import weighting_intro

    norwegian = copy.deepcopy(config)
    norwegian["weighting"]["trim"] = {"relative_to": "median", "lower": 0.25, "upper": 4}
    text = weighting_intro(norwegian, "kontor", Labels(norwegian))
    assert "og trimmes til mellom 0,25 og 4 ganger medianvekten." in text
    english = copy.deepcopy(norwegian)
    english["publication"]["language"] = "en"
    english["weighting"]["trim"]["relative_to"] = "absolute"
    text = weighting_intro(english, "kontor", Labels(english))
    assert "and trimmed to between 0.25 and 4." in text  # no median when the bounds are weights
    del english["weighting"]["trim"]
    assert "trimmed" not in weighting_intro(english, "kontor", Labels(english))


def test_waves_are_drawn_in_the_colour_blind_palette_with_a_marker_each(config):
    """seaborn's "colorblind" colours (its first two: blue for the latest wave, orange), a
    circle and a square; a fragile estimate white inside, ringed in its wave's colour."""
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_hex
    from matplotlib.markers import MarkerStyle

    def cell(wave, percent, flagged):
        return {
            "wave": wave,
            "percent": percent,
            "ci_low": percent - 5,
            "ci_high": percent + 5,
            "n": 100,
            "suppressed": "",
            "flagged": flagged,
            "survey": "kommune",
        }

    rows = [("Alle", {2011: cell(2011, 40.0, True), 2019: cell(2019, 60.0, False)})]
    shown = labels.Labels(config)
    fig = figures.share_figure([figures.Panel("", rows)], [2011, 2019], "T", "", shown, [], False)
    dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    drawn = {
        (
            round(float(dot.get_offsets()[0][0])),
            to_hex(dot.get_facecolor()[0]),
            to_hex(dot.get_edgecolor()[0]),
            len(dot.get_paths()[0].vertices),
        )
        for dot in dots
    }
    circle, square = (len(MarkerStyle(m).get_path().vertices) for m in ("o", "s"))
    assert drawn == {(60, "#0173b2", "#ffffff", circle), (40, "#ffffff", "#de8f05", square)}


def test_a_flag_when_asked_is_worked_out_once_and_only_when_asked():
    calls = []
    flag = labels.WhenAsked(lambda: calls.append(1) or True)
    assert calls == []  # planning a run does not open the vendor files
    assert flag and flag
    assert calls == [1]
    assert not labels.WhenAsked(lambda: False)


def test_the_source_line_names_the_survey_shown_alone(config):
    shown = labels.Labels(config)
    own = config["publication"]["survey_sources"]["kontor"]["nb"]
    assert shown.source([2011, 2019], ["kontor", "kontor"]) == f"{own}, 2011, 2019."
    general = config["publication"]["source"]["nb"]
    assert shown.source([2019], ["kontor", "kommune"]) == f"{general}, 2019."
    assert shown.source([2019]) == f"{general}, 2019."
    without = copy.deepcopy(config)
    del without["publication"]["survey_sources"]["kontor"]  # optional: the general line instead
    assert labels.Labels(without).source([2019], ["kontor"]) == f"{general}, 2019."
