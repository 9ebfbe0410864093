"""What each rule of the workflow declares: threads, resources, local or cluster job, group.

Read by the test that every rule sizes itself (tests/test_rule_resources.py) and by the benchmark
that compares declarations with measured peaks (tests/benchmarks/rule_resources.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pandas as pd
from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, ResourceSettings

RESOURCES = ("mem_mb", "runtime")
RULE = re.compile(r"^(?:rule|checkpoint) (\w+):\n((?:[ \t]+.*\n|\n)*)", re.MULTILINE)
# A rule made in a loop: `rule:` then `name: f"publish_theme_{theme}"`, indented in its loop.
LOOP_RULE = re.compile(r"^([ \t]+)rule:\n((?:\1[ \t]+.*\n|\n)*)", re.MULTILINE)
LOOP_NAME = re.compile(r"name:\s*f?\"([^\"]+)\"")


def rules_saying(project: Path, directive: str, names) -> set[str]:
    """Those of the rules `names` whose block in the Snakefile or a rule file has `directive:`.

    Read from the text for `threads` (once parsed, Snakemake's default 1 cannot be told from a
    declared 1) and `benchmark` (the file the rule's resources are sized from). A rule made in
    a loop stands for every name its name template matches."""
    patterns = []
    for path in [project / "Snakefile", *sorted((project / "workflow").rglob("*.smk"))]:
        text = path.read_text(encoding="utf-8") + "\n"
        blocks = [(re.escape(name), body) for name, body in RULE.findall(text)]
        for _, body in LOOP_RULE.findall(text):
            template = LOOP_NAME.search(body)
            if template:
                blocks.append((re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(template[1])), body))
        patterns += [name for name, body in blocks if re.search(rf"^\s+{directive}:", body, re.M)]
    return {name for name in names if any(re.fullmatch(p, name) for p in patterns)}


def declared_resources(project: Path) -> pd.DataFrame:
    """One row per rule that runs something: threads, mem_mb, runtime (None: not declared),
    whether it runs on the submit host, the group whose cluster job it runs in (None: its own).

    A resource given as a function of the attempt is shown at the first attempt, and mem_mb
    also at the second (`mem_mb_retry`: what a job failed once is retried with)."""
    rows = []
    with _inside(project), SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(), snakefile=Path("Snakefile"), workdir=Path(".")
        )._workflow
        threads = rules_saying(project, "threads", [rule.name for rule in workflow.rules])
        for rule in workflow.rules:
            if rule.norun:
                continue
            resources = {name: _at_attempt(rule.resources.get(name), 1) for name in RESOURCES}
            resources["mem_mb_retry"] = _at_attempt(rule.resources.get("mem_mb"), 2)
            rows.append(
                {
                    "rule": rule.name,
                    "threads": rule.resources["_cores"].value if rule.name in threads else None,
                    **resources,
                    "local": rule.name in workflow._localrules,
                    # as declared (`rule.group` is None unless a cluster runs the workflow)
                    "group": rule._group,
                }
            )
    return pd.DataFrame(rows, dtype=object).set_index("rule")


def _at_attempt(resource, attempt: int):
    """A declared resource's value at an attempt (None: not declared)."""
    if resource is None:
        return None
    if resource.is_evaluable():
        return resource.evaluate({}, attempt=attempt).value
    return resource.value


@contextlib.contextmanager
def _inside(folder: Path):
    before = Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.chdir(before)
