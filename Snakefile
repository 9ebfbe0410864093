# navpartner: raw survey files -> harmonised data -> weights -> indicators -> report.
import sys

from snakemake.utils import min_version

from navpartner.config.check import check_effective_config
from navpartner.config.overlay import effective_config

min_version("8.20")


report: "workflow/report/workflow.rst"


# The effective config: config.yaml, then --configfile overlays and --config overrides merged
# over it in order; an entry an overlay sets to null is removed. Strict YAML first (a key
# defined twice, an alias), then the JSON schema (workflow/schemas/config.schema.yaml: names
# the misspelt key and where) and the rules that span several keys (both skipped for a config
# that passed them before: results/config/checked.sha256, recorded by a run, not by a dry
# run), then where the input paths lead.
# The project's named errors (ValueError) are shown as they are, one line without a stack.
#
# config.yaml is read once, here, by the strict libyaml reader, not by a `configfile:`
# directive too (Snakemake's reader is pure Python: a tenth of a second of every start).
# Snakemake has loaded the overlays and overrides into `config` before this file runs; they are
# merged over config.yaml as the directive would merge them (--replace-workflow-config: they
# replace it).
BASE_CONFIG = "config.yaml"
CHECK_STAMP = "results/config/checked.sha256"
OVERLAYS = list(workflow.configfiles)
workflow.configfiles.append(BASE_CONFIG)  # listed in the report, as the directive would
try:
    base, effective = effective_config(
        BASE_CONFIG,
        OVERLAYS,
        config,
        replace=getattr(workflow.config_settings, "replace_workflow_config", False),
    )
    UNRECORDED_CHECK = check_effective_config(
        effective,
        base,
        stamp=CHECK_STAMP,
        source=" + ".join(
            [*map(str, workflow.configfiles)]
            + (["--config"] if workflow.config_settings.config else [])
        ),
    )
except ValueError as error:
    sys.exit(f"Error: {error}")  # one line: no WorkflowError's frame under it
config.clear()
config.update(effective)


include: "workflow/rules/common.smk"
include: "workflow/rules/harmonise.smk"
include: "workflow/rules/weights.smk"
include: "workflow/rules/replicates.smk"
include: "workflow/rules/indicators.smk"
include: "workflow/rules/findings.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/publish.smk"
include: "workflow/rules/manifest.smk"
include: "workflow/rules/document.smk"


# Read by the report (its front page, workflow/report/workflow.rst, and the captions), which
# sees only the config; not configuration, so left out of the config parts the steps read.
# Whether the inputs are synthetic is worked out only when the report asks.
config["report_synthetic"] = WhenAsked(is_synthetic_input)
config["report_captions"] = ReportCaptions(config)


rule all:
    default_target: True
    input:
        get_final_outputs(),
        MANIFEST,
