"""Peak-memory helpers shared by the benchmark scripts (Linux ``/proc``; 0 where unavailable)."""

from __future__ import annotations


def status_kb(field: str) -> int:
    """A ``/proc/self/status`` field (``VmRSS:``, ``VmHWM:``) in KB."""
    try:
        for line in open("/proc/self/status", encoding="ascii"):
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak() -> int:
    """Reset the peak RSS (Linux) and return the RSS now, in KB (0 when unavailable)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return 0
    return status_kb("VmRSS:")
