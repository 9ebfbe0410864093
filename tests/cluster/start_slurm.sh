#!/usr/bin/env bash
# Start a one-node SLURM cluster on this machine (as root), for the cluster test and CI.
#
# Debian's slurm-wlm and munge; no systemd here, so the daemons are started by hand. The daemons
# this script starts are listed in $STARTED (one pid file a line) for stop_slurm.sh, which stops
# exactly those. A cluster that already answers `sinfo` is used as it is and left running.
# No accounting database: sacct does not work, so the workflow profile polls with squeue. Memory
# is enforced (jobacct_gather/linux, OverMemoryKill).
set -euo pipefail

STARTED=${NAVPARTNER_SLURM_STARTED:-/run/navpartner-slurm.started}
CONF=/etc/slurm/slurm.conf
MARK="# written by navpartner tests/cluster/start_slurm.sh"

if timeout 5 sinfo -h >/dev/null 2>&1; then
  echo "SLURM already answers sinfo: using it as it is"
  exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  # The packages' postinst creates /etc/munge/munge.key; policy-rc.d keeps services down.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null
fi
if [[ -e $CONF ]] && ! grep -qF "$MARK" "$CONF"; then
  echo "$CONF exists and was not written by this script: not touching it" >&2
  exit 1
fi

: >"$STARTED"  # from here on, stop_slurm.sh cleans up (the conf, the daemons started)
# NodeName must be `hostname -s` and RealMemory at most what slurmd detects, or the node drains.
node=$(hostname -s)
memory=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
mkdir -p /etc/slurm
cat >"$CONF" <<CONF
$MARK
ClusterName=navpartner-ci
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
# No cgroups in containers: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No cgroups to hold a job to its memory: job statistics every second instead, and a job step
# found over the job's memory is killed, as on a cluster that enforces memory.
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
# No slurmdbd: hence squeue, not sacct, as the profile's status command.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Finished jobs stay visible to squeue for 5 minutes; the executor plugin needs at least 120 s.
MinJobAge=300
NodeName=$node CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

[[ -s /etc/munge/munge.key ]] || { mungekey --create 2>/dev/null || create-munge-key -f; }
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
install -d /var/spool/slurmctld /var/spool/slurmd /var/log/slurm

start() {  # start a daemon unless its pid file names a live process; record it if started
  local pidfile=$1; shift
  if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return; fi
  "$@"
  for _ in $(seq 50); do [[ -s $pidfile ]] && break; sleep 0.1; done
  [[ -s $pidfile ]] || { echo "$1 wrote no $pidfile" >&2; exit 1; }
  echo "$pidfile" >>"$STARTED"
}
start /run/munge/munged.pid runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null
start /run/slurmctld.pid /usr/sbin/slurmctld
start /run/slurmd.pid /usr/sbin/slurmd

for _ in $(seq 60); do
  [[ $(sinfo -h -o %T 2>/dev/null) == idle ]] && break
  sleep 0.5
done
[[ $(sinfo -h -o %T) == idle ]] || { sinfo; echo "the node did not come up idle" >&2; exit 1; }
srun -N1 -n1 hostname >/dev/null
echo "SLURM up: $(sinfo -h -o '%P %D %T %c CPUs %m MB')"
