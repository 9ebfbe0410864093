#!/usr/bin/env bash
# The workflow on a one-node SLURM cluster through the executor plugin and profiles/slurm,
# compared byte for byte with a local run: every file under results/ must be identical. Both
# runs use config.yaml with bootstrap variance, so that replicate jobs are spread too. Prints
# each rule's whole-job memory peak beside its request (tests/cluster/job_memory.py) and fails
# where a job's peak exceeded its request; prints the cluster run's time over the local one's.
# Then shows a retry: a job killed for its memory goes through with twice as much.
#
#     bash tests/cluster/run_slurm.sh [seconds]    (as root; default limit 1200 s)
#
# Starts the cluster with start_slurm.sh and stops what it started on exit. Needs the project's
# venv with the slurm extra active (pip install -e ".[dev,slurm]" -c constraints.txt).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
limit=${1:-1200}
work=$(mktemp -d /tmp/navpartner-slurm.XXXXXX)
prefix=navpartner-test-$$  # SLURM job names start with it
sampler=
cleanup() {
  [[ -z $sampler ]] || kill "$sampler" 2>/dev/null || true
  # A run cut short by the time limit may leave its jobs queued: cancel them before stopping.
  squeue -h -o '%i %j' 2>/dev/null | awk -v p="$prefix" 'index($2, p) == 1 {print $1}' |
    xargs -r scancel || true
  bash "$root/tests/cluster/stop_slurm.sh"
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 1" INT TERM

copy() {  # the files a user has (what tests/workflow_run.py copies), variance by bootstrap
  mkdir -p "$1"
  cp -r "$root"/{Snakefile,config.yaml,workflow,data_raw,profiles,report} "$1"/
  find "$1" -name __pycache__ -prune -exec rm -rf {} +
  # Bootstrap variance, so the replicate chunks run as cluster jobs too (40 replicates in 2
  # chunks per survey wave keep it short).
  sed -i -e 's/^  variance: calibrated$/  variance: bootstrap/' \
    -e 's/^    replicates: [0-9]*$/    replicates: 40/' -e 's/^    chunks: [0-9]*$/    chunks: 2/' \
    "$1/config.yaml"
  grep -q '^  variance: bootstrap$' "$1/config.yaml" && grep -q '^    replicates: 40$' "$1/config.yaml"
}

bash "$root/tests/cluster/start_slurm.sh"
copy "$work/local"
copy "$work/cluster"
# What the README tells a user to do: fill in the partition, drop the account line on a
# cluster without accounts. This cluster's one partition is `debug`.
sed -i -e 's/EDIT_PARTITION/debug/' -e '/slurm_account: EDIT_ACCOUNT/d' \
  "$work/cluster/profiles/slurm/config.yaml"

started=$SECONDS
(cd "$work/local" && snakemake --cores 2 --quiet rules >"$work/local.log" 2>&1) ||
  { tail -50 "$work/local.log"; exit 1; }
local_seconds=$((SECONDS - started))

# Every process of every SLURM job sampled on the node (this machine) until the run ends.
python "$root/tests/cluster/job_memory.py" sample "$work/memory.tsv" &
sampler=$!
started=$SECONDS
# SIGINT, not SIGTERM: Snakemake ignores SIGTERM while it waits on cluster jobs.
if ! (cd "$work/cluster" && timeout --signal=INT --kill-after=30 "$limit" \
  snakemake --workflow-profile profiles/slurm --slurm-jobname-prefix "$prefix" \
  >"$work/cluster.log" 2>&1); then
  tail -80 "$work/cluster.log"
  echo "the workflow failed on SLURM (or ran over ${limit} s)" >&2
  exit 1
fi
cluster_seconds=$((SECONDS - started))
kill "$sampler" && wait "$sampler" && sampler=

submitted=$(grep -c "Job .* has been submitted with SLURM jobid" "$work/cluster.log" || true)
local_jobs=$(grep -c "^localrule " "$work/cluster.log" || true)
echo "SLURM run: ${submitted} SLURM jobs, ${local_jobs} local steps, ${cluster_seconds} s;" \
  "local run ${local_seconds} s; ratio $(awk -v c="$cluster_seconds" -v l="$local_seconds" \
  'BEGIN {printf "%.1f", c / l}'); load $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $submitted -gt 0 ]] || { echo "nothing went through SLURM" >&2; exit 1; }
# Two SLURM jobs: the estimates (every survey wave's steps, the replicate chunks too) and the
# publication; on the submit host only the manifest (and `all`, which runs nothing).
on_host=$(grep "^localrule " "$work/cluster.log" | sort -u | tr '\n' ' ')
[[ $submitted -eq 2 && $on_host == "localrule all: localrule results_manifest: " ]] &&
  grep -q "Group job estimates " "$work/cluster.log" &&
  [[ $(grep -c "^    rule weights_replicate:" "$work/cluster.log") -gt 0 ]] ||
  { echo "expected two SLURM jobs and only the manifest on the host: ${submitted} jobs;" \
    "on the host: ${on_host}" >&2; exit 1; }

memory=0
python "$root/tests/cluster/job_memory.py" table "$work/memory.tsv" "$work/cluster.log" \
  "$work/cluster/benchmarks" || memory=1

files=$(cd "$work/local/results" && find . -type f | wc -l)
if ! diff -r "$work/local/results" "$work/cluster/results"; then
  echo "results/ differ between the local and the SLURM run" >&2
  exit 1
fi
echo "all ${files} files under results/ are byte-identical to the local run"

# A retry with more memory: one model fitted again, with a first attempt too small for it
# (300 MB; the cluster kills the job step) and the second with twice as much, as the rules'
# memory_mb(...) and the profile's `retries: 1` do.
model=$(find "$work/cluster/results/models" -name '*.csv' | sort | head -1)
if ! (cd "$work/cluster" && timeout --signal=INT --kill-after=30 300 \
  snakemake "results/models/$(basename "$model")" --workflow-profile profiles/slurm \
  --slurm-jobname-prefix "$prefix" --forcerun model_fit \
  --set-resources "model_fit:mem_mb=300*attempt" >"$work/retry.log" 2>&1); then
  tail -40 "$work/retry.log"
  echo "the model's retry with more memory failed" >&2
  exit 1
fi
grep -rq "exceeded memory limit" "$work/cluster/.snakemake/slurm_logs" &&
  grep -q "Trying to restart job" "$work/retry.log" ||
  { tail -40 "$work/retry.log"; echo "no job was killed for its memory and retried" >&2; exit 1; }
cmp "$model" "$work/local/results/models/$(basename "$model")"
echo "retry: a job killed for going over its memory went through the second time, with twice" \
  "the memory, and made the same model"
exit "$memory"
