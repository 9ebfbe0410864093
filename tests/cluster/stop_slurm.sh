#!/usr/bin/env bash
# Stop the daemons tests/cluster/start_slurm.sh started, by their pid files, in reverse order,
# and remove the slurm.conf it wrote (marked as its own), so the machine is as it was.
set -euo pipefail

STARTED=${NAVPARTNER_SLURM_STARTED:-/run/navpartner-slurm.started}
CONF=/etc/slurm/slurm.conf
MARK="# written by navpartner tests/cluster/start_slurm.sh"
[[ -f $STARTED ]] || exit 0
tac "$STARTED" | while read -r pidfile; do
  [[ -s $pidfile ]] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "pid $pid ($pidfile) is still running" >&2; fi
done
rm -f "$STARTED"
if [[ -f $CONF ]] && grep -qF "$MARK" "$CONF"; then rm -f "$CONF"; fi
