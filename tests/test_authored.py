"""The evaluator's chapters: references filled from the published tables, bad references
stopped with file and line, and prose whose result moved under it listed (or stopped)."""

import copy
import logging
from pathlib import Path

import pandas as pd
import pytest
import yaml
from navpartner.config import check_config
from navpartner.document import authored, content, matter
from navpartner.document.content import Sources, Writer
from report_sources import report_sources

ROOT = Path(__file__).resolve().parents[1]
CHANGE_COLUMNS = ["indicator", "breakdown", "group", "wave_from", "wave_to"]
CHANGE_COLUMNS += ["change", "ci_low", "ci_high"]
CONTRAST_COLUMNS = ["indicator", "kind", "breakdown", "group", "reference", "wave"]
CONTRAST_COLUMNS += ["wave_reference", "difference", "ci_low", "ci_high", "p_adjusted"]


def published() -> pd.DataFrame:
    rows = [
        ("team_blandet", 2011, "total", "total", 62.0, 59.4, 64.5),
        ("team_blandet", 2019, "total", "total", 80.6, 78.8, 82.3),
        ("team_blandet", 2019, "office_size", "under_10", float("nan"), None, None),
        ("adm_merarbeid", 2019, "employer", "kommune", 82.0, 75.0, 88.0),
        ("adm_merarbeid", 2019, "employer", "stat", 61.8, 50.0, 72.0),
    ]
    columns = ["indicator", "wave", "breakdown", "group", "percent", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=columns)


def changes(low=-14.2, high=-0.3) -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("team_blandet", "total", "total", 2011, 2019, 18.7, 15.6, 21.7),
            ("adm_merarbeid", "total", "total", 2011, 2019, -7.3, low, high),
        ],
        columns=CHANGE_COLUMNS,
    )


def contrasts(adjusted_p_merarbeid=0.128) -> pd.DataFrame:
    wave = ["wave", "total", "total", "total", 2019, 2011]
    return pd.DataFrame(
        [
            ["team_blandet", *wave, 0.187, 0.156, 0.217, 2e-28],
            ["adm_merarbeid", *wave, -0.073, -0.142, -0.003, adjusted_p_merarbeid],
            ["adm_merarbeid", "group", "employer", "kommune", "stat", *EMPLOYER_2019],
        ],
        columns=CONTRAST_COLUMNS,
    )


EMPLOYER_2019 = [2019, 2019, 0.202, 0.090, 0.315, 0.0038]


def claims(verdict="holds") -> pd.DataFrame:
    return pd.DataFrame({"claim": ["team_om_lag_80"], "verdict": [verdict]})


def sources(**tables) -> Sources:
    return report_sources(
        published=tables.get("published", published()),
        changes=tables.get("changes", changes()),
        claims=tables.get("claims", claims()),
        contrasts=tables.get("contrasts", contrasts()),
    )


def chapter(tmp_path, text: str, name="team.md") -> Path:
    path = tmp_path / "nb" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def resolved(config, tmp_path, text: str, **tables):
    part = authored.parse(chapter(tmp_path, text), titled=False)
    resolver = authored.Resolver(config, sources(**tables), Writer(config), {"team", "data"})
    return part, authored.resolve_all([part], resolver)


def test_references_are_filled_in_the_documents_number_format(config, tmp_path):
    part, done = resolved(
        config,
        tmp_path,
        "Andelen var {{ share team_blandet 2019 }} ({{ interval team_blandet 2019 }}),\n"
        "opp {{ change team_blandet 2011 2019 }}; påstanden {{ claim team_om_lag_80 }}.\n"
        "Forskjellen er {{ contrast adm_merarbeid 2019 employer:kommune stat }}.\n",
    )
    [(_, text)] = authored.render(part, done)
    assert "Andelen var 80,6\u00a0% (78,8–82,3\u00a0%)" in text
    assert "opp +18,7 prosentpoeng (95\u00a0% KI 15,6 til 21,7)" in text
    assert "påstanden holder." in text
    assert "Forskjellen er +20,2 prosentpoeng (95\u00a0% KI 9,0 til 31,5)." in text


def test_the_significance_rule_tells_adjusted_support_from_a_raw_interval(config, tmp_path):
    _, done = resolved(
        config,
        tmp_path,
        "{{ change team_blandet 2011 2019 }} {{ change adm_merarbeid 2011 2019 }}\n",
    )
    states = [state["significance"] for _, state in done.values()]
    # adm_merarbeid: the raw interval (−14,2 to −0,3) excludes zero, the adjusted p is 0,128
    assert states == ["clear", "raw_only"]


@pytest.mark.parametrize(
    "reference, problem",
    [
        ("{{ share team_blandet 2019 office_size:under_10 }}", "suppressed"),
        ("{{ share ukjent_indikator 2019 }}", "unknown indicator 'ukjent_indikator'"),
        ("{{ share team_blandet 2015 }}", "unknown wave '2015'"),
        ("{{ claim ingen_slik_pastand }}", "unknown claim 'ingen_slik_pastand'"),
        ("{{ andel team_blandet 2019 }}", "unknown kind 'andel'"),
        ("{{ share team_blandet }}", "'share' takes 2 or 3 words"),
        ("{{ share team_blandet 2019 }", "malformed reference"),
    ],
)
def test_a_bad_reference_stops_naming_file_line_and_reference(config, tmp_path, reference, problem):
    with pytest.raises(authored.ProseError) as stop:
        resolved(config, tmp_path, f"Første linje.\n\nAndelen er {reference} i år.\n")
    message = str(stop.value)
    assert f"{tmp_path / 'nb' / 'team.md'}: line 3" in message
    assert problem in message
    if "malformed" not in problem:
        assert reference in message


TEXT = (
    "Første avsnitt uten tall.\n\n"
    "Kronikkens anslag {{ claim team_om_lag_80 }}. Merarbeidet gikk ned med\n"
    "{{ change adm_merarbeid 2011 2019 }}, men ikke klart.\n"
)


def test_a_changed_verdict_under_a_sentence_is_listed_and_stops_a_strict_build(
    config, tmp_path, caplog
):
    part, approved = resolved(config, tmp_path, TEXT)
    lock = authored.lock_content([part], approved)
    assert authored.stale_references([part], approved, lock) == []

    # A new wave: the claim no longer holds and the decline now holds after adjustment.
    part, now = resolved(
        config,
        tmp_path,
        TEXT,
        claims=claims("does_not_hold"),
        contrasts=contrasts(adjusted_p_merarbeid=0.01),
    )
    stale = authored.stale_references([part], now, lock)
    down = {"direction": "down"}
    assert [(s.reference.line, s.before, s.after) for s in stale] == [
        (3, {"verdict": "holds"}, {"verdict": "does_not_hold"}),
        (4, {**down, "significance": "raw_only"}, {**down, "significance": "clear"}),
    ]
    assert stale[0].reference.sentence == "Kronikkens anslag {{ claim team_om_lag_80 }}."

    with caplog.at_level(logging.WARNING):
        matter._report_stale(stale, strict=False)
    assert "team.md:3: {{ claim team_om_lag_80 }}" in caplog.text
    assert "before verdict holds, now verdict does_not_hold" in caplog.text

    appendix = matter._review_appendix(stale, Writer(config))
    rows = appendix[-1].rows
    assert rows[0][1:] == ["3", stale[0].reference.sentence, "holder", "holder ikke"]
    assert rows[1][3:] == ["ned, bare uten justering", "ned, klar etter justering"]

    with pytest.raises(authored.ProseError, match=r"team.md: line 3 - 2 referenced"):
        matter._report_stale(stale, strict=True)


def test_a_moved_value_alone_needs_no_rereading(config, tmp_path):
    part, approved = resolved(config, tmp_path, "{{ share team_blandet 2019 }}\n")
    lock = authored.lock_content([part], approved)
    moved = published().assign(percent=lambda t: t["percent"] + 1)
    part, now = resolved(config, tmp_path, "{{ share team_blandet 2019 }}\n", published=moved)
    assert authored.stale_references([part], now, lock) == []


def test_the_shipped_chapters_resolve_and_match_their_locks(config):
    """Every reference of report/nb and report/en is well formed and names a known
    indicator, wave, claim, figure or chapter (the values need the published tables)."""
    folder = ROOT / "report"
    index = authored.read_index(folder)
    themes = list(config["publication"]["themes"])
    for language in ("nb", "en"):
        parts = authored.read_parts(folder, language, themes)
        assert {*index["front"], *index["back"]} <= set(parts)
        assert {name for name in index["main"] if name != authored.RESULTS} <= set(parts)
        lock = yaml.safe_load((folder / language / authored.LOCK).read_text(encoding="utf-8"))
        locked = {(file, key) for file, entries in lock.items() for key in entries}
        judged = {
            (authored.lock_key(part), ref.key)
            for part in parts.values()
            for ref in part.references
            if ref.text.split()[0] in ("change", "contrast", "claim")
        }
        assert judged <= locked, judged - locked


def test_strict_prose_is_in_the_schema_and_off_by_default(config):
    assert config["publication"]["strict_prose"] is False
    strict = copy.deepcopy(config)
    strict["publication"]["strict_prose"] = True
    check_config(strict)
    strict["publication"]["strict_prose"] = "yes"
    with pytest.raises(ValueError, match="strict_prose"):
        check_config(strict)


def test_strict_prose_from_the_command_line_is_read_as_a_boolean(config):
    """`--config 'publication={strict_prose: true}'`: Snakemake hands the value in as text."""
    from navpartner.config.overlay import merged_config

    merged = merged_config(config, {"publication": {"strict_prose": "true"}})
    assert merged["publication"]["strict_prose"] is True
    check_config(merged)
    kept = merged_config(config, {"publication": {"strict_prose": "maybe"}})
    with pytest.raises(ValueError, match="strict_prose"):
        check_config(kept)


def test_cross_references_get_the_numbers_typst_gives(config, tmp_path):
    from navpartner.document.blocks import Figure, Heading, Numbering, Paragraph, Together

    text = "{{ chapter data }} viser {{ figure team_blandet }}.\n"
    part, done = resolved(config, tmp_path, text)
    [(_, filled)] = authored.render(part, done)
    blocks = [
        Heading("Sammendrag"),  # not numbered
        Numbering(on=True),
        Heading("Innledning", anchor="chapter-innledning"),
        # a figure kept with its heading is counted too, and a reference beside it filled
        Together((Paragraph(filled), Figure("x/andre_parts_oppgaver.svg", ""))),
        Heading("Data", anchor="chapter-data"),
        Figure("x/team_blandet.svg", ""),
        Paragraph(filled),
    ]
    numbered = content.cross_referenced(blocks, Writer(config))
    assert numbered[-1].text == "Kapittel 2 viser figur 2."
    assert numbered[3].blocks[0].text == "Kapittel 2 viser figur 2."
    with pytest.raises(
        authored.ProseError, match=r"team.md: line 1 - \{\{ chapter data \}\}: not in"
    ):
        content.cross_referenced([Numbering(on=True), Paragraph(filled)], Writer(config))
