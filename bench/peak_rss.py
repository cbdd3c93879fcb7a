#!/usr/bin/env python3
"""peak_rss.py CMD...: runs CMD (its output discarded) and prints its peak
resident set in KiB, or "failed" when it exits non-zero.

The peak is the kernel's own high-water mark (VmHWM in /proc/PID/status),
read every 2 ms while CMD runs; its last reading is taken as the peak (a
rise in the last 2 ms goes unseen). It counts every resident page, the
binary's own code included. GNU time's %M (getrusage's ru_maxrss) read
about that much less for the same s3pub publish on this machine's kernel
(6.18): near the anonymous pages alone (smaps_rollup's Anonymous), in
steps of 128 KiB. One process only (s3pub's threads share it); children
are not followed.
"""
import subprocess
import sys
import time

proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
path = "/proc/%d/status" % proc.pid
hwm = 0
while proc.poll() is None:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
    except (OSError, ValueError):
        pass
    time.sleep(0.002)
print(hwm if proc.returncode == 0 and hwm > 0 else "failed")
