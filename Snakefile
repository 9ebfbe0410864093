# navpartner: raw survey files -> harmonised data -> weights -> indicators -> report.
from snakemake.utils import min_version

from navpartner.errors import ConfigError
from navpartner.yamlfile import read_yaml
from navpartner.config import (
    check_config_files,
    check_effective_config,
    follow_order,
    merged_config,
    remove_nulls,
)

min_version("8.20")


report: "workflow/report/workflow.rst"


# The effective config: config.yaml, then --configfile overlays and --config overrides merged
# over it in order; an entry an overlay sets to null is removed. Strict YAML first (a key
# defined twice, an alias), then the JSON schema (workflow/schemas/config.schema.yaml: names
# the misspelt key and where) and the rules that span several keys (both skipped for a config
# that passed them before: results/config/checked.sha256), then where the input paths lead.
# The project's named errors (ValueError) are shown as they are, without a stack.
#
# config.yaml is read once, here, by the strict libyaml reader, not by a `configfile:`
# directive too (Snakemake's reader is pure Python: a tenth of a second of every start).
# Snakemake has loaded the overlays and overrides into `config` before this file runs; they are
# merged over config.yaml as the directive would merge them (--replace-workflow-config: they
# replace it).
BASE_CONFIG = "config.yaml"
OVERLAYS = list(workflow.configfiles)
workflow.configfiles.append(BASE_CONFIG)  # listed in the report, as the directive would
CONFIG_SOURCE = " + ".join(map(str, workflow.configfiles))
try:
    check_config_files(OVERLAYS)
    base = read_yaml(BASE_CONFIG)
    if not isinstance(base, dict):
        raise ConfigError(
            f"{BASE_CONFIG}: expected a mapping of keys, found {base!r:.40}"
        )
    if getattr(workflow.config_settings, "replace_workflow_config", False):
        follow_order(config, base)
    else:
        merged = merged_config(base, config)  # in config.yaml's order already
        config.clear()
        config.update(merged)
    remove_nulls(config)
    check_effective_config(
        config, base, stamp="results/config/checked.sha256", source=CONFIG_SOURCE
    )
except ValueError as error:
    raise WorkflowError(str(error)) from None


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
