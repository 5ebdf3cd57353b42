"""The Host pane's busiest processes: read from /proc once a probe, and the same list
psutil gives (names past the kernel's 15 characters included)."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from console.sources.host import TOP_COUNT, HostSource

BURN = "import time\nend = time.monotonic() + 30\nwhile time.monotonic() < end: pass\n"


def test_a_busy_process_with_a_long_name_tops_the_list_by_its_full_name(tmp_path):
    # a program whose name the kernel cuts at 15 characters ("genesis-burner-")
    program = tmp_path / "genesis-burner-of-cpu"
    program.symlink_to(sys.executable)
    burner = subprocess.Popen([str(program), "-c", BURN])
    try:
        source = HostSource()
        time.sleep(1.0)
        source.snapshot()  # the burner's first sight: 0 % this time
        time.sleep(1.0)
        top = source.snapshot().top
    finally:
        burner.kill()
        burner.wait()
    assert 1 <= len(top) <= TOP_COUNT
    mine = [p for p in top if p.pid == burner.pid]
    assert mine, top
    assert mine[0].name == "genesis-burner-of-cpu"  # not the kernel's "genesis-burner-"
    assert 50 < mine[0].cpu_percent <= 110  # one core, measured over the second between
    assert [p.cpu_percent for p in top] == sorted((p.cpu_percent for p in top), reverse=True)


def test_the_list_is_what_psutil_measures(tmp_path):
    burner = subprocess.Popen([sys.executable, "-c", BURN])

    def measure(procs) -> None:
        for proc in procs:
            try:
                proc.cpu_percent(None)
            except psutil.Error:
                pass

    try:
        measured = list(psutil.process_iter())
        source = HostSource()
        measure(measured)
        time.sleep(1.0)
        source.snapshot()
        measure(measured)
        time.sleep(1.5)
        top = source.snapshot().top
        theirs = {}
        for proc in measured:
            try:
                theirs[proc.pid] = (proc.name(), proc.cpu_percent(None), proc.memory_percent())
            except psutil.Error:  # ended meanwhile
                pass
    finally:
        burner.kill()
        burner.wait()
    assert top[0].pid == burner.pid
    compared = [p for p in top if p.pid in theirs]  # (not those born during the test)
    assert len(compared) >= len(top) - 2
    for p in compared:
        name, cpu, memory = theirs[p.pid]
        assert p.name == name
        assert abs(p.cpu_percent - cpu) < 10  # the two read a few ms apart
        assert abs(p.memory_percent - memory) < 0.2
