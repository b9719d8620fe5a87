#!/usr/bin/env bash
# Install what the real-SLURM tests (pytest -m slurm, tests/test_slurm.py) need: Debian's
# slurm-wlm (slurmctld, slurmd, client commands) and munge. Run as root on Debian/Ubuntu.
# Idempotent and quick when already installed. It only installs: the test fixture
# (tests/slurm_cluster.py) writes slurm.conf and starts/stops munged, slurmctld and slurmd.
set -euo pipefail

need=(slurmctld slurmd sinfo sbatch squeue scontrol munged munge)
missing=()
for cmd in "${need[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$cmd")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "slurm-setup: slurm-wlm and munge already installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "slurm-setup: missing ${missing[*]}; run as root to install slurm-wlm munge" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
apt-get update -qq
apt-get install -y -qq slurm-wlm munge >/dev/null
echo "slurm-setup: installed slurm-wlm $(dpkg-query -W -f='${Version}' slurm-wlm) and munge" \
     "in $((SECONDS - start))s"
