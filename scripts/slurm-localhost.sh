#!/bin/bash
# A real Slurm on this machine (controller and one node on localhost, Debian's
# slurm-wlm and munge), a small suite run on it as an array job of shards, and the
# union of the shard folders checked and merged. Needs root (apt-get, daemons).
#
#   scripts/slurm-localhost.sh [--suite problems/tiny.toml] [--shards 3]
#                              [--work /tmp/cvxrelu-slurm] [--binary target/release/cvxrelu]
#
# The configuration avoids what a container or a VM without systemd lacks:
# ProctrackType=proctrack/linuxproc (no cgroups), TaskPlugin=task/none,
# JobAcctGatherType=jobacct_gather/none, no accounting database (so `sacct` has
# nothing to say: job completions go to a text file, jobcomp/filetxt), SlurmUser=root
# and SlurmdUser=root, SelectType=select/cons_tres with CR_CPU so that tasks share
# the node one CPU each. All of Slurm's files (configuration, state, logs, pids)
# live under WORK; SLURM_CONF points the daemons and clients there, nothing is
# written under /etc/slurm. The daemons this script starts are stopped at the end
# (by their pid files), also when it fails; a munged that was already running is
# left alone.
#
# It is not part of CI. Exit code: that of `cvxrelu merge-check` (0 when the union
# of the shard folders is the suite), or non-zero when a step fails.
set -euo pipefail

SUITE=problems/tiny.toml
SHARDS=3
WORK=/tmp/cvxrelu-slurm
BINARY=
while [ $# -gt 0 ]; do
    case "$1" in
    --suite) SUITE=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "slurm-localhost.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
if [ "$(id -u)" != 0 ]; then
    echo "slurm-localhost.sh: needs root (apt-get and the Slurm daemons)" >&2
    exit 2
fi
say() { echo "== $*"; }

say "packages"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge
fi
echo "slurm $(dpkg-query -W -f='${Version}' slurmd), munge $(dpkg-query -W -f='${Version}' munge)"

if [ -z "$BINARY" ]; then
    cargo build --release --quiet
    BINARY=$REPO/target/release/cvxrelu
fi
BINARY=$(realpath "$BINARY")

rm -rf "$WORK"
mkdir -p "$WORK"/{state,spool,log,run}
WORK=$(realpath "$WORK")
export SLURM_CONF=$WORK/slurm.conf
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)

STARTED_MUNGE=
cleanup() {
    set +e
    for p in slurmd slurmctld; do
        if [ -f "$WORK/run/$p.pid" ]; then
            kill "$(cat "$WORK/run/$p.pid")" 2>/dev/null
        fi
    done
    sleep 2
    if [ -n "$STARTED_MUNGE" ] && [ -f /run/munge/munged.pid ]; then
        kill "$(cat /run/munge/munged.pid)" 2>/dev/null
    fi
    say "daemons stopped"
}
trap cleanup EXIT

say "munge"
if munge -n </dev/null >/dev/null 2>&1; then
    echo "munged already running"
else
    [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    runuser -u munge -- munged
    STARTED_MUNGE=1
    sleep 1
    munge -n </dev/null | unmunge >/dev/null
    echo "munged started"
fi

say "slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=localhost
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$WORK/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
MinJobAge=600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
cat "$SLURM_CONF"

say "daemons"
slurmctld
slurmd
for _ in $(seq 30); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then break; fi
    sleep 1
done
sinfo

say "array job"
OUT=$WORK/out
"$BINARY" slurm --suite "$SUITE" --shards "$SHARDS" --out "$OUT" --time 00:10:00 --mem 1G
JOB=$(sbatch --parsable "$OUT/array.sbatch")
echo "submitted job $JOB"
for _ in $(seq 600); do
    LINES=$(squeue -h -j "$JOB" -o '%i %T %M %R' 2>/dev/null || true)
    [ -z "$LINES" ] && break
    echo "squeue $(date -u +%H:%M:%S): $(echo "$LINES" | tr '\n' ';')"
    sleep 2
done
say "job records"
scontrol show job "$JOB" | grep -E 'JobId=|JobState=|RunTime=|NodeList=|StdOut=' | sed 's/^ *//'
echo "--- jobcomp ($WORK/log/jobcomp.txt)"
cat "$WORK/log/jobcomp.txt" 2>/dev/null || true
echo "--- sacct"
sacct -j "$JOB" 2>&1 || true
say "task logs"
for f in "$OUT"/logs/*.log; do
    echo "--- $f"
    head -n 1 "$f"
    tail -n 1 "$f"
done

say "merge-check"
set +e
"$BINARY" merge-check --suite "$SUITE" "$OUT"/shard-*-of-"$SHARDS"
CHECK=$?
set -e
if [ "$CHECK" = 0 ]; then
    "$BINARY" merge --suite "$SUITE" --out "$OUT/merged" "$OUT"/shard-*-of-"$SHARDS"
    "$BINARY" report "$OUT/merged"
fi
exit "$CHECK"
