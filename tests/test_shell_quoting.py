"""No value reaches a shell unquoted: every rule's shell command quotes its placeholders.

The rules are read as tokens (Snakefile syntax is Python's), so a rule added later is checked
without being listed here. A config path like `data_raw/x;$(rm -rf ~).sav` reaches the shell
through {input...}; with `:q` it stays one argument and runs nothing.
"""

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = [ROOT / "Snakefile", *sorted((ROOT / "workflow/rules").glob("*.smk"))]

# Namespaces whose values come from config, data or file names (threads is always a number).
QUOTED_NAMESPACES = ("input", "output", "log", "params", "wildcards", "resources", "config")
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]+)\}(?!\})")


def shell_commands(path: Path) -> list[tuple[str, int, str]]:
    """(rule, line, command) for every `shell:` of a rule or checkpoint in a Snakemake file."""
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
        if token.type not in (tokenize.NL, tokenize.COMMENT)
    ]
    commands, rule = [], None
    for index, token in enumerate(tokens[:-2]):
        following = tokens[index + 1]
        if token.string in ("rule", "checkpoint") and following.type == tokenize.NAME:
            rule = following.string
        if token.string == "name" and following.string == ":":  # a rule made in a loop
            rule = next(t.string for t in tokens[index + 2 :] if t.type == tokenize.STRING)
        if token.string == "shell" and following.string == ":" and rule is not None:
            commands.append((rule, token.start[0], _string_after(tokens, index + 2, path)))
    return commands


def _string_after(tokens, index: int, path: Path) -> str:
    """The string literals that follow `shell:` (one or several, implicitly joined)."""
    parts = []
    for token in tokens[index:]:
        if token.type in (tokenize.NEWLINE, tokenize.INDENT):
            continue
        if token.type != tokenize.STRING:
            break
        if token.string.lstrip("rbRB").startswith(("f", "F")):
            pytest.fail(
                f"{path.name}:{token.start[0]}: an f-string shell command cannot be checked"
            )
        parts.append(ast.literal_eval(token.string))
    return "".join(parts)


def unquoted(command: str) -> list[str]:
    """The placeholders of a shell command that reach the shell without `:q`."""
    found = []
    for match in PLACEHOLDER.finditer(command):
        field, _, conversion = match.group(1).partition(":")
        namespace = re.split(r"[.\[]", field, maxsplit=1)[0]
        if namespace in QUOTED_NAMESPACES and conversion != "q":
            found.append(match.group(0))
    return found


def test_every_rule_quotes_what_it_passes_to_the_shell():
    problems = [
        f"{path.relative_to(ROOT)}:{line} rule {rule}: write {placeholder[:-1]}:q}} "
        f"instead of {placeholder}"
        for path in WORKFLOW_FILES
        for rule, line, command in shell_commands(path)
        for placeholder in unquoted(command)
    ]
    assert not problems, "unquoted shell placeholders:\n" + "\n".join(problems)


def test_the_check_finds_every_shell_command_and_an_unquoted_placeholder(tmp_path):
    """The check itself can fail: it sees each rule's shell and flags what lacks `:q`."""
    rules = tmp_path / "example.smk"
    rules.write_text(
        'rule good:\n    input:\n        "a",\n    shell:\n        "cat {input:q} > {output:q}"\n'
        '\n\nrule bad:\n    shell:\n        "tool --x {params.x:q}"\n'
        '        " --survey {wildcards.survey} 2> {log} {threads} {{literal}}"\n',
        encoding="utf-8",
    )
    commands = shell_commands(rules)
    assert [(rule, line) for rule, line, _ in commands] == [("good", 4), ("bad", 9)]
    assert unquoted(commands[0][2]) == []
    assert unquoted(commands[1][2]) == ["{wildcards.survey}", "{log}"]


def test_a_rule_made_in_a_loop_is_read_under_its_name_template(tmp_path):
    rules = tmp_path / "loop.smk"
    rules.write_text(
        'for theme in THEMES:\n\n    rule:\n        name:\n            f"show_{theme}"\n'
        "        params:\n            theme=theme,\n"
        '        shell:\n            "show --theme {params.theme} 2> {log:q}"\n',
        encoding="utf-8",
    )
    [(rule, _, command)] = shell_commands(rules)
    assert rule == 'f"show_{theme}"' and unquoted(command) == ["{params.theme}"]


def test_every_workflow_file_has_its_rules_read():
    """Each rule of the workflow appears with a shell command (none hides from the check)."""
    for path in WORKFLOW_FILES:
        text = path.read_text("utf-8")
        declared = re.findall(r"^(?:rule|checkpoint) (\w+):", text, flags=re.MULTILINE)
        with_shell = {rule for rule, _, _ in shell_commands(path)}
        without = [rule for rule in declared if rule not in with_shell and rule != "all"]
        for rule in without:  # a rule without shell must not run shell code another way
            block = text.split(f"rule {rule}:", 1)[1].split("\nrule ", 1)[0]
            assert "shell(" not in block and "run:" not in block, f"{path.name}: rule {rule}"
