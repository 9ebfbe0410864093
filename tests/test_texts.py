"""The wording catalogues (workflow/navpartner/texts/*.po): both languages hold the same
messages with the same placeholders, the code asks for every message and every message it asks
for exists; numbers follow each locale (Babel's CLDR data)."""

import ast
import re
import string
from pathlib import Path

import pandas as pd
import pytest
import yaml
from babel.messages.pofile import read_po
from navpartner import texts
from navpartner.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workflow" / "navpartner"
RULES = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
CAPTIONS = sorted((ROOT / "workflow" / "report").glob("*.rst"))
# The two places that pass a message's name on (Labels.text to the catalogue, the report's
# Writer to Labels): every other request names its message in the code.
FORWARDERS = {("publish/labels.py", "text"), ("document/content.py", "__call__")}
ACCESSORS = {"text", "plural"}  # labels.text(...), labels.texts.plural(...), write(...)
RECEIVERS = {"labels", "LABELS", "self", "texts"}


def messages(language: str) -> dict[str, list[str]]:
    """Message name -> its text(s) (two for a message with plural forms)."""
    with (texts.FOLDER / f"{language}.po").open("rb") as file:
        catalogue = read_po(file, abort_invalid=True)
    found = {}
    for message in catalogue:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            found[key] = list(message.string) if message.pluralizable else [message.string]
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class Requests(ast.NodeVisitor):
    """Which messages a Python file asks for: names (literal) and families (an f-string's
    fixed start, e.g. f"interval_{method}" asks for interval_*); and requests by a name the
    test cannot read, which only the FORWARDERS may make."""

    def __init__(self, file: str):
        self.file, self.function = file, ""
        self.names: set[str] = set()
        self.families: set[str] = set()
        self.unreadable: list[str] = []

    def visit_FunctionDef(self, node):
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    def visit_Call(self, node):
        if self._is_request(node) and node.args:
            self._record(node.args[0], node.lineno)
        self.generic_visit(node)

    def _is_request(self, node) -> bool:
        func = node.func
        if isinstance(func, ast.Name):  # the report's Writer (write(...) elsewhere is I/O)
            return func.id == "write" and self.file.startswith("document/")
        if not isinstance(func, ast.Attribute) or func.attr not in ACCESSORS:
            return False
        receiver = func.value
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        return name in RECEIVERS

    def _record(self, argument, line: int) -> None:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            self.names.add(argument.value)
        elif isinstance(argument, ast.JoinedStr) and isinstance(argument.values[0], ast.Constant):
            self.families.add(argument.values[0].value)
        elif (self.file, self.function) not in FORWARDERS:
            self.unreadable.append(f"{self.file}:{line}")


def requests() -> Requests:
    """Every request of the package, the Snakefile and rules, and the report's captions."""
    found = Requests("")
    for path in sorted(PACKAGE.rglob("*.py")):
        visitor = Requests(path.relative_to(PACKAGE).as_posix())
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        found.names |= visitor.names
        found.families |= visitor.families
        found.unreadable += visitor.unreadable
    for path in RULES:  # Snakemake syntax: not Python, read by pattern
        for literal, start in re.findall(r"LABELS\.text\(\s*(f?)\"([^\"{]+)", path.read_text()):
            (found.families if literal else found.names).add(start)
    for path in CAPTIONS:
        found.names |= {
            f"caption_{kind}" for kind in re.findall(r"captions\(\"(\w+)\"", path.read_text())
        }
    return found


def test_every_language_of_the_schema_has_a_catalogue_and_no_other():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    language = schema["properties"]["publication"]["properties"]["language"]["enum"]
    assert sorted(language) == texts.languages() == ["en", "nb"]


def test_both_languages_hold_the_same_messages_with_the_same_placeholders():
    nb, en = messages("nb"), messages("en")
    assert sorted(set(nb) - set(en)) == [], "in nb.po, missing in en.po"
    assert sorted(set(en) - set(nb)) == [], "in en.po, missing in nb.po"
    for key in nb:
        assert all(t.strip() for t in nb[key] + en[key]), f"{key}: an empty text"
        names = {frozenset(placeholders(text)) for text in nb[key] + en[key]}
        assert len(names) == 1, f"{key}: the languages' {{placeholders}} differ: {names}"


def test_the_code_asks_for_every_message_and_only_for_messages_that_exist():
    found = requests()
    keys = set(messages("nb"))
    assert found.unreadable == [], "a message asked for by a name the test cannot read"
    assert sorted(found.names - keys) == [], "asked for, not in the catalogues"
    empty = [family for family in found.families if not any(k.startswith(family) for k in keys)]
    assert empty == [], "a family of messages without any message"
    unused = [
        key
        for key in keys
        if key not in found.names
        and not any(key.startswith(family) for family in found.families)
        and not key.endswith(texts.PLURAL)
    ]
    assert sorted(unused) == [], "in the catalogues, asked for by no code"


def test_the_check_finds_an_unused_and_a_missing_message(tmp_path, monkeypatch):
    """The scan of the code sees requests in each form the package uses, so the test above
    can fail."""
    source = (
        "def f(labels, write, mark):\n"
        "    labels.text('share')\n"
        "    labels.texts.plural('report.indicator_count', 2, n=2)\n"
        "    write(f'report.verdict_{mark}')\n"
        "    labels.text(mark)\n"
        "    ax.text(0, 1, 'not a message')\n"
    )
    visitor = Requests("document/example.py")
    visitor.visit(ast.parse(source))
    assert visitor.names == {"share", "report.indicator_count"}
    assert visitor.families == {"report.verdict_"}
    assert visitor.unreadable == ["document/example.py:5"]


def test_norwegian_numbers_follow_the_locale():
    nb = texts.catalogue("nb")
    assert nb.percent(80.6) == "80,6\u00a0%"
    assert nb.number(4726.5) == "4\u00a0726,5"
    assert nb.number(-1.25, 2) == "\u22121,25"
    assert nb.number(2.5, signed=True) == "+2,5"
    assert nb.number(0.001, 3) == "0,001"
    assert nb.number(0.3, None) == "0,3" and nb.number(3, None) == "3"
    assert nb.join(["rolle", "region", "størrelse"]) == "rolle, region og størrelse"


def test_english_numbers_follow_the_locale():
    en = texts.catalogue("en")
    assert en.percent(80.6) == "80.6%"
    assert en.number(4726.5) == "4,726.5"
    assert en.number(-1.25, 2) == "-1.25"
    assert en.join(["role", "region", "size"]) == "role, region and size"


def test_a_missing_value_prints_as_the_symbol_for_not_available():
    """A bootstrap contrast may lack its interval: shown as "..", not "NaN,0" nor a crash."""
    nb = texts.catalogue("nb")
    assert nb.number(float("nan")) == nb.number(pd.NA) == nb.percent(None) == ".."
    assert nb.number(pd.NA, signed=True) == ".."


def test_a_number_is_rounded_as_python_rounds_it():
    """80.65 is stored as 80.650000000000006: one decimal gives 80.7, as f"{80.65:.1f}" does
    (Babel alone rounds the shortest repr "80.65" half to even: 80.6); 2.675 is 2.67499...."""
    assert texts.catalogue("en").number(80.65) == f"{80.65:.1f}" == "80.7"
    assert texts.catalogue("en").number(2.675, 2) == f"{2.675:.2f}" == "2.67"


def test_plural_forms_follow_the_language():
    assert texts.catalogue("nb").plural("report.indicator_count", 1, n=1) == "1 indikator"
    assert texts.catalogue("nb").plural("report.indicator_count", 3, n=3) == "3 indikatorer"
    assert texts.catalogue("en").plural("report.indicator_count", 3, n=3) == "3 indicators"


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """A copy of nb.po an evaluator edits: returns a function writing it and reading it back."""
    monkeypatch.setattr(texts, "FOLDER", tmp_path)
    original = (Path(texts.__file__).parent / "nb.po").read_text(encoding="utf-8")

    def edit(old: str, new: str):
        assert old in original
        (tmp_path / "nb.po").write_text(original.replace(old, new), encoding="utf-8")
        texts.catalogue.cache_clear()
        return texts.catalogue("nb")

    yield edit
    texts.catalogue.cache_clear()


@pytest.mark.bad_input
def test_a_misspelt_placeholder_is_named_with_its_line(edited):
    catalogue = edited('msgstr "{level} KI, nedre"', 'msgstr "{levle} KI, nedre"')
    with pytest.raises(InputError, match=r"nb\.po: line \d+ - message 'ci_low' .*\{levle\}"):
        catalogue.text("ci_low", level="95 %")


@pytest.mark.bad_input
def test_a_message_the_catalogue_lacks_is_named(edited):
    catalogue = edited('msgid "ci_low"', 'msgid "ci_lower"')
    with pytest.raises(InputError, match=r"nb\.po: - no message 'ci_low'"):
        catalogue.text("ci_low", level="95 %")


@pytest.mark.bad_input
def test_a_catalogue_that_does_not_parse_is_named(edited):
    with pytest.raises(InputError, match=r"nb\.po: - not a readable gettext catalogue"):
        edited('msgid "ci_low"', 'msgid "ci_low"\nmsgid "ci_lower"')


@pytest.mark.bad_input
def test_a_text_without_its_closing_quote_is_named_with_its_line(edited):
    """Babel alone would read it as an empty text, and gettext then prints the message's name."""
    with pytest.raises(InputError, match=r"nb\.po: line \d+ - not a gettext line"):
        edited('msgstr "{level} KI, nedre"', 'msgstr "{level} KI, nedre')


@pytest.mark.bad_input
def test_an_emptied_message_is_named(edited):
    with pytest.raises(InputError, match=r"nb\.po: line \d+ - message 'ci_low' is empty"):
        edited('msgstr "{level} KI, nedre"', 'msgstr ""')


@pytest.mark.bad_input
def test_a_message_defined_twice_is_named_with_both_lines(edited):
    with pytest.raises(InputError, match=r"line \d+ - message 'ci_low' is defined twice \(first"):
        edited('msgid "ci_high"', 'msgid "ci_low"')
